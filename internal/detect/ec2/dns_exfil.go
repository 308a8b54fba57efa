package ec2

import (
	"hash/maphash"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TypeDNSDataExfiltration is the finding of an instance sending data out
// in the names it queries (DNS tunnelling).
const TypeDNSDataExfiltration = "Trojan:EC2/DNSDataExfiltration"

var dnsExfilParams = []detect.Param{
	{Name: "min_label_len", Default: "24", Doc: "length from which one subdomain label may carry encoded data"},
	{Name: "min_entropy", Default: "3.3", Doc: "Shannon entropy (bits/char) such a label needs"},
	{Name: "min_label_score", Default: "0.5", Doc: "DGA score such a label needs, so that long names made of words do not count; 0 disables"},
	{Name: "min_subdomain_len", Default: "60", Doc: "subdomain characters (dots excluded) that count as encoded data whatever the labels"},
	{Name: "min_queries", Default: "20", Doc: "encoded queries per instance and parent domain within the window"},
	{Name: "min_encoded_bytes", Default: "2000", Doc: "subdomain bytes of those queries within the window"},
	{Name: "window", Default: "10m", Doc: "sliding window over which queries and bytes are counted"},
}

func init() {
	detect.Register(&detect.Detector{
		Name: "ec2.dns_exfiltration", Kinds: queries, Params: dnsExfilParams, Sample: sampleDNSExfil, Detect: detectDNSExfil,
		Types: []detect.Definition{{
			Type: TypeDNSDataExfiltration, Severity: finding.SeverityHigh, Tactic: "Exfiltration", DataSource: dnsSource,
			Logic: "A query is encoded when its subdomain (the part left of the registrable domain, eTLD+1) has a label of at least " +
				"min_label_len characters with a Shannon entropy of at least min_entropy bits per character and a DGA score (see " +
				"Trojan:EC2/DGADomainRequest.B) of at least min_label_score, which keeps long names made of words out, or has at least " +
				"min_subdomain_len characters in all (dots excluded). Names under the private and cloud-infrastructure suffixes " +
				"(.internal, .arpa, amazonaws.com, cloudfront.net, ...) never count, nor does a repeat of one of the last 32 encoded names " +
				"of the same instance and parent domain. Fires when one instance makes ≥ min_queries encoded queries, or ≥ " +
				"min_encoded_bytes bytes of encoded subdomains, under one parent domain within window (a sliding window in tenths); " +
				"the count then starts again. Trusted IP lists do not apply.",
			Key:         "querying instance (else VPC + source address) + parent domain (eTLD+1)",
			Title:       "An EC2 instance is exfiltrating data through DNS queries.",
			Description: "An EC2 instance is querying names whose subdomains look like encoded data, a technique to exfiltrate data through DNS that evades firewalls.",
			Thresholds:  map[string]string{"window resolution": "window/10", "names remembered per instance and parent": strconv.Itoa(dnsMaxNames)},
		}},
	})
}

// dnsExfilKey is the state key: who queries and the parent domain.
type dnsExfilKey struct{ owner, parent uint64 }

// dnsExfilState counts one instance's encoded queries under one parent.
type dnsExfilState struct {
	win    dnsWindow
	recent [dnsMaxNames]uint64 // hashes of the last encoded names, a ring
	next   int
	parent string // cloned
}

// seen reports whether h is one of the recent names, and remembers it.
func (s *dnsExfilState) seen(h uint64) bool {
	for _, r := range s.recent {
		if r == h {
			return true
		}
	}
	s.recent[s.next] = h
	s.next = (s.next + 1) % dnsMaxNames
	return false
}

type dnsExfilLocal struct {
	minLabel, minSub, minQueries, minBytes int
	minEntropy, minScore                   float64
	window                                 int64
	pairs                                  *detect.LRU[dnsExfilKey, dnsExfilState]
}

func dnsExfilLocalOf(ctx *detect.Context) *dnsExfilLocal {
	if l, ok := ctx.Local.(*dnsExfilLocal); ok {
		return l
	}
	l := &dnsExfilLocal{
		minLabel:   max(ctx.Params.Int("min_label_len"), 1),
		minEntropy: ctx.Params.Num("min_entropy"),
		minScore:   ctx.Params.Num("min_label_score"),
		minSub:     max(ctx.Params.Int("min_subdomain_len"), 1),
		minQueries: max(ctx.Params.Int("min_queries"), 1),
		minBytes:   max(ctx.Params.Int("min_encoded_bytes"), 1),
		window:     int64(ctx.Params.Duration("window")),
		pairs:      detect.NewLRUFor[dnsExfilKey, dnsExfilState](ctx, 1),
	}
	ctx.Local = l
	return l
}

func detectDNSExfil(ctx *detect.Context, ev *event.Event) []finding.Finding {
	q := ev.DNS
	if q == nil {
		return nil
	}
	l := dnsExfilLocalOf(ctx)
	if len(q.Name) < min(l.minLabel, l.minSub) || dnsInfra(q.Name) {
		return nil
	}
	sub, parent, _, ok := dnsSplit(q.Name)
	if !ok || len(sub) < min(l.minLabel, l.minSub) {
		return nil
	}
	n, encoded := l.encoded(sub)
	if !encoded {
		return nil
	}
	s, created := l.pairs.Upsert(dnsExfilKey{dnsOwnerKey(q), maphash.String(dnsSeed, parent)})
	if created {
		s.parent = strings.Clone(parent)
	}
	if s.seen(maphash.String(dnsSeed, q.Name)) {
		return nil
	}
	count, bytes := s.win.add(ev.Time.UnixNano(), l.window, n)
	if count < l.minQueries && bytes < l.minBytes {
		return nil
	}
	s.win.reset()
	f := dnsFinding(TypeDNSDataExfiltration, ev, s.parent, s.parent)
	f.Title = dnsWho(q) + " is exfiltrating data through DNS queries for " + s.parent + "."
	f.Description = dnsWho(q) + " made " + strconv.Itoa(count) + " queries under " + s.parent + " within " + time.Duration(l.window).String() +
		" whose subdomains look like encoded data (" + strconv.Itoa(bytes) + " bytes), such as " + q.Name +
		". Data can be exfiltrated through DNS queries to a name server the attacker controls."
	f.Service.AdditionalInfo = dnsInfo(q, map[string]any{"queries": count, "encodedBytes": bytes, "sampleName": q.Name})
	return []finding.Finding{f}
}

// encoded reports whether a subdomain carries encoded data: a label of
// at least minLabel characters with an entropy of at least minEntropy and
// a DGA score of at least minScore, or at least minSub characters in all.
// n is its length without dots.
func (l *dnsExfilLocal) encoded(sub string) (n int, encoded bool) {
	n = len(sub) - strings.Count(sub, ".")
	if n >= l.minSub {
		return n, true
	}
	for len(sub) >= l.minLabel {
		label := sub
		if i := strings.IndexByte(sub, '.'); i >= 0 {
			label, sub = sub[:i], sub[i+1:]
		} else {
			sub = ""
		}
		if len(label) >= l.minLabel && dnsEntropy(label) >= l.minEntropy &&
			(l.minScore <= 0 || dnsFeatures(label).Score() >= l.minScore) {
			return n, true
		}
	}
	return n, false
}

func sampleDNSExfil(typ string) finding.Finding {
	name := "mzxw6ytboi2dsnzqgeztknjwg44dsmbr.gezdgnbvgy3tqojqgezdgnbv.t1.example.org"
	ev := dnsSampleEvent(name, "TXT", "NOERROR")
	q := ev.DNS
	f := dnsFinding(typ, ev, "example.org", "example.org")
	f.Title = dnsWho(q) + " is exfiltrating data through DNS queries for example.org."
	f.Description = dnsWho(q) + " made 20 queries under example.org within 10m0s whose subdomains look like encoded data (1240 bytes)."
	f.Service.AdditionalInfo = dnsInfo(q, map[string]any{"queries": 20, "encodedBytes": 1240, "sampleName": name})
	return f
}
