package ec2

import (
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

var dnsB32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// dnsTunnelName returns a name carrying n random bytes base32-encoded in
// labels of at most 50 characters under parent, as DNS tunnelling tools
// do, with a sequence number label.
func dnsTunnelName(r *rand.Rand, n, seq int, parent string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	enc := strings.ToLower(dnsB32.EncodeToString(b))
	var labels []string
	for len(enc) > 50 {
		labels = append(labels, enc[:50])
		enc = enc[50:]
	}
	labels = append(labels, enc, fmt.Sprintf("s%d", seq), parent)
	return strings.Join(labels, ".")
}

func TestDNSEncoded(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	tests := []struct {
		sub  string
		want bool
	}{
		{strings.ToLower(dnsB32.EncodeToString(b)), true},                  // 26 base32 characters
		{hex.EncodeToString(b), true},                                      // 32 hex digits
		{"www", false},                                                     // short
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},                  // long but one letter
		{"the-quick-brown-fox-jumps", false},                               // long, word-like: entropy 3.2
		{"a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.0.1.2.3.4.5", false}, // 28 characters in one-character labels
		{strings.Repeat("abcdefghij.", 6), true},                           // 60 characters in all
	}
	for _, tt := range tests {
		l := &dnsExfilLocal{minLabel: 24, minSub: 60, minEntropy: 3.3, minScore: 0.5}
		if _, got := l.encoded(tt.sub); got != tt.want {
			t.Errorf("encoded(%q) = %v (entropy %.2f, %+v), want %v", tt.sub, got, dnsEntropy(tt.sub), dnsFeatures(tt.sub), tt.want)
		}
	}
}

// dnsTunnel returns n queries carrying size bytes each under parent, one
// every step.
func dnsTunnel(n, size int, step time.Duration, parent string, q dnsQ) []dnsQ {
	r := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	if q.qtype == "" {
		q.qtype = "TXT"
	}
	return dnsNames(n, 0, step, q, func(i int) string { return dnsTunnelName(r, size, i, parent) })
}

