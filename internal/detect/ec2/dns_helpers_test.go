package ec2

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/detect/detecttest"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// dnsT0 is the time of the first query of a test.
var dnsT0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

const (
	dnsTestAccount  = "111122223333"
	dnsTestInstance = "i-0a1b2c3d4e5f60718"
)

// dnsQ describes a test query; zero fields get defaults (instance
// dnsTestInstance from 10.0.1.25, type A, NOERROR, at dnsT0).
type dnsQ struct {
	name     string
	at       time.Duration // after dnsT0
	instance string        // "-" for none (a query through a Resolver endpoint)
	src      string
	qtype    string
	rcode    string
	answers  []event.DNSAnswer
	blocked  bool
}

// dnsEvent builds the event the Route 53 parser would make of q.
func dnsEvent(q dnsQ) *event.Event {
	d := &event.DNSQuery{
		Version: "1.100000", AccountID: dnsTestAccount, Region: "us-east-1", VpcID: "vpc-0123456789abcdef0",
		Name: q.name, Type: cmp.Or(q.qtype, "A"), Class: "IN", Rcode: cmp.Or(q.rcode, "NOERROR"), Answers: q.answers,
		SrcAddr: netip.MustParseAddr(cmp.Or(q.src, "10.0.1.25")), SrcPort: 53124, Transport: "UDP",
		InstanceID: cmp.Or(q.instance, dnsTestInstance),
	}
	if q.instance == "-" {
		d.InstanceID = ""
		d.ResolverEndpoint = "rslvr-in-0123456789abcdef0"
		d.ResolverNetworkInterface = "rni-0123456789abcdef0"
	}
	if q.blocked {
		d.FirewallRuleGroupID, d.FirewallRuleAction, d.FirewallDomainListID = "rslvr-frg-01234567", "BLOCK", "rslvr-fdl-01234567"
	}
	return &event.Event{
		Kind: event.KindDNS, Time: dnsT0.Add(q.at), Account: dnsTestAccount, Region: "us-east-1",
		Source: "route53resolver", SourceIP: d.SrcAddr, DNS: d,
	}
}

// dnsEngineOptions configure a test engine.
type dnsEngineOptions struct {
	intel      *intel.Intel
	params     map[string]map[string]string
	stateLimit int
}

// dnsEngine returns an engine running every registered detector.
func dnsEngine(o dnsEngineOptions) *detect.Engine {
	return detect.New(detect.Registered(), detect.Options{
		DetectorID: detecttest.DetectorID, Now: func() time.Time { return detecttest.Now },
		Intel: func() *intel.Intel { return o.intel }, Params: o.params, StateLimit: o.stateLimit,
	})
}

// dnsRun feeds the queries to e and returns the findings; it fails the
// test when a detector panics.
func dnsRun(t testing.TB, e *detect.Engine, qs ...dnsQ) []finding.Finding {
	t.Helper()
	before := e.Stats().Panics
	var out []finding.Finding
	for _, q := range qs {
		e.Process(dnsEvent(q), func(f finding.Finding) { out = append(out, f) })
	}
	if n := e.Stats().Panics - before; n != 0 {
		t.Fatalf("detectors panicked %d times", n)
	}
	return out
}

// dnsBuiltinIntel is threat intelligence holding GuardDuty's test domains
// and the given lists ("family:name" → TXT text, as detecttest.Intel).
func dnsBuiltinIntel(t testing.TB, lists map[string]string) *intel.Intel {
	t.Helper()
	in := detecttest.Intel(t, lists, "")
	var threats []*intel.List
	for k, text := range lists {
		fam, name, _ := strings.Cut(k, ":")
		if fam == "trusted" {
			continue
		}
		l, _, err := intel.Parse(intel.TXT, strings.NewReader(text), name, 0)
		if err != nil {
			t.Fatal(err)
		}
		l.Family, _ = intel.ParseFamily(fam)
		threats = append(threats, l)
	}
	in.Threats = intel.NewSet(append(intel.BuiltinTestDomains(), threats...)...)
	return in
}

// dnsSummary is detecttest.Summary, sorted.
func dnsSummary(fs []finding.Finding) []string {
	s := detecttest.Summary(fs)
	slices.Sort(s)
	return s
}

// dnsOfType returns the findings of type typ.
func dnsOfType(fs []finding.Finding, typ string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Type == typ {
			out = append(out, f)
		}
	}
	return out
}

// dnsNames returns n copies of q, step apart from start, named name(i).
func dnsNames(n int, start time.Duration, step time.Duration, q dnsQ, name func(i int) string) []dnsQ {
	out := make([]dnsQ, n)
	for i := range out {
		out[i] = q
		out[i].name = name(i)
		out[i].at = start + time.Duration(i)*step
	}
	return out
}
