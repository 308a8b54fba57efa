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

// TypeDNSDGAHeuristic is the finding of an instance querying names that
// look algorithmically generated; known DGA domains from threat lists make
// TypeDNSDGAKnown. (GuardDuty's finding catalogue describes ".B" as its
// heuristic variant and ".C!DNS" as the threat-intelligence one; Vigil
// uses the opposite assignment, as specified for this project.)
const TypeDNSDGAHeuristic = "Trojan:EC2/DGADomainRequest.B"

// dnsMaxNames bounds the distinct names remembered per instance; a
// min_dga_names above it acts as dnsMaxNames.
const dnsMaxNames = 32

// dnsDGASamples is how many names of a burst a finding shows.
const dnsDGASamples = 5

var dnsDGAParams = []detect.Param{
	{Name: "min_score", Default: "0.55", Doc: "DGA score (0-1) from which a name counts as DGA-like"},
	{Name: "min_label_len", Default: "8", Doc: "shortest registrable label that is scored"},
	{Name: "min_dga_names", Default: "5", Doc: "distinct DGA-like names per instance within the window (at most 32)"},
	{Name: "min_nxdomain_ratio", Default: "0.5", Doc: "share of those names answered NXDOMAIN"},
	{Name: "window", Default: "10m", Doc: "sliding window over which names are counted"},
}

func init() {
	detect.Register(&detect.Detector{
		Name: "ec2.dns_dga", Kinds: queries, Params: dnsDGAParams, Sample: sampleDNSDGA, Detect: detectDNSDGA,
		Types: []detect.Definition{{
			Type: TypeDNSDGAHeuristic, Severity: finding.SeverityHigh, Tactic: "Command and Control", DataSource: dnsSource,
			Logic: "Each query's registrable label (the label left of the public suffix; names under the private and " +
				"cloud-infrastructure suffixes such as .internal, amazonaws.com and cloudfront.net are skipped, as are labels shorter " +
				"than min_label_len and xn-- names) gets a DGA score in [0, 1]: " + dnsScoreFormula() +
				", with ramp(x, lo, hi) = clamp((x-lo)/(hi-lo), 0, 1) and the surprisal the mean -log2 probability of the label's " +
				"character bigrams (a hyphen counts as a word boundary) under a model built from a built-in English and host-name word " +
				"list (y counts as a vowel). A name with a score " +
				"≥ min_score is DGA-like. Fires when one instance queries ≥ min_dga_names distinct DGA-like names within window, of which " +
				"≥ min_nxdomain_ratio were answered NXDOMAIN; the count then starts again. Trusted IP lists do not apply.",
			Key:         "querying instance (else VPC + source address)",
			Title:       "An EC2 instance is querying algorithmically generated domains.",
			Description: "An EC2 instance is querying algorithmically generated domains. Such domains are commonly used by malware and could be an indication of a compromised EC2 instance.",
			Thresholds:  map[string]string{"names remembered per instance": strconv.Itoa(dnsMaxNames)},
		}},
	})
}

// dnsOwnerID is the state key of per-instance state.
type dnsOwnerID struct{ owner uint64 }

// dnsSeenName is one distinct DGA-like name of an instance.
type dnsSeenName struct {
	hash uint64
	at   int64 // Unix nanoseconds of the last query
	nx   bool  // answered NXDOMAIN at least once
}

// dnsDGAState is what the detector remembers of one instance.
type dnsDGAState struct {
	names   [dnsMaxNames]dnsSeenName
	n       int
	samples []string // the first names of the burst (cloned)
}

// dnsDGALocal is the detector's working state: parameters, parsed once,
// and the instances.
type dnsDGALocal struct {
	minScore float64
	minLen   int
	minNames int
	minRatio float64
	window   int64
	owners   *detect.LRU[dnsOwnerID, dnsDGAState]
}

func dnsDGALocalOf(ctx *detect.Context) *dnsDGALocal {
	if l, ok := ctx.Local.(*dnsDGALocal); ok {
		return l
	}
	l := &dnsDGALocal{
		minScore: ctx.Params.Num("min_score"),
		minLen:   ctx.Params.Int("min_label_len"),
		minNames: min(max(ctx.Params.Int("min_dga_names"), 1), dnsMaxNames),
		minRatio: ctx.Params.Num("min_nxdomain_ratio"),
		window:   int64(ctx.Params.Duration("window")),
		owners:   detect.NewLRUFor[dnsOwnerID, dnsDGAState](ctx, 1),
	}
	ctx.Local = l
	return l
}

