package ec2

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// dnsDGALabels look like the output of domain generation algorithms:
// random letters, letters and digits, and hex digests, typed for these
// tests from a random source.
var dnsDGALabels = []string{
	"xjq7vkz2mwpd", "qwhzrtkvbnmx", "a8f3k2p9x7z1q4", "zrkvqhwxjtlp", "mfzvqkplxwrtyb", "p0o9i8u7y6t5r4e3",
	"kq3vz8xjwpl0bt", "zx7rm2qwvhd9", "hjx2v9qkzt5m", "tq8wvz3kpx0j", "vbqzxnmwkfjd", "ltkbxqspfhwz",
	"c4ca4238a0b923820dcc509a6f75849b", "7f3e2a9c1b8d4e6f", "uxbvkdnhqpmzlyt", "gwbkrdpxqzvn", "ojxfqkmvhzwt",
	"jshdkfhwqpxnzb", "dkfjwpqhxz", "fuiwqehjzxc",
}

// dnsBenignLabels are registrable labels of everyday traffic.
var dnsBenignLabels = []string{
	"amazonaws", "cloudfront", "stackoverflow", "kubernetes", "letsencrypt", "googleapis", "wikipedia", "microsoftonline",
	"office365", "windowsupdate", "digicert", "datadoghq", "pagerduty", "hashicorp", "cloudflare", "salesforce", "atlassian",
	"slack-edge", "pythonhosted", "rubygems", "chromium", "fedoraproject", "alpinelinux", "snapcraft", "launchpad", "canonical",
	"mycompany", "internal-tools", "acme-corp", "shop-online", "travelblog", "weatherapi", "newsdaily", "bestdeals", "homegarden",
	"jsdelivr", "bootstrapcdn", "fontawesome", "githubusercontent", "githubassets", "sonatype", "terraform", "prometheus",
	"elasticsearch", "mailchimp", "sendgrid", "wordpress", "squarespace", "shopify", "linkedin", "instagram", "facebook",
	"youtube", "netflix", "spotify", "dropbox", "zendesk", "hubspot", "intercom", "crowdstrike", "paloaltonetworks",
	"speedtest", "accuweather", "washingtonpost", "theguardian", "bloomberg", "techcrunch", "arstechnica", "cloudinary",
	"typekit", "gravatar", "mixpanel", "amplitude", "optimizely", "doubleclick", "googlesyndication", "googletagmanager",
	"scorecardresearch", "rubiconproject", "launchdarkly", "statuspage", "uptimerobot", "sumologic", "honeycomb",
	"dynatrace", "appdynamics", "firebaseio", "crashlytics", "qualtrics", "surveymonkey", "docusign", "wetransfer",
	"servicenow", "successfactors", "quickbooks", "bamboohr", "oktapreview", "pingidentity", "duosecurity", "bitwarden",
	"keepersecurity", "sentinelone", "carbonblack", "trendmicro", "kaspersky", "malwarebytes", "bitdefender", "fortinet",
	"checkpoint", "incapsula", "stackpath", "ringcentral", "gotomeeting", "bluejeans", "myexternalip", "whatismyip",
}

