package cloudtrail_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

const deliveryFile = "/logs/AWSLogs/111122223333/CloudTrail/eu-west-3/2024/05/01/111122223333_CloudTrail_eu-west-3_20240501T1200Z_abc.json.gz"

// result is what a Parse produced, in a form tests compare.
type result struct {
	Names  []string // eventName of each event, in order
	Errs   []string // "record N @offset" of each problem reported through onErr
	Stats  source.Stats
	ErrMsg string // the returned error, "" for none
}

func parse(data, file string) (result, []*event.Event) {
	var r result
	var evs []*event.Event
	st, err := cloudtrail.Parse([]byte(data), file,
		func(e *event.Event) { evs = append(evs, e); r.Names = append(r.Names, e.API.Name) },
		func(e *source.RecordError) {
			r.Errs = append(r.Errs, fmt.Sprintf("record %d @%d", e.Record, e.Offset))
			if e.File != file {
				r.Errs = append(r.Errs, fmt.Sprintf("error names file %q, want %q", e.File, file))
			}
		})
	r.Stats = st
	if err != nil {
		r.ErrMsg = err.Error()
	}
	return r, evs
}

func named(name string, over ...string) string {
	return rec(append([]string{"eventName", `"` + name + `"`}, over...)...)
}

// at returns "record n @offset" for the first occurrence of mark in data.
func at(n int, data, mark string) string {
	i := strings.Index(data, mark)
	if i < 0 {
		panic("mark not found: " + mark)
	}
	return fmt.Sprintf("record %d @%d", n, i)
}