func detectDNSDGA(ctx *detect.Context, ev *event.Event) []finding.Finding {
	q := ev.DNS
	if q == nil || dnsInfra(q.Name) {
		return nil
	}
	_, parent, label, ok := dnsSplit(q.Name)
	if !ok {
		return nil
	}
	l := dnsDGALocalOf(ctx)
	score := dnsDGAScore(label, l.minLen)
	if score < l.minScore {
		return nil
	}
	s, _ := l.owners.Upsert(dnsOwnerID{dnsOwnerKey(q)})
	t := ev.Time.UnixNano()
	s.add(q.Name, t, l.window, q.Rcode == "NXDOMAIN")
	nx := s.nxCount()
	if s.n < l.minNames || float64(nx) < l.minRatio*float64(s.n) {
		return nil
	}
	f := dnsFinding(TypeDNSDGAHeuristic, ev, parent, "")
	f.Title = dnsWho(q) + " is querying algorithmically generated domains."
	f.Description = dnsWho(q) + " queried " + strconv.Itoa(s.n) + " distinct algorithmically generated-looking domain names within " +
		time.Duration(l.window).String() + ", " + strconv.Itoa(nx) + " of them non-existent (NXDOMAIN), such as " + q.Name +
		". Such domains are commonly used by malware to find its command and control server; the instance might be compromised."
	f.Service.AdditionalInfo = dnsInfo(q, map[string]any{
		"distinctNames": s.n, "nxdomainNames": nx, "sampleNames": s.samples, "score": dnsRound2(score),
	})
	*s = dnsDGAState{} // start counting again
	return []finding.Finding{f}
}

// add records a query for name at t, first forgetting names not queried
// within window. When every slot is taken the least recently queried
// name gives way.
func (s *dnsDGAState) add(name string, t, window int64, nx bool) {
	kept := 0
	for i := range s.n {
		if t-s.names[i].at <= window {
			s.names[kept] = s.names[i]
			kept++
		}
	}
	s.n = kept
	if kept == 0 {
		s.samples = s.samples[:0]
	}
	h := dnsHashName(name)
	for i := range s.n {
		if e := &s.names[i]; e.hash == h {
			e.at, e.nx = max(e.at, t), e.nx || nx
			return
		}
	}
	e := dnsSeenName{hash: h, at: t, nx: nx}
	if s.n < dnsMaxNames {
		s.names[s.n] = e
		s.n++
	} else {
		oldest := 0
		for i := range s.n {
			if s.names[i].at < s.names[oldest].at {
				oldest = i
			}
		}
		s.names[oldest] = e
	}
	if len(s.samples) < dnsDGASamples {
		s.samples = append(s.samples, strings.Clone(name))
	}
}

func (s *dnsDGAState) nxCount() int {
	n := 0
	for i := range s.n {
		if s.names[i].nx {
			n++
		}
	}
	return n
}

func dnsHashName(name string) uint64 { return maphash.String(dnsSeed, name) }

func dnsRound2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }

func sampleDNSDGA(typ string) finding.Finding {
	ev := dnsSampleEvent("kq3vz8xjwpl0bt.net", "A", "NXDOMAIN")
	q := ev.DNS
	f := dnsFinding(typ, ev, "kq3vz8xjwpl0bt.net", "")
	f.Title = dnsWho(q) + " is querying algorithmically generated domains."
	f.Description = dnsWho(q) + " queried 5 distinct algorithmically generated-looking domain names within 10m0s, 5 of them non-existent (NXDOMAIN)."
	f.Service.AdditionalInfo = dnsInfo(q, map[string]any{
		"distinctNames": 5, "nxdomainNames": 5, "score": 0.81,
		"sampleNames": []string{"kq3vz8xjwpl0bt.net", "zx7rm2qwvhd9.org", "p0wtxq4bz8kv.info", "hjx2v9qkzt5m.com", "tq8wvz3kpx0j.biz"},
	})
	return f
}