func TestDNSDGAScore(t *testing.T) {
	const minScore, minLen = 0.55, 8
	for _, l := range dnsDGALabels {
		if s := dnsDGAScore(l, minLen); s < minScore {
			t.Errorf("dnsDGAScore(%q) = %.2f (%+v), want ≥ %v", l, s, dnsFeatures(l), minScore)
		}
	}
	for _, l := range dnsBenignLabels {
		if s := dnsDGAScore(l, minLen); s >= minScore {
			t.Errorf("dnsDGAScore(%q) = %.2f (%+v), want < %v", l, s, dnsFeatures(l), minScore)
		}
	}
	for _, l := range []string{"github", "xn--bcher-kva", "a_b_c_d_e_f_g", "qzx"} {
		if s := dnsDGAScore(l, minLen); s != -1 {
			t.Errorf("dnsDGAScore(%q) = %.2f, want -1 (not scored)", l, s)
		}
	}
	// Randomly generated labels, by style: the share that scores as DGA-like.
	r := rand.New(rand.NewPCG(7, 11))
	gen := func(alphabet string, lo, hi int) string {
		b := make([]byte, lo+r.IntN(hi-lo+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	const letters, digits = "abcdefghijklmnopqrstuvwxyz", "0123456789"
	for _, tt := range []struct {
		style    string
		alphabet string
		lo, hi   int
		minShare float64
	}{
		{"letters 12-20", letters, 12, 20, 0.95},
		{"letters and digits 10-16", letters + digits, 10, 16, 0.85},
		{"hex 16-32", digits + "abcdef", 16, 32, 0.95},
		{"letters 8-11", letters, 8, 11, 0.55},
	} {
		n := 0
		for range 2000 {
			if dnsDGAScore(gen(tt.alphabet, tt.lo, tt.hi), minLen) >= minScore {
				n++
			}
		}
		if share := float64(n) / 2000; share < tt.minShare {
			t.Errorf("%s: %.2f score ≥ %v, want ≥ %.2f", tt.style, share, minScore, tt.minShare)
		}
	}
}

func TestDNSSplit(t *testing.T) {
	tests := []struct{ name, sub, parent, label string }{
		{"www.example.com", "www", "example.com", "example"},
		{"example.com", "", "example.com", "example"},
		{"a.b.example.co.uk", "a.b", "example.co.uk", "example"},
		{"example.co.uk", "", "example.co.uk", "example"},
		{"x.y.z.kq3vz8xjwpl0bt.net", "x.y.z", "kq3vz8xjwpl0bt.net", "kq3vz8xjwpl0bt"},
		{"localhost", "", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		sub, parent, label, _ := dnsSplit(tt.name)
		if sub != tt.sub || parent != tt.parent || label != tt.label {
			t.Errorf("dnsSplit(%q) = %q, %q, %q; want %q, %q, %q", tt.name, sub, parent, label, tt.sub, tt.parent, tt.label)
		}
	}
}

func TestDNSInfra(t *testing.T) {
	for name, want := range map[string]bool{
		"d1234abcd5678ef.cloudfront.net": true, "s3.us-east-1.amazonaws.com": true, "ip-10-0-1-5.ec2.internal": true,
		"a1b2c3d4e5f6.execute-api.eu-west-1.amazonaws.com": true, "5.1.0.10.in-addr.arpa": true, "amazonaws.com": true, "tunnel.exfil-dns.example": false,
		"vpce-0a1b2c3d4e5f67890-abcdefgh.s3.us-east-1.vpce.amazonaws.com": true, "printer.local": true, "internal": true,
		"example.com": false, "notamazonaws.com": false, "amazonaws.com.example.net": false, "kq3vz8xjwpl0bt.net": false,
	} {
		if got := dnsInfra(name); got != want {
			t.Errorf("dnsInfra(%q) = %v, want %v", name, got, want)
		}
	}
}

// dnsDGANames returns n NXDOMAIN queries for DGA-like names, one every
// step from start.
func dnsDGANames(n int, start, step time.Duration, q dnsQ) []dnsQ {
	tlds := []string{".com", ".net", ".org", ".info", ".biz"}
	if q.rcode == "" {
		q.rcode = "NXDOMAIN"
	}
	return dnsNames(n, start, step, q, func(i int) string {
		return dnsDGALabels[i%len(dnsDGALabels)] + tlds[i%len(tlds)]
	})
}

func TestDNSDGA(t *testing.T) {
	one := []string{TypeDNSDGAHeuristic + " 8"}
	mixed := append(dnsDGANames(2, 0, time.Second, dnsQ{}), dnsDGANames(3, 10*time.Second, time.Second, dnsQ{rcode: "NOERROR"})...)
	for i := range mixed[2:] {
		mixed[2+i].name = dnsDGALabels[10+i] + ".com"
	}
	tests := []struct {
		name   string
		qs     []dnsQ
		params map[string]string
		want   []string
	}{
		{"five NXDOMAIN names in a minute", dnsDGANames(5, 0, 10*time.Second, dnsQ{}), nil, one},
		{"four names", dnsDGANames(4, 0, 10*time.Second, dnsQ{}), nil, nil},
		{"names of one instance only count", append(dnsDGANames(3, 0, time.Second, dnsQ{}), dnsDGANames(3, 0, time.Second, dnsQ{instance: "i-0fedcba9876543210"})[1:]...), nil, nil},
		{"same name five times", dnsNames(5, 0, time.Second, dnsQ{rcode: "NXDOMAIN"}, func(int) string { return "xjq7vkz2mwpd.com" }), nil, nil},
		{"two of five NXDOMAIN", mixed, nil, nil},
		{"three of five NXDOMAIN", append(dnsDGANames(3, 0, time.Second, dnsQ{}), dnsDGANames(5, 5*time.Second, time.Second, dnsQ{rcode: "NOERROR"})[3:]...), nil, one},
		{"spread over 40 minutes", dnsDGANames(5, 0, 10*time.Minute, dnsQ{}), nil, nil},
		{"spread over 40 minutes, window 1h", dnsDGANames(5, 0, 10*time.Minute, dnsQ{}), map[string]string{"window": "1h"}, one},
		{"three names, min_dga_names 3", dnsDGANames(3, 0, time.Second, dnsQ{}), map[string]string{"min_dga_names": "3"}, one},
		{"min_score 0.9", dnsDGANames(10, 0, time.Second, dnsQ{}), map[string]string{"min_score": "0.9"}, nil},
		{"through a Resolver endpoint", dnsDGANames(5, 0, time.Second, dnsQ{instance: "-"}), nil, one},
		{"subdomains of one DGA-like domain are one name each", dnsNames(5, 0, time.Second, dnsQ{rcode: "NXDOMAIN"}, func(i int) string { return fmt.Sprintf("h%d.xjq7vkz2mwpd.com", i) }), nil, one},
		{"NXDOMAIN for ordinary names", dnsNames(20, 0, time.Second, dnsQ{rcode: "NXDOMAIN"}, func(i int) string { return dnsBenignLabels[i] + ".com" }), nil, nil},
		{"hex CloudFront and AWS names", dnsNames(20, 0, time.Second, dnsQ{rcode: "NXDOMAIN"}, func(i int) string {
			return []string{"d%d3a9f1c7e2b8d4.cloudfront.net", "%d0f3a7c9e1b5d2.execute-api.us-east-1.amazonaws.com", "ip-10-0-%d-5.ec2.internal",
				"x%dk2p9vq7zw.s3.us-east-1.amazonaws.com"}[i%4]
		}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var params map[string]map[string]string
			if tt.params != nil {
				params = map[string]map[string]string{"ec2.dns_dga": tt.params}
			}
			e := dnsEngine(dnsEngineOptions{params: params})
			got := dnsSummary(dnsOfType(dnsRun(t, e, tt.qs...), TypeDNSDGAHeuristic))
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDNSDGAFinding(t *testing.T) {
	e := dnsEngine(dnsEngineOptions{})
	fs := dnsRun(t, e, append(dnsDGANames(10, 0, time.Second, dnsQ{}), dnsDGANames(5, time.Hour, time.Second, dnsQ{})...)...)
	if len(fs) != 3 {
		t.Fatalf("findings = %v, want 3 (two bursts of five, one later)", dnsSummary(fs))
	}
	if fs[0].ID != fs[1].ID || fs[0].ID != fs[2].ID {
		t.Errorf("ids %s %s %s; want one finding per instance", fs[0].ID, fs[1].ID, fs[2].ID)
	}
	f := fs[0]
	var info struct {
		DistinctNames int      `json:"distinctNames"`
		NX            int      `json:"nxdomainNames"`
		SampleNames   []string `json:"sampleNames"`
		Score         float64  `json:"score"`
	}
	if err := json.Unmarshal([]byte(f.Service.AdditionalInfo.Value), &info); err != nil || info.DistinctNames != 5 || info.NX != 5 ||
		len(info.SampleNames) != 5 || info.SampleNames[0] != "xjq7vkz2mwpd.com" || info.Score < 0.55 {
		t.Errorf("additionalInfo = %s (%v)", f.Service.AdditionalInfo.Value, err)
	}
	a := f.Service.Action.DNSRequestAction
	if a.Domain != "mfzvqkplxwrtyb.biz" || a.DomainWithSuffix != "mfzvqkplxwrtyb.biz" {
		t.Errorf("action = %+v", a)
	}
	if f.Resource.InstanceDetails.InstanceID != dnsTestInstance || f.AggregationKey != dnsTestInstance {
		t.Errorf("instance %q key %q", f.Resource.InstanceDetails.InstanceID, f.AggregationKey)
	}
}

func TestDNSDGAStateBounded(t *testing.T) {
	const limit, instances = 500, 20000
	e := dnsEngine(dnsEngineOptions{stateLimit: limit})
	for i := range instances {
		dnsRun(t, e, dnsQ{name: dnsDGALabels[i%len(dnsDGALabels)] + ".com", rcode: "NXDOMAIN", instance: fmt.Sprintf("i-%017x", i), at: time.Duration(i) * time.Millisecond})
	}
	st, _ := e.State("ec2.dns_dga")
	if got := st.Evicted(); got != instances-limit {
		t.Errorf("evicted %d instances, want %d", got, instances-limit)
	}
}