func TestParseLayouts(t *testing.T) {
	a, b, c := named("A"), named("B"), named("C")
	envelope := func(r string) string {
		return `{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"111122223333","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":` + r + `}`
	}
	lake := func(name string) string {
		return `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},` +
			`"eventTime":"2024-05-01 12:00:00.000","eventSource":"iam.amazonaws.com","eventName":"` + name + `","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7",` +
			`"requestParameters":{"userName":"bob"},"readOnly":"true","eventID":"x","eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	}
	tests := []struct {
		name string
		data string
		want []string // event names
		recs int      // Stats.Records
	}{
		{"delivery file", `{"Records":[` + a + "," + b + "," + c + `]}`, []string{"A", "B", "C"}, 3},
		{"delivery file with spaces and a BOM", "\xEF\xBB\xBF {\n \"Records\" : [\n  " + a + " ,\n  " + b + "\n ]\n}\n", []string{"A", "B"}, 2},
		{"Records not first", `{"digest":"x","Records":[` + a + `],"more":{"k":[1]}}`, []string{"A"}, 1},
		{"concatenated delivery files", `{"Records":[` + a + `]}{"Records":[` + b + `]}` + "\n" + `{"Records":[` + c + `]}`, []string{"A", "B", "C"}, 3},
		{"empty Records", `{"Records":[]}`, nil, 0},
		{"empty Records with spaces", "{ \"Records\" : [ ] }\n", nil, 0},
		{"empty file", "", nil, 0},
		{"blank file", " \n\t\n", nil, 0},
		{"top-level array", "[" + a + "," + b + "]", []string{"A", "B"}, 2},
		{"empty array", "[]", nil, 0},
		{"NDJSON", a + "\n" + b + "\n\n" + c + "\n", []string{"A", "B", "C"}, 3},
		{"NDJSON with CRLF", a + "\r\n" + b + "\r\n", []string{"A", "B"}, 2},
		{"concatenated records", a + b, []string{"A", "B"}, 2},
		{"EventBridge envelope lines", envelope(a) + "\n" + envelope(b) + "\n", []string{"A", "B"}, 2},
		{"CloudTrail Lake NDJSON", lake("A") + "\n" + lake("B") + "\n", []string{"A", "B"}, 2},
		{"Insights events are counted, not emitted", `{"Records":[` + a + `,{"eventVersion":"1.08","eventType":"AwsCloudTrailInsight","eventCategory":"Insight","insightDetails":{}}]}`, []string{"A"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := parse(tt.data, deliveryFile)
			want := result{Names: tt.want, Stats: source.Stats{Records: tt.recs, Events: len(tt.want)}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(%.300q) mismatch (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

// TestParseDamage checks that a bad record is reported with its index and
// offset, and that the records before and after it are kept.
func TestParseDamage(t *testing.T) {
	a, b, c := named("A"), named("B"), named("C")
	delivery := func(bad string) string { return `{"Records":[` + a + "," + bad + "," + c + `]}` }
	lines := func(bad string) string { return a + "\n" + bad + "\n" + c + "\n" }
	tests := []struct {
		name   string
		layout func(bad string) string
		bad    string
		errs   func(data string) []string // nil: the bad record is record 1
		names  []string
		recs   int
	}{
		{"wrong type", delivery, named("B", "eventTime", "12"), nil, []string{"A", "C"}, 3},
		{"bad eventTime", delivery, named("B", "eventTime", `"nope"`), nil, []string{"A", "C"}, 3},
		{"not a record", delivery, `{"hello":"world"}`, nil, []string{"A", "C"}, 3},
		{"a number", delivery, `42`, nil, []string{"A", "C"}, 3},
		{"unterminated string", delivery, `{"eventVersion":"1.08","eventName":"B}`, nil, []string{"A", "C"}, 3},
		{"mismatched bracket", delivery, `{"eventVersion":"1.08","eventName":"B"]`, nil, []string{"A", "C"}, 3},
		{"unclosed object", delivery, `{"eventVersion":"1.08","eventName":"B"`, nil, []string{"A", "C"}, 3},
		{"invalid JSON inside", delivery, `{"eventVersion":"1.08","eventName":"B",,"x":1}`, nil, []string{"A", "C"}, 3},
		{"damage swallowing the next record start", delivery, `{"eventVersion":"1.08","eventName":"x\",` + b, nil, []string{"A", "B", "C"}, 4},
		{"missing comma", func(string) string { return `{"Records":[` + a + b + "," + c + `]}` }, "", func(d string) []string {
			return []string{fmt.Sprintf("record -1 @%d", len(`{"Records":[`+a))}
		}, []string{"A", "B", "C"}, 3},
		{"stray bytes between records", func(string) string { return `{"Records":[` + a + ` xx ,` + c + `]}` }, "", func(d string) []string {
			return []string{at(-1, d, "xx")}
		}, []string{"A", "C"}, 2},
		{"two bad records", func(string) string {
			return `{"Records":[` + a + `,{"eventVersion":"x,` + b + `,{"eventVersion":5},` + c + `]}`
		}, "", func(d string) []string {
			return []string{at(1, d, `{"eventVersion":"x,`), at(3, d, `{"eventVersion":5}`)}
		}, []string{"A", "B", "C"}, 5},
		{"bad last record", func(string) string { return `{"Records":[` + a + `,{"eventVersion":"1.08","eventName":"B"]}` }, "", func(d string) []string {
			return []string{at(1, d, `{"eventVersion":"1.08","eventName":"B"]`)}
		}, []string{"A"}, 2},
		{"deep nesting", delivery, named("B", "requestParameters", strings.Repeat("[", 2000)+strings.Repeat("]", 2000)), nil, []string{"A", "C"}, 3},
		{"NDJSON: wrong type", lines, named("B", "eventTime", "12"), nil, []string{"A", "C"}, 3},
		{"NDJSON: a line of garbage", lines, `not json at all`, nil, []string{"A", "C"}, 3},
		{"NDJSON: a cut line", lines, `{"eventVersion":"1.08","eventName":"B","userIdentity":{"type":"IAM`, nil, []string{"A", "C"}, 3},
		{"NDJSON: unclosed object", lines, `{"eventName":"B"`, nil, []string{"A", "C"}, 3},
		{"NDJSON: unterminated string", lines, `{"eventName":"B}`, nil, []string{"A", "C"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.layout(tt.bad)
			var errs []string
			if tt.errs != nil {
				errs = tt.errs(data)
			} else {
				errs = []string{at(1, data, tt.bad)}
			}
			got, _ := parse(data, deliveryFile)
			want := result{Names: tt.names, Errs: errs, Stats: source.Stats{Records: tt.recs, Events: len(tt.names), Errors: len(errs)}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(%.400q) mismatch (-want +got):\n%s", data, diff)
			}
		})
	}
}

func TestParseTruncated(t *testing.T) {
	a, b := named("A"), named("B")
	full := `{"Records":[` + a + "," + b + `]}`
	for n := len(`{"Records":[`+a+","+b) - 1; n > len(`{"Records":[`+a); n -= 97 {
		data := full[:n]
		got, _ := parse(data, deliveryFile)
		if !cmp.Equal(got.Names, []string{"A"}) || got.Stats.Records != 1 || got.Stats.Errors != 1 || len(got.Errs) != 0 ||
			!strings.Contains(got.ErrMsg, deliveryFile) || !strings.Contains(got.ErrMsg, "record 1") || !strings.Contains(got.ErrMsg, "truncated") {
			t.Errorf("Parse(cut at %d) = %+v, want event A, 1 record, and an error naming the file, record 1 and the truncation", n, got)
		}
	}
	// Cut between records, and just before the end.
	for _, data := range []string{`{"Records":[` + a + ",", `{"Records":[` + a + "," + b, `{"Records":[` + a + "," + b + "]"} {
		got, _ := parse(data, deliveryFile)
		if got.ErrMsg == "" || !strings.Contains(got.ErrMsg, "truncated") || got.Stats.Events < 1 {
			t.Errorf("Parse(%.40q...%q) = %+v, want the events before the cut and a truncation error", data, data[len(data)-10:], got)
		}
	}
}

func TestParseNotJSON(t *testing.T) {
	for _, data := range []string{"hello", "<html>", "\x1f\x8b\x08\x00"} {
		got, _ := parse(data, "x.log")
		var re *source.RecordError
		_, err := cloudtrail.Parse([]byte(data), "x.log", func(*event.Event) {}, nil)
		if got.ErrMsg == "" || !errors.As(err, &re) || re.File != "x.log" || re.Record != -1 || got.Stats.Errors != 1 {
			t.Errorf("Parse(%q) = %+v, %v; want a file error naming x.log", data, got, err)
		}
	}
}

func TestParseOrigin(t *testing.T) {
	a, b := named("A"), named("B", "awsRegion", "", "recipientAccountId", "")
	data := `{"Records":[` + a + "," + b + `]}`
	_, evs := parse(data, deliveryFile)
	if len(evs) != 2 {
		t.Fatalf("Parse = %d events, want 2", len(evs))
	}
	want := []event.Origin{
		{File: deliveryFile, Record: 0, Offset: int64(len(`{"Records":[`))},
		{File: deliveryFile, Record: 1, Offset: int64(len(`{"Records":[` + a + ","))},
	}
	for i, ev := range evs {
		if ev.Origin != want[i] {
			t.Errorf("event %d Origin = %+v, want %+v", i, ev.Origin, want[i])
		}
	}
	// The delivery path supplies a missing account and region.
	if evs[1].Account != "111122223333" || evs[1].Region != "eu-west-3" {
		t.Errorf("event without account and region = %q/%q, want the path's 111122223333/eu-west-3", evs[1].Account, evs[1].Region)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head, name string
		want       bool
	}{
		{`{"Records":[`, "x.json", true},
		{"\xEF\xBB\xBF{\"Records\":[", "x.json", true},
		{`{"foo":1}`, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz", true},
		{`{"foo":1}`, "AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz", true},
		{`{"eventVersion":"1.08","eventName":"X"}`, "events.ndjson", true},
		{`{"detail-type":"AWS API Call via CloudTrail"}`, "eb.json", true},
		{`{"foo":1}`, "other.json", false},
		{`hello`, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz", false},
		{`{"Records":[]}`, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz", false},
		{``, "x", false},
	}
	for _, tt := range tests {
		if got := cloudtrail.Sniff([]byte(tt.head), tt.name); got != tt.want {
			t.Errorf("Sniff(%q, %q) = %v, want %v", tt.head, tt.name, got, tt.want)
		}
	}
}

// TestParseManyDamagedRecords parses files of a megabyte or so where every
// record is damaged in a way that makes a naive scanner run to the end of
// the file for each one. The parse must report each record and stay
// linear (this test takes milliseconds; a quadratic parser takes seconds).
func TestParseManyDamagedRecords(t *testing.T) {
	pad := strings.Repeat("p", 80)
	tests := []struct {
		name    string
		data    string
		records int
	}{
		{"unclosed records", `{"Records":[` + strings.Repeat(`{"eventVersion":"1.08","eventName":"x","pad":"`+pad+`",`, 10000), 9999},
		{"unclosed lines", strings.Repeat(`{"eventVersion":"1.08","eventName":"x","pad":"`+pad+"\",\n", 10000), 9999},
		{"unterminated strings", `{"Records":[` + strings.Repeat(`{"eventVersion":"1.08","eventName":"x\",`, 20000), 19999},
	}
	for _, tt := range tests {
		got, _ := parse(tt.data, "f.json")
		// Each record is reported but the last, which is the truncation.
		if got.Stats.Records != tt.records || len(got.Errs) != tt.records || got.Stats.Errors != tt.records+1 || !strings.Contains(got.ErrMsg, "truncated") {
			t.Errorf("Parse(%s) = %+v, %d errors, %.100s; want %d records reported and a truncation", tt.name, got.Stats, len(got.Errs), got.ErrMsg, tt.records)
		}
	}
}
