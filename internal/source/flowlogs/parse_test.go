package flowlogs_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/flowlogs"
)

// deliveryFile is an S3 delivery path: account 123456789010, eu-west-3.
const deliveryFile = "s3://logs/flow/AWSLogs/123456789010/vpcflowlogs/eu-west-3/2024/05/01/123456789010_vpcflowlogs_eu-west-3_fl-0123456789abcdef0_20240501T1200Z_1a2b3c4d.log.gz"

// addrs compares netip.Addr values, whose fields are unexported.
var addrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// result is what a Parse produced.
type result struct {
	events []*event.Event
	errs   []*source.RecordError
	stats  source.Stats
	err    error
}

func parse(t testing.TB, data, file string) result {
	t.Helper()
	var r result
	r.stats, r.err = flowlogs.Parse([]byte(data), file,
		func(e *event.Event) { r.events = append(r.events, e) },
		func(e *source.RecordError) { r.errs = append(r.errs, e) })
	return r
}

// errStrings renders record errors as "record R @offset: message".
func (r result) errStrings() []string {
	var out []string
	for _, e := range r.errs {
		out = append(out, fmt.Sprintf("record %d @%d: %v", e.Record, e.Offset, e.Err))
	}
	return out
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// flowEvent builds the event a record should make.
func flowEvent(fl event.Flow, line string, record int, offset int64, file, account, region string) *event.Event {
	ev := &event.Event{
		Kind:     event.KindFlow,
		Time:     fl.Start,
		Account:  account,
		Region:   region,
		Source:   "vpcflowlogs",
		SourceIP: fl.SrcAddr,
		Origin:   event.Origin{File: file, Record: record, Offset: offset},
		Raw:      []byte(line),
	}
	if fl.ResourceType == "TransitGateway" {
		ev.Source = "tgwflowlogs"
	}
	ev.Flow = &fl
	return ev
}

// lineOf returns line n (1-based) of data and its byte offset.
func lineOf(data string, n int) (string, int64) {
	off := 0
	for i := 1; i < n; i++ {
		off += strings.IndexByte(data[off:], '\n') + 1
	}
	line := data[off:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return line, int64(off)
}

func TestParseDefaultFormat(t *testing.T) {
	data := readFile(t, "v2.log")
	r := parse(t, data, deliveryFile)
	if r.err != nil || len(r.errs) > 0 {
		t.Fatalf("Parse(v2.log) = %v, errors %v", r.err, r.errStrings())
	}
	base := event.Flow{Version: 2, AccountID: "123456789010", InterfaceID: "eni-1235b8ca123456789", LogStatus: "OK"}
	with := func(f func(*event.Flow)) event.Flow { fl := base; f(&fl); return fl }
	flows := []event.Flow{
		with(func(f *event.Flow) { // accepted SSH
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Protocol = ip("172.31.16.139"), ip("172.31.16.21"), 20641, 22, 6
			f.Packets, f.Bytes, f.Start, f.End, f.Action = 20, 4249, unix(1418530010), unix(1418530070), "ACCEPT"
		}),
		with(func(f *event.Flow) { // rejected RDP
			f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Protocol = ip("172.31.9.69"), ip("172.31.9.12"), 49761, 3389, 6
			f.Packets, f.Bytes, f.Start, f.End, f.Action = 20, 4249, unix(1418530010), unix(1418530070), "REJECT"
		}),
		with(func(f *event.Flow) {
			f.Protocol, f.Start, f.End, f.LogStatus = -1, unix(1431280876), unix(1431280934), "NODATA"
		}),
		with(func(f *event.Flow) {
			f.InterfaceID, f.Protocol, f.Start, f.End, f.LogStatus = "eni-11111111aaaaaaaaa", -1, unix(1431280876), unix(1431280934), "SKIPDATA"
		}),
		with(func(f *event.Flow) { // IPv6
			f.SrcAddr, f.DstAddr = ip("2001:db8:1234:a100:8d6e:3477:df66:f105"), ip("2001:db8:1234:a102:3304:8879:34cf:4071")
			f.SrcPort, f.DstPort, f.Protocol, f.Packets, f.Bytes = 34892, 22, 6, 54, 8855
			f.Start, f.End, f.Action = unix(1477913708), unix(1477913820), "ACCEPT"
		}),
		with(func(f *event.Flow) { // ICMP
			f.SrcAddr, f.DstAddr, f.Protocol, f.Packets, f.Bytes = ip("203.0.113.12"), ip("172.31.16.139"), 1, 4, 336
			f.Start, f.End, f.Action = unix(1432917027), unix(1432917142), "ACCEPT"
		}),
	}
	var want []*event.Event
	for i, fl := range flows {
		line, off := lineOf(data, i+2) // after the header
		want = append(want, flowEvent(fl, line, i, off, deliveryFile, "123456789010", "eu-west-3"))
	}
	if diff := cmp.Diff(want, r.events, addrs); diff != "" {
		t.Errorf("Parse(v2.log) events (-want +got):\n%s", diff)
	}
	if want := (source.Stats{Records: 6, Events: 6}); r.stats != want {
		t.Errorf("Parse(v2.log) stats = %+v, want %+v", r.stats, want)
	}
	for _, e := range r.events[2:4] {
		if !e.Flow.NoData() || e.SourceIP.IsValid() || e.Flow.DstAddr.IsValid() {
			t.Errorf("%s record = %+v; want no data and no addresses", e.Flow.LogStatus, e.Flow)
		}
	}
}

// TestParseHeaderless reads records without a header: the default
// version 2 format, in a file or in a CloudWatch Logs export, and Transit
// Gateway's default format.
func TestParseHeaderless(t *testing.T) {
	v2 := readFile(t, "v2.log")
	_, afterHeader := lineOf(v2, 2)
	headerless := v2[afterHeader:]
	tgw := readFile(t, "tgw.log")
	_, tgwAfterHeader := lineOf(tgw, 2)
	for _, tc := range []struct {
		name, data, twin string // twin: the same records with a header
	}{
		{"v2", headerless, v2},
		{"cloudwatch", readFile(t, "cloudwatch.log"), v2},
		{"crlf", strings.ReplaceAll(headerless, "\n", "\r\n"), v2},
		{"tgw", tgw[tgwAfterHeader:], tgw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parse(t, tc.data, "flows.log")
			if r.err != nil || len(r.errs) > 0 {
				t.Fatalf("Parse = %v, errors %v", r.err, r.errStrings())
			}
			twin := parse(t, tc.twin, "flows.log")
			if len(r.events) == 0 || len(r.events) > len(twin.events) {
				t.Fatalf("Parse made %d events; the twin with a header %d", len(r.events), len(twin.events))
			}
			for i, e := range r.events {
				line, off := lineOf(tc.data, i+1)
				if string(e.Raw) != strings.TrimSuffix(line, "\r") || e.Origin.Offset != off || e.Origin.Record != i {
					t.Errorf("event %d: Raw %q at %+v, want %q at offset %d", i, e.Raw, e.Origin, line, off)
				}
				if diff := cmp.Diff(twin.events[i].Flow, e.Flow, addrs); diff != "" {
					t.Errorf("event %d flow differs from the twin's (-twin +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestParseCustomFormats(t *testing.T) {
	t.Run("v5", func(t *testing.T) {
		data := readFile(t, "v5.log")
		r := parse(t, data, "v5.log")
		if r.err != nil || len(r.errs) > 0 || len(r.events) != 3 {
			t.Fatalf("Parse(v5.log) = %d events, %v, errors %v; want 3", len(r.events), r.err, r.errStrings())
		}
		common := event.Flow{Version: 5, AccountID: "123456789012", VpcID: "vpc-0a1b2c3d4e5f60718", Region: "us-east-2", LogStatus: "OK", Protocol: 6}
		first := common
		first.AZID, first.FlowDirection, first.TrafficPath = "use2-az2", "egress", 8
		first.SubnetID, first.InstanceID, first.InterfaceID = "subnet-0a1b2c3d4e5f60718", "i-0a1b2c3d4e5f60718", "eni-0a1b2c3d4e5f60718"
		first.Type, first.SrcAddr, first.DstAddr, first.SrcPort, first.DstPort = "IPv4", ip("10.0.1.25"), ip("52.216.100.5"), 41012, 443
		first.PktSrcAddr, first.PktDstAddr, first.Bytes, first.Packets = ip("10.0.1.25"), ip("52.216.100.5"), 5960, 10
		first.Start, first.End, first.Action, first.TCPFlags, first.PktDstService = unix(1714564800), unix(1714564860), "ACCEPT", 19, "S3"
		line, off := lineOf(data, 2)
		want := flowEvent(first, line, 0, off, "v5.log", "123456789012", "us-east-2")
		if diff := cmp.Diff(want, r.events[0], addrs); diff != "" {
			t.Errorf("first v5 event (-want +got):\n%s", diff)
		}
		second := r.events[1].Flow
		if second.FlowDirection != "ingress" || second.TrafficPath != 0 || second.Action != "REJECT" || second.TCPFlags != 2 || second.PktSrcService != "" {
			t.Errorf("second v5 flow = %+v", second)
		}
		third := r.events[2].Flow
		if third.AZID != "" || third.Type != "IPv6" || third.InstanceID != "" || !third.SrcAddr.Is6() || third.DstPort != 5432 {
			t.Errorf("third v5 flow (outpost, IPv6) = %+v", third)
		}
	})
	t.Run("v8", func(t *testing.T) {
		data := readFile(t, "v8.log")
		r := parse(t, data, deliveryFile)
		if r.err != nil || len(r.errs) > 0 || len(r.events) != 2 {
			t.Fatalf("Parse(v8.log) = %d events, %v, errors %v; want 2", len(r.events), r.err, r.errStrings())
		}
		want := event.Flow{
			Version: 8, InterfaceID: "eni-0a1b2c3d4e5f60718", SrcAddr: ip("203.0.113.50"), DstAddr: ip("10.0.1.25"),
			DstPort: 443, Protocol: 6, Action: "REJECT", RejectReason: "BPA", FlowDirection: "ingress",
			Start: unix(1714564800), End: unix(1714564860), LogStatus: "OK",
		}
		if diff := cmp.Diff(&want, r.events[0].Flow, addrs); diff != "" {
			t.Errorf("v8 flow (-want +got):\n%s", diff)
		}
		// No account-id field: the account and region come from the path.
		if e := r.events[0]; e.Account != "123456789010" || e.Region != "eu-west-3" {
			t.Errorf("v8 event account %q region %q; want the delivery path's", e.Account, e.Region)
		}
		if got := r.events[1].Flow.RejectReason; got != "" {
			t.Errorf("accepted flow RejectReason = %q, want none", got)
		}
	})
	t.Run("tgw", func(t *testing.T) {
		data := readFile(t, "tgw.log")
		r := parse(t, data, "tgw.log")
		if r.err != nil || len(r.errs) > 0 || len(r.events) != 2 {
			t.Fatalf("Parse(tgw.log) = %d events, %v, errors %v; want 2", len(r.events), r.err, r.errStrings())
		}
		fl := event.Flow{
			Version: 6, ResourceType: "TransitGateway", AccountID: "111122223333", TGWID: "tgw-0123456789abcdef0",
			TGWAttachmentID: "tgw-attach-0aaaaaaaaaaaaaaaa", SrcAddr: ip("10.1.0.10"), DstAddr: ip("10.2.0.20"),
			SrcPort: 49152, DstPort: 443, Protocol: 6, Packets: 12, Bytes: 3400, Start: unix(1714564800), End: unix(1714564860),
			LogStatus: "OK", Type: "IPv4", TCPFlags: 3, Region: "us-east-1", FlowDirection: "egress",
		}
		line, off := lineOf(data, 2)
		want := flowEvent(fl, line, 0, off, "tgw.log", "111122223333", "us-east-1")
		if diff := cmp.Diff(want, r.events[0], addrs); diff != "" {
			t.Errorf("Transit Gateway event (-want +got):\n%s", diff)
		}
	})
	t.Run("tgw subset", func(t *testing.T) {
		// A custom format with Transit Gateway fields but no resource-type.
		r := parse(t, "tgw-id srcaddr dstaddr packets-lost-blackhole\ntgw-1 10.0.0.1 10.0.0.2 5\n", "f")
		if len(r.events) != 1 || len(r.errs) > 0 {
			t.Fatalf("Parse = %d events, errors %v", len(r.events), r.errStrings())
		}
		if e := r.events[0]; e.Flow.ResourceType != "TransitGateway" || e.Source != "tgwflowlogs" || e.Flow.TGWID != "tgw-1" {
			t.Errorf("event %+v flow %+v; want a Transit Gateway record", e, e.Flow)
		}
	})
	t.Run("every field", func(t *testing.T) {
		// Every documented field name, ECS fields included, is a valid header.
		header := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status " +
			"vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id " +
			"pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path ecs-cluster-arn ecs-cluster-name " +
			"ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name " +
			"ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason resource-id encryption-status"
		record := "8 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 17 3 4 5 6 ACCEPT OK vpc-1 subnet-1 i-1 0 IPv4 10.0.0.1 10.0.0.2 eu-west-1 euw1-az1 - - " +
			"- - ingress - arn:aws:ecs:eu-west-1:123456789012:cluster/c c arn:aws:ecs:eu-west-1:123456789012:container-instance/c/x x " +
			"0123abcd 4567ef01 svc arn:aws:ecs:eu-west-1:123456789012:task-definition/t:1 arn:aws:ecs:eu-west-1:123456789012:task/c/y y - - 1"
		r := parse(t, header+"\n"+record+"\n", "f")
		if len(r.events) != 1 || len(r.errs) > 0 {
			t.Fatalf("Parse = %d events, errors %v", len(r.events), r.errStrings())
		}
		if fl := r.events[0].Flow; fl.Protocol != 17 || fl.SubnetID != "subnet-1" || fl.AZID != "euw1-az1" || fl.FlowDirection != "ingress" {
			t.Errorf("flow = %+v", fl)
		}
	})
}

// TestDeliveryPath checks the account and region taken from delivery
// paths, used when a record lacks them.
func TestDeliveryPath(t *testing.T) {
	const record = "2 unknown eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n"
	for _, tc := range []struct{ file, account, region string }{
		{deliveryFile, "123456789010", "eu-west-3"},
		{"/data/AWSLogs/o-abc123/111122223333/vpcflowlogs/ap-southeast-2/2024/05/01/x.log", "111122223333", "ap-southeast-2"},
		{"s3://b/AWSLogs/aws-account-id=444455556666/aws-service=vpcflowlogs/aws-region=us-west-2/year=2024/month=05/day=01/x.log.gz", "444455556666", "us-west-2"},
		{"777788889999_vpcflowlogs_sa-east-1_fl-0abc_20240501T1200Z_ab12.log", "777788889999", "sa-east-1"},
		{"flows.log", "", ""},
	} {
		r := parse(t, record, tc.file)
		if len(r.events) != 1 {
			t.Fatalf("Parse(%s) = %d events, errors %v", tc.file, len(r.events), r.errStrings())
		}
		e := r.events[0]
		if e.Account != tc.account || e.Region != tc.region || e.Flow.AccountID != "unknown" {
			t.Errorf("Parse(%s): account %q region %q (flow account %q); want %q %q", tc.file, e.Account, e.Region, e.Flow.AccountID, tc.account, tc.region)
		}
	}
	// Fields in the record win over the path.
	r := parse(t, "account-id region srcaddr\n999999999999 us-east-1 10.0.0.1\n", deliveryFile)
	if e := r.events[0]; e.Account != "999999999999" || e.Region != "us-east-1" {
		t.Errorf("record fields: account %q region %q; want the record's", e.Account, e.Region)
	}
}

func TestParseBadInput(t *testing.T) {
	const (
		header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
		good   = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n"
	)
	for _, tc := range []struct {
		name, data string
		events     int
		want       []string // "record R line L: message part"
	}{
		{"field count", header + good + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT\n" + good, 2,
			[]string{"record 1 line 3: 13 fields, but the header on line 1 has 14"}},
		{"headerless field count", good + "2 123456789010 eni-1\n", 1,
			[]string{"record 1 line 2: 3 fields, but the default version 2 format has 14"}},
		{"port", header + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 ssh 2 6 1 40 1714564800 1714564860 ACCEPT OK\n" + good, 1,
			[]string{`record 0 line 2: srcport "ssh": want a number from 0 to 65535`}},
		{"port range", good + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 65536 6 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: dstport "65536": want a number from 0 to 65535`}},
		{"protocol", good + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 256 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: protocol "256": want a number from 0 to 255`}},
		{"negative count", good + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 -4 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: packets "-4": want a count`}},
		{"time", good + "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 2024-05-01 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: start "2024-05-01": want a time in Unix seconds`}},
		{"address", header + good + "2 123456789010 eni-1 10.0.0 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 3: srcaddr "10.0.0": want an IP address`}},
		{"ipv6 address", good + "2 123456789010 eni-1 10.0.0.1 2001:db8::g 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: dstaddr "2001:db8::g": want an IP address`}},
		{"zone", good + "2 123456789010 eni-1 fe80::1%eth0 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: srcaddr "fe80::1%eth0": want an IP address`}},
		{"leading zero", good + "2 123456789010 eni-1 10.0.0.01 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n", 1,
			[]string{`record 1 line 2: srcaddr "10.0.0.01": want an IP address`}},
		{"unknown header field", "version srcaddr colour dstport\n2 10.0.0.1 blue 22\n", 1,
			[]string{`record -1 line 1: header: unknown field "colour"; the values of those columns are ignored`}},
		{"repeated header field", "version srcaddr srcaddr\n2 10.0.0.1 10.0.0.2\n", 1,
			[]string{`record -1 line 1: header: field "srcaddr" repeated; the values of those columns are ignored`}},
		{"header mismatch", "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status\n" + good, 0,
			[]string{"record 0 line 2: 14 fields, but the header on line 1 has 21"}},
		{"too many fields", header + good + strings.Repeat("x ", 200) + "\n", 1,
			[]string{"record 1 line 3: more than 128 fields"}},
		{"garbage", header + "\x00\xff\xfe binary\n\n" + good, 1,
			[]string{"record 0 line 2: 2 fields, but the header on line 1 has 14"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parse(t, tc.data, "f.log")
			if r.err != nil {
				t.Fatalf("Parse returned %v; text never stops", r.err)
			}
			if len(r.events) != tc.events {
				t.Errorf("Parse made %d events, want %d", len(r.events), tc.events)
			}
			var got []string
			for _, e := range r.errs {
				msg := e.Err.Error()
				line := strings.TrimPrefix(msg[:strings.IndexByte(msg, ':')], "line ")
				got = append(got, fmt.Sprintf("record %d line %s:%s", e.Record, line, msg[strings.IndexByte(msg, ':')+1:]))
				_, off := lineOf(tc.data, atoi(t, line))
				if e.File != "f.log" || e.Offset != off {
					t.Errorf("error %v: file %q offset %d, want f.log at %d", e, e.File, e.Offset, off)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			records := tc.events
			for _, e := range r.errs {
				if e.Record >= 0 {
					records++
				}
			}
			if want := (source.Stats{Records: records, Events: tc.events, Errors: len(tc.want)}); r.stats != want {
				t.Errorf("Stats = %+v, want %+v", r.stats, want)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("error message without a line number: %q", s)
	}
	return n
}

// TestUnknownColumnIgnored checks that a column the header does not know
// is skipped while the rest of the record is kept.
func TestUnknownColumnIgnored(t *testing.T) {
	r := parse(t, "version srcaddr colour dstport\n2 10.0.0.1 blue 22\n", "f")
	if len(r.events) != 1 {
		t.Fatalf("Parse = %d events", len(r.events))
	}
	if fl := r.events[0].Flow; fl.SrcAddr != ip("10.0.0.1") || fl.DstPort != 22 || fl.Protocol != -1 {
		t.Errorf("flow = %+v; want srcaddr, dstport and no protocol", fl)
	}
}

// TestEventsOwnTheirBytes checks that events keep nothing of the input
// buffer, which the caller reuses.
func TestEventsOwnTheirBytes(t *testing.T) {
	data := []byte(readFile(t, "v5.log"))
	var evs []*event.Event
	var before []string
	_, _ = flowlogs.Parse(data, "f", func(e *event.Event) {
		evs = append(evs, e)
		before = append(before, describe(e))
	}, nil)
	for i := range data {
		data[i] = '#'
	}
	for i, e := range evs {
		if got := describe(e); got != before[i] {
			t.Errorf("event %d changed with its input:\n got %s\nwant %s", i, got, before[i])
		}
	}
}

// describe renders every field of an event that could refer to the input.
func describe(e *event.Event) string {
	return fmt.Sprintf("%+v %+v %q", *e, *e.Flow, e.Raw)
}
