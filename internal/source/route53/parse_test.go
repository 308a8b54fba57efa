package route53_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/route53"
)

// deliveryFile is where Resolver delivers query logs to S3.
const deliveryFile = "s3://logs/AWSLogs/111122223333/vpcdnsquerylogs/vpc-0a1b2c3d4e5f60718/2024/05/01/vpc-0a1b2c3d4e5f60718_vpcdnsquerylogs_111122223333_20240501T1200Z_9a8b7c6d.log.gz"

var addrEqual = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// result is what a Parse produced, in a form tests compare.
type result struct {
	Events []*event.Event
	Errs   []string // "record N @offset: message" of each problem reported through onErr
	Stats  source.Stats
	ErrMsg string // the returned error, "" for none
}

func parse(t *testing.T, data []byte, file string) result {
	t.Helper()
	var r result
	st, err := route53.Parse(data, file,
		func(e *event.Event) { r.Events = append(r.Events, e) },
		func(e *source.RecordError) {
			if e.File != file {
				t.Errorf("RecordError.File = %q, want %q", e.File, file)
			}
			r.Errs = append(r.Errs, fmt.Sprintf("record %d @%d: %v", e.Record, e.Offset, e.Err))
		})
	r.Stats = st
	if err != nil {
		r.ErrMsg = err.Error()
	}
	return r
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queries returns the DNS part of each event.
func queries(evs []*event.Event) []event.DNSQuery {
	var qs []event.DNSQuery
	for _, e := range evs {
		qs = append(qs, *e.DNS)
	}
	return qs
}

// wantQueries are the records of testdata/vpcdnsquerylogs.log, as events
// hold them.
func wantQueries() []event.DNSQuery {
	base := func(name, typ, rcode, src string, port int, instance string) event.DNSQuery {
		return event.DNSQuery{
			Version: "1.100000", AccountID: "111122223333", Region: "eu-west-1", VpcID: "vpc-0a1b2c3d4e5f60718",
			Name: name, Type: typ, Class: "IN", Rcode: rcode,
			SrcAddr: netip.MustParseAddr(src), SrcPort: port, Transport: "UDP", InstanceID: instance,
		}
	}
	ans := func(rr ...string) []event.DNSAnswer {
		var out []event.DNSAnswer
		for i := 0; i < len(rr); i += 2 {
			out = append(out, event.DNSAnswer{Rdata: rr[i+1], Type: rr[i], Class: "IN"})
		}
		return out
	}
	a := base("www.example.com", "A", "NOERROR", "10.0.1.25", 53124, "i-0123456789abcdef0")
	a.Answers = ans("CNAME", "web.example.net.", "A", "192.0.2.10", "A", "192.0.2.11")
	aaaa := base("mail.example.org", "AAAA", "NOERROR", "10.0.1.25", 40931, "i-0123456789abcdef0")
	aaaa.Answers = ans("AAAA", "2001:db8:10::25")
	txt := base("_dmarc.example.org", "TXT", "NOERROR", "10.0.2.7", 35001, "i-0fedcba9876543210")
	txt.Answers, txt.Transport = ans("TXT", `"v=DMARC1; p=reject; rua=mailto:dmarc@example.org"`), "TCP"
	nx := base("no-such-host.example.com", "A", "NXDOMAIN", "10.0.2.7", 35002, "i-0fedcba9876543210")
	endpoint := base("db.corp.example.internal", "A", "NOERROR", "172.16.8.20", 61000, "")
	endpoint.Answers = ans("A", "10.0.3.40")
	endpoint.ResolverEndpoint, endpoint.ResolverNetworkInterface = "rslvr-in-0123456789abcdef0", "rni-0123456789abcdef0"
	block := base("c2.bad.example", "A", "NXDOMAIN", "10.0.1.25", 51515, "i-0123456789abcdef0")
	block.FirewallRuleGroupID, block.FirewallRuleAction, block.FirewallDomainListID = "rslvr-frg-0123456789abcdef", "BLOCK", "rslvr-fdl-0123456789abcdef"
	v6 := base("ipv6.example.com", "AAAA", "NOERROR", "2001:db8:1:2::15", 33333, "i-0aaaaaaaaaaaaaaaa")
	v6.Answers = ans("AAAA", "2001:db8::80")
	alert := base("agvsbg8gd29ybgq.t.tunnel.example", "TXT", "NOERROR", "10.0.1.25", 51516, "i-0123456789abcdef0")
	alert.FirewallRuleGroupID, alert.FirewallRuleAction = "rslvr-frg-0fedcba987654321", "ALERT"
	return []event.DNSQuery{a, aaaa, txt, nx, endpoint, block, v6, alert}
}

var wantTimes = []string{
	"2024-05-01T12:00:00Z", "2024-05-01T12:00:01Z", "2024-05-01T12:00:02Z", "2024-05-01T12:00:03Z",
	"2024-05-01T12:00:04Z", "2024-05-01T12:00:05Z", "2024-05-01T12:00:06.25Z", "2024-05-01T12:00:07Z",
}

func TestParseDeliveryFile(t *testing.T) {
	data := readFile(t, "vpcdnsquerylogs.log")
	got := parse(t, data, deliveryFile)
	if got.ErrMsg != "" || got.Errs != nil || got.Stats != (source.Stats{Records: 8, Events: 8}) {
		t.Fatalf("Parse(vpcdnsquerylogs.log) = %+v, %v, %q; want 8 events and no errors", got.Stats, got.Errs, got.ErrMsg)
	}
	if diff := cmp.Diff(wantQueries(), queries(got.Events), addrEqual); diff != "" {
		t.Errorf("Parse(vpcdnsquerylogs.log) queries mismatch (-want +got):\n%s", diff)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	off := 0
	for i, e := range got.Events {
		want := event.Event{
			Kind: event.KindDNS, Time: mustTime(t, wantTimes[i]), Account: "111122223333", Region: "eu-west-1",
			Source: "route53resolver", SourceIP: e.DNS.SrcAddr, DNS: e.DNS,
			Origin: event.Origin{File: deliveryFile, Record: i, Offset: int64(off)},
			Raw:    bytes.TrimSuffix(lines[i], []byte("\n")),
		}
		if diff := cmp.Diff(&want, e, addrEqual); diff != "" {
			t.Errorf("event %d mismatch (-want +got):\n%s", i, diff)
		}
		off += len(lines[i])
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestParseForms reads the same records in each form they are kept in,
// plain and gzip, through source.Reader as the scanner does.
func TestParseForms(t *testing.T) {
	all := wantQueries()
	pick := func(idx ...int) []event.DNSQuery {
		var out []event.DNSQuery
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	tests := []struct {
		name, file, fixture string
		want                []event.DNSQuery
		times               []string // ev.Time of each event
	}{
		{"S3 delivery", deliveryFile, "vpcdnsquerylogs.log", all, wantTimes},
		{"CloudWatch Logs export to S3", "s3://logs/exports/3f0c7a4e/vpc-0a1b2c3d4e5f60718_rqlc/000000.gz", "cloudwatch-export.log", pick(0, 3), []string{wantTimes[0], wantTimes[3]}},
		{"aws logs filter-log-events", "/tmp/dns-events.json", "filter-log-events.json", pick(0, 4), []string{wantTimes[0], wantTimes[4]}},
		{"JSON array", "records.json", "records.json", pick(1, 6), []string{wantTimes[1], wantTimes[6]}},
		{"CloudWatch Logs subscription via Firehose", "s3://fh/2024/05/01/12/dns-1-2024-05-01-12-00-00-abcd", "subscription.json", pick(2, 5), []string{wantTimes[2], wantTimes[5]}},
	}
	// CloudWatch export: the first record has one answer there.
	tests[1].want[0].Answers = tests[1].want[0].Answers[1:2]
	for _, tt := range tests {
		data := readFile(t, tt.fixture)
		for _, zip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gzip=%v", tt.name, zip), func(t *testing.T) {
				in := data
				if zip {
					in = gz(t, data)
				}
				var evs []*event.Event
				var r source.Reader
				st, err := r.Read(bytes.NewReader(in), tt.file, func(e *event.Event) { evs = append(evs, e) },
					func(e *source.RecordError) { t.Errorf("Read(%s): %v", tt.fixture, e) })
				if err != nil || st.Events != len(tt.want) || st.Bytes != int64(len(data)) {
					t.Fatalf("Read(%s) = %+v, %v; want %d events of %d bytes", tt.fixture, st, err, len(tt.want), len(data))
				}
				if diff := cmp.Diff(tt.want, queries(evs), addrEqual); diff != "" {
					t.Errorf("Read(%s) queries mismatch (-want +got):\n%s", tt.fixture, diff)
				}
				for i, e := range evs {
					if e.Kind != event.KindDNS || e.Source != route53.FormatName || !e.Time.Equal(mustTime(t, tt.times[i])) ||
						e.Account != "111122223333" || e.Region != "eu-west-1" || e.SourceIP != e.DNS.SrcAddr || e.Origin.Record != i {
						t.Errorf("Read(%s) event %d = %+v", tt.fixture, i, e)
					}
					// Raw is the record: parsed alone, it gives the same query.
					again := parse(t, e.Raw, tt.file)
					if len(again.Events) != 1 || !cmp.Equal(again.Events[0].DNS, e.DNS, addrEqual) {
						t.Errorf("Read(%s) event %d: Raw %.80q is not its record", tt.fixture, i, e.Raw)
					}
				}
			})
		}
	}
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rec returns a one-line record, with each pair of over replacing or adding
// a key (a value of "" drops the key).
func rec(over ...string) string {
	keys := []string{"version", "account_id", "region", "vpc_id", "query_timestamp", "query_name", "query_type", "query_class", "rcode", "answers", "srcaddr", "srcport", "transport", "srcids"}
	vals := map[string]string{
		"version": `"1.100000"`, "account_id": `"111122223333"`, "region": `"eu-west-1"`, "vpc_id": `"vpc-0a1b2c3d4e5f60718"`,
		"query_timestamp": `"2024-05-01T12:00:00Z"`, "query_name": `"example.com."`, "query_type": `"A"`, "query_class": `"IN"`,
		"rcode": `"NOERROR"`, "answers": `[{"Rdata":"192.0.2.1","Type":"A","Class":"IN"}]`, "srcaddr": `"10.0.0.5"`,
		"srcport": `"5353"`, "transport": `"UDP"`, "srcids": `{"instance":"i-0123456789abcdef0"}`,
	}
	for i := 0; i+1 < len(over); i += 2 {
		if _, ok := vals[over[i]]; !ok {
			keys = append(keys, over[i])
		}
		vals[over[i]] = over[i+1]
	}
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range keys {
		if vals[k] == "" {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, vals[k])
	}
	b.WriteByte('}')
	return b.String()
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(e *event.Event) bool
	}{
		{"numeric srcport", rec("srcport", "5353"), func(e *event.Event) bool { return e.DNS.SrcPort == 5353 }},
		{"no srcport", rec("srcport", ""), func(e *event.Event) bool { return e.DNS.SrcPort == 0 }},
		{"root query", rec("query_name", `"."`, "query_type", `"NS"`), func(e *event.Event) bool { return e.DNS.Name == "" && e.DNS.Type == "NS" }},
		{"upper-case name", rec("query_name", `"WWW.EXAMPLE.COM."`), func(e *event.Event) bool { return e.DNS.Name == "www.example.com" }},
		{"name without the dot", rec("query_name", `"example.net"`), func(e *event.Event) bool { return e.DNS.Name == "example.net" }},
		{"no answers key", rec("answers", ""), func(e *event.Event) bool { return e.DNS.Answers == nil }},
		{"IPv4-mapped srcaddr", rec("srcaddr", `"::ffff:10.0.0.9"`), func(e *event.Event) bool { return e.SourceIP == netip.MustParseAddr("10.0.0.9") }},
		{"no srcaddr", rec("srcaddr", ""), func(e *event.Event) bool { return !e.SourceIP.IsValid() }},
		{"fractional seconds", rec("query_timestamp", `"2024-05-01T12:00:00.123456Z"`), func(e *event.Event) bool { return e.Time.Nanosecond() == 123456000 }},
		{"offset time is UTC", rec("query_timestamp", `"2024-05-01T14:00:00+02:00"`), func(e *event.Event) bool {
			return e.Time.Location() == time.UTC && e.Time.Hour() == 12
		}},
		{"unknown keys", rec("firewall_protection", `"DGA"`, "future_field", `{"a":[1,2]}`), func(e *event.Event) bool { return e.DNS.Name == "example.com" }},
		{"escaped name", rec("query_name", `"caf\u00e9.example."`), func(e *event.Event) bool { return e.DNS.Name == "café.example" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse(t, []byte(tt.line+"\n"), deliveryFile)
			if len(got.Events) != 1 || got.Errs != nil || !tt.check(got.Events[0]) {
				var e any = got.Errs
				if len(got.Events) == 1 {
					e = got.Events[0].DNS
				}
				t.Errorf("Parse(%s) = %+v", tt.line, e)
			}
		})
	}
}

// TestParsePathFallback checks that the S3 delivery path gives the account
// and VPC, and a region folder the region, of records that lack them, and
// that a record's own values win.
func TestParsePathFallback(t *testing.T) {
	bare := rec("account_id", "", "region", "", "vpc_id", "")
	tests := []struct {
		name, file, line     string
		account, region, vpc string
	}{
		{"delivery path", "AWSLogs/444455556666/vpcdnsquerylogs/vpc-0123abcd/2024/05/01/f.log.gz", bare, "444455556666", "", "vpc-0123abcd"},
		{"organization path", "s3://b/p/AWSLogs/o-abc123/444455556666/vpcdnsquerylogs/vpc-0123abcd/2024/05/01/f.log.gz", bare, "444455556666", "", "vpc-0123abcd"},
		{"region folder", "/data/dns/us-west-2/AWSLogs/444455556666/vpcdnsquerylogs/vpc-0123abcd/2024/05/01/f.log.gz", bare, "444455556666", "us-west-2", "vpc-0123abcd"},
		{"GovCloud region folder", "/data/us-gov-west-1/f.log", bare, "", "us-gov-west-1", ""},
		{"record wins", "/data/us-west-2/AWSLogs/444455556666/vpcdnsquerylogs/vpc-0123abcd/f.log", rec(), "111122223333", "eu-west-1", "vpc-0a1b2c3d4e5f60718"},
		{"no hints", "/data/f.log", bare, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse(t, []byte(tt.line+"\n"), tt.file)
			if len(got.Events) != 1 {
				t.Fatalf("Parse(%s) = %+v, want one event", tt.file, got)
			}
			e := got.Events[0]
			if e.Account != tt.account || e.DNS.AccountID != tt.account || e.Region != tt.region || e.DNS.Region != tt.region || e.DNS.VpcID != tt.vpc {
				t.Errorf("Parse(%s): account %q/%q, region %q/%q, vpc %q; want %q, %q, %q",
					tt.file, e.Account, e.DNS.AccountID, e.Region, e.DNS.Region, e.DNS.VpcID, tt.account, tt.region, tt.vpc)
			}
		})
	}
}