func TestDNSExfiltration(t *testing.T) {
	one := []string{TypeDNSDataExfiltration + " 8"}
	tests := []struct {
		name   string
		qs     []dnsQ
		params map[string]string
		want   []string
	}{
		{"20 encoded queries", dnsTunnel(20, 16, time.Second, "tunnel-example.net", dnsQ{}), nil, one},
		{"19 encoded queries", dnsTunnel(19, 16, time.Second, "tunnel-example.net", dnsQ{}), nil, nil},
		{"2000 encoded bytes in 11 queries", dnsTunnel(11, 120, time.Second, "tunnel-example.net", dnsQ{}), nil, one},
		{"outside the window", dnsTunnel(20, 16, time.Minute, "tunnel-example.net", dnsQ{}), nil, nil},
		{"window 30m", dnsTunnel(20, 16, time.Minute, "tunnel-example.net", dnsQ{}), map[string]string{"window": "30m"}, one},
		{"min_queries 5", dnsTunnel(5, 16, time.Second, "tunnel-example.net", dnsQ{}), map[string]string{"min_queries": "5"}, one},
		{"two parents of 10", append(dnsTunnel(10, 16, time.Second, "tunnel-example.net", dnsQ{}), dnsTunnel(10, 16, time.Second, "other-example.org", dnsQ{})...), nil, nil},
		{"two instances of 10", append(dnsTunnel(10, 16, time.Second, "tunnel-example.net", dnsQ{}), dnsTunnel(10, 17, time.Second, "tunnel-example.net", dnsQ{instance: "i-0fedcba9876543210"})...), nil, nil},
		{"through a Resolver endpoint", dnsTunnel(20, 16, time.Second, "tunnel-example.net", dnsQ{instance: "-"}), nil, one},
		{"under co.uk", dnsTunnel(20, 16, time.Second, "tunnel-example.co.uk", dnsQ{}), nil, one},
		{"AWS names with ids", dnsNames(50, 0, time.Second, dnsQ{}, func(i int) string {
			return fmt.Sprintf("vpce-0a1b2c3d4e5f6%04d-k3j5h2g9.s3.us-east-1.vpce.amazonaws.com", i)
		}), nil, nil},
		{"CloudFront and internal names", dnsNames(50, 0, time.Second, dnsQ{}, func(i int) string {
			return fmt.Sprintf("d%013x.cloudfront.net", i*7919) + []string{"", ".example.com.ec2.internal"}[i%2]
		}), nil, nil},
		{"everyday names", dnsNames(50, 0, time.Second, dnsQ{}, func(i int) string {
			return []string{"www.example.com", "api.github.com", "registry-1.docker.io", "ntp.ubuntu.com", "security.debian.org"}[i%5]
		}), nil, nil},
		{"long word-like host names", dnsNames(50, 0, time.Second, dnsQ{}, func(i int) string {
			return fmt.Sprintf("customer-portal-frontend-%d.prod.mycompany-services.com", i)
		}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var params map[string]map[string]string
			if tt.params != nil {
				params = map[string]map[string]string{"ec2.dns_exfiltration": tt.params}
			}
			e := dnsEngine(dnsEngineOptions{params: params})
			got := dnsSummary(dnsOfType(dnsRun(t, e, tt.qs...), TypeDNSDataExfiltration))
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDNSExfiltrationFinding(t *testing.T) {
	e := dnsEngine(dnsEngineOptions{})
	qs := dnsTunnel(60, 16, time.Second, "tunnel-example.net", dnsQ{})
	fs := dnsRun(t, e, qs...)
	if len(fs) != 3 {
		t.Fatalf("findings = %v, want 3 (one per 20 queries)", dnsSummary(fs))
	}
	if fs[0].ID != fs[1].ID || fs[1].ID != fs[2].ID {
		t.Errorf("ids %s %s %s; want one finding per instance and parent", fs[0].ID, fs[1].ID, fs[2].ID)
	}
	f := fs[0]
	var info struct {
		Queries    int    `json:"queries"`
		Bytes      int    `json:"encodedBytes"`
		SampleName string `json:"sampleName"`
	}
	if err := json.Unmarshal([]byte(f.Service.AdditionalInfo.Value), &info); err != nil || info.Queries != 20 || info.Bytes != 20*26+10*2+10*3 ||
		info.SampleName != qs[19].name {
		t.Errorf("additionalInfo = %s (%v)", f.Service.AdditionalInfo.Value, err)
	}
	a := f.Service.Action.DNSRequestAction
	if a.Domain != "tunnel-example.net" || a.DomainWithSuffix != qs[19].name || f.AggregationKey != dnsTestInstance+"|tunnel-example.net" {
		t.Errorf("action %+v key %q", a, f.AggregationKey)
	}
}

// TestDNSStateBounded floods the DNS detectors with encoded, DGA-like
// queries for distinct parent domains from distinct hosts: every LRU stays
// within the state limit and the evictions are counted.
func TestDNSStateBounded(t *testing.T) {
	const limit = 1000
	parents := 1_000_000
	if testing.Short() {
		parents = 100_000
	}
	dets, ctxs := dnsCapture(dnsDetectors())
	e := detect.New(dets, detect.Options{StateLimit: limit})
	label := dnsTunnelName(rand.New(rand.NewPCG(1, 1)), 16, 0, "")
	for i := range parents {
		q := dnsQ{name: label + fmt.Sprintf("p%dq%dxz.net", i, i%7919), at: time.Duration(i) * time.Millisecond, rcode: "NXDOMAIN",
			instance: fmt.Sprintf("i-%017x", i)}
		if i%2 == 1 {
			q.instance, q.src = "-", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		}
		e.Process(dnsEvent(q), func(f finding.Finding) {
			t.Errorf("unexpected finding %s", f.Type)
		})
	}
	if p := e.Stats().Panics; p != 0 {
		t.Fatalf("detectors panicked %d times", p)
	}
	exfil := ctxs["ec2.dns_exfiltration"].Local.(*dnsExfilLocal).pairs
	dga := ctxs["ec2.dns_dga"].Local.(*dnsDGALocal).owners
	if exfil.Len() != limit || dga.Len() > limit {
		t.Errorf("state holds %d instance+parent pairs and %d instances; want at most %d each", exfil.Len(), dga.Len(), limit)
	}
	st, _ := e.State("ec2.dns_exfiltration")
	dst, _ := e.State("ec2.dns_dga")
	t.Logf("%d queries: exfiltration %d keys, %d evicted; DGA %d keys, %d evicted", parents, exfil.Len(), st.Evicted(), dga.Len(), dst.Evicted())
	if got := st.Evicted(); got != uint64(parents-limit) {
		t.Errorf("evicted %d parent domains, want %d", got, parents-limit)
	}
	if dga.Len() == limit && dst.Evicted() == 0 {
		t.Errorf("DGA state full but no evictions counted")
	}
}

// dnsCapture returns copies of dets that record the context the engine
// gives each, so that tests can look at their state.
func dnsCapture(dets []*detect.Detector) ([]*detect.Detector, map[string]*detect.Context) {
	ctxs := map[string]*detect.Context{}
	var out []*detect.Detector
	for _, d := range dets {
		c := *d
		c.Detect = func(ctx *detect.Context, ev *event.Event) []finding.Finding {
			ctxs[d.Name] = ctx
			return d.Detect(ctx, ev)
		}
		out = append(out, &c)
	}
	return out, ctxs
}
