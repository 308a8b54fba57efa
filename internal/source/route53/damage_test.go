package route53_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// TestParseDamage puts a bad line between good ones: it is reported with
// its record index, offset and line, and the lines around it are kept.
func TestParseDamage(t *testing.T) {
	good := rec()
	tests := []struct {
		name string
		bad  string
		want string // in the message of the error
	}{
		{"not JSON", "hello world", `line 3: not a JSON record: starts with "hello world"`},
		{"an array", "[1,2]", "line 3: not a JSON record"},
		{"no query_name", rec("query_name", ""), "line 3: no query_name"},
		{"empty query_name", rec("query_name", `""`), "line 3: no query_name"},
		{"query_name of the wrong type", rec("query_name", "42"), "line 3: decode record"},
		{"srcaddr out of range", rec("srcaddr", `"10.0.0.300"`), `line 3: srcaddr "10.0.0.300": not an IP address`},
		{"srcaddr a name", rec("srcaddr", `"ip-10-0-0-5.ec2.internal"`), "line 3: srcaddr"},
		{"bad query_timestamp", rec("query_timestamp", `"yesterday"`), `line 3: query_timestamp "yesterday": not an RFC 3339 time`},
		{"query_timestamp as documented, with 177 seconds", rec("query_timestamp", `"2017-03-16T19:20:177Z"`), "line 3: query_timestamp"},
		{"no query_timestamp", rec("query_timestamp", ""), "line 3: no query_timestamp"},
		{"srcport not a number", rec("srcport", `"http"`), `line 3: srcport "http": not a port number`},
		{"srcport out of range", rec("srcport", "70000"), `line 3: srcport "70000": not a port number`},
		{"srcport of the wrong type", rec("srcport", "true"), `line 3: srcport "true": not a port number`},
		{"unterminated string", `{"version":"1.100000","query_name":"example.com.`, "line 3: decode record"},
		{"mismatched bracket", `{"query_name":"example.com.","answers":[}`, "line 3: decode record"},
		{"export line with bad JSON", `2024-05-01T12:00:00.000Z {"query_name":`, "line 3: decode record"},
		{"export time without a record", "2024-05-01T12:00:00.000Z", "line 3: not a JSON record"},
		{"NUL bytes", "\x00\x00\x00", "line 3: not a JSON record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := good + "\n\n" + tt.bad + "\n" + good + "\n"
			got := parse(t, []byte(data), deliveryFile)
			off := strings.Index(data, tt.bad)
			if strings.HasPrefix(tt.bad, "2024-") && strings.Contains(tt.bad, "{") {
				off += strings.Index(tt.bad, "{")
			}
			prefix := fmt.Sprintf("record 1 @%d: ", off)
			if len(got.Errs) != 1 || !strings.HasPrefix(got.Errs[0], prefix) || !strings.Contains(got.Errs[0], tt.want) {
				t.Errorf("Parse(%q) errors = %q, want one starting %q containing %q", tt.bad, got.Errs, prefix, tt.want)
			}
			if got.ErrMsg != "" || got.Stats != (source.Stats{Records: 3, Events: 2, Errors: 1}) {
				t.Errorf("Parse(%q) = %+v, %q; want 3 records, 2 events, 1 error", tt.bad, got.Stats, got.ErrMsg)
			}
			if len(got.Events) == 2 && (got.Events[0].Origin.Record != 0 || got.Events[1].Origin.Record != 2) {
				t.Errorf("Parse(%q) events are records %d and %d, want 0 and 2", tt.bad, got.Events[0].Origin.Record, got.Events[1].Origin.Record)
			}
		})
	}
}

// TestParseLines covers line layouts other than one record per line.
func TestParseLines(t *testing.T) {
	a, b := rec("query_name", `"a.example."`), rec("query_name", `"b.example."`)
	tests := []struct {
		name   string
		data   string
		events []string // query names
		errs   []string // substrings, one per reported error
	}{
		{"CRLF", a + "\r\n" + b + "\r\n", []string{"a.example", "b.example"}, nil},
		{"no final newline", a + "\n" + b, []string{"a.example", "b.example"}, nil},
		{"blank lines and spaces", "\n  \n\t" + a + "  \n\n" + b + "\n\n", []string{"a.example", "b.example"}, nil},
		{"a BOM", "\xEF\xBB\xBF" + a + "\n" + b + "\n", []string{"a.example", "b.example"}, nil},
		{"records one after the other", a + b + "\n" + b + " " + a + "\n", []string{"a.example", "b.example", "b.example", "a.example"}, nil},
		{"junk after a record", a + " junk\n" + b + "\n", []string{"a.example", "b.example"}, []string{`record 1 @` + fmt.Sprint(len(a)+1) + `: line 1: unexpected "junk" after a record`}},
		{"export lines", "2024-05-01T12:00:00.412Z " + a + "\n2024-05-01T12:00:00.413Z\t " + b + "\n", []string{"a.example", "b.example"}, nil},
		{"empty file", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse(t, []byte(tt.data), "dns.log")
			var names []string
			for _, e := range got.Events {
				names = append(names, e.DNS.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.events, ",") || len(got.Errs) != len(tt.errs) || got.ErrMsg != "" {
				t.Fatalf("Parse(%q) = %q, %q, %q; want %q, %d errors", tt.data, names, got.Errs, got.ErrMsg, tt.events, len(tt.errs))
			}
			for i, want := range tt.errs {
				if !strings.Contains(got.Errs[i], want) {
					t.Errorf("Parse(%q) error %d = %q, want it to contain %q", tt.data, i, got.Errs[i], want)
				}
			}
		})
	}
}

// TestParseTime checks that a CloudWatch Logs time stands in for a
// missing query_timestamp.
func TestParseTime(t *testing.T) {
	line := rec("query_timestamp", "")
	got := parse(t, []byte("2024-05-01T12:00:09.5Z "+line+"\n"), "export.log")
	if len(got.Events) != 1 || !got.Events[0].Time.Equal(mustTime(t, "2024-05-01T12:00:09.5Z")) {
		t.Errorf("Parse(export line without query_timestamp) = %+v", got)
	}
	msg := strings.ReplaceAll(line, `"`, `\"`)
	got = parse(t, []byte(`{"events":[{"timestamp":1714564809500,"message":"`+msg+`"}]}`), "events.json")
	if len(got.Events) != 1 || !got.Events[0].Time.Equal(mustTime(t, "2024-05-01T12:00:09.5Z")) {
		t.Errorf("Parse(CloudWatch event without query_timestamp) = %+v", got)
	}
}

// TestParseTruncated cuts the delivery file at each byte of its last
// line: the records before it are kept, and the cut record is returned as
// an error naming its line.
func TestParseTruncated(t *testing.T) {
	data := readFile(t, "vpcdnsquerylogs.log")
	data = bytes.TrimSuffix(data, []byte("\n"))
	last := bytes.LastIndexByte(data, '\n') + 1
	for n := last + 1; n < len(data); n++ {
		got := parse(t, data[:n], deliveryFile)
		want := fmt.Sprintf("%s: record 7 (offset %d): line 8: unexpected end of data", deliveryFile, last)
		if len(got.Events) != 7 || got.Errs != nil || !strings.HasPrefix(got.ErrMsg, want) || got.Stats != (source.Stats{Records: 8, Events: 7, Errors: 1}) {
			t.Fatalf("Parse(cut at %d of %d) = %d events, %q, %+v, %q; want 7 events and an error %q", n, len(data), len(got.Events), got.Errs, got.Stats, got.ErrMsg, want)
		}
	}
	if got := parse(t, data, deliveryFile); len(got.Events) != 8 || got.ErrMsg != "" {
		t.Errorf("Parse(complete file without final newline) = %d events, %q", len(got.Events), got.ErrMsg)
	}
	for _, cut := range []string{"2024-05-01T12:0", "2024-05-01T12:00:00Z ", "2024-05-01T12:00:00Z {\"query_name\":\"a"} {
		got := parse(t, []byte(rec()+"\n"+cut), "export.log")
		if len(got.Events) != 1 || !strings.Contains(got.ErrMsg, "line 2: unexpected end of data") {
			t.Errorf("Parse(export cut at %q) = %d events, %q, %q; want 1 event and a cut on line 2", cut, len(got.Events), got.Errs, got.ErrMsg)
		}
	}
}

// TestReaderTruncatedGzip cuts a gzip file: the reader keeps the records
// before the cut and reports the file as truncated.
func TestReaderTruncatedGzip(t *testing.T) {
	data := readFile(t, "vpcdnsquerylogs.log")
	zipped := gz(t, bytes.Repeat(data, 50))
	var r source.Reader
	n := 0
	st, err := r.Read(bytes.NewReader(zipped[:len(zipped)*2/3]), deliveryFile, func(*event.Event) { n++ }, func(*source.RecordError) {})
	var re *source.RecordError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "truncated") || n == 0 || st.Events != n {
		t.Errorf("Read(cut gzip) = %+v, %d events, %v; want events and a truncation error", st, n, err)
	}
}

// TestParseDocumentDamage checks the JSON document forms: a bad record
// is skipped, and damage to the document ends the parse with an error
// after the records before it.
func TestParseDocumentDamage(t *testing.T) {
	a, b := rec("query_name", `"a.example."`), rec("query_name", `"b.example."`)
	tests := []struct {
		name   string
		data   string
		events int
		errs   []string
		ret    string // in the returned error
	}{
		{"array with a bad record", "[\n" + a + ",\n" + rec("srcaddr", `"x"`) + ",\n" + b + "\n]\n", 2, []string{"record 1 @" + fmt.Sprint(len(a)+4) + ": line 3: srcaddr"}, ""},
		{"array with a number", "[" + a + ",\n42,\n" + b + "]", 2, []string{"line 2: not a JSON object"}, ""},
		{"array with a trailing comma", "[" + a + "," + b + ",]", 2, nil, ""},
		{"two arrays", "[" + a + "]\n[" + b + "]", 2, nil, ""},
		{"empty array", "[]", 0, nil, ""},
		{"indented records", "{\n  \"query_name\": \"a.example.\",\n  \"query_timestamp\": \"2024-05-01T12:00:00Z\"\n}\n{\n  \"query_name\": \"b.example.\",\n  \"query_timestamp\": \"2024-05-01T12:00:00Z\"\n}\n", 2, nil, ""},
		{"array cut", "[" + a + ",\n" + b[:20], 1, nil, "record 1 (offset " + fmt.Sprint(len(a)+3) + "): line 2: unexpected end of data"},
		{"array cut after a comma", "[" + a + ",", 1, nil, "unexpected end of data"},
		{"array cut after a record", "[" + a, 1, nil, "line 1: unexpected end of data"},
		{"garbage between elements", "[" + a + " x " + b + "]", 1, nil, `unexpected 'x' between array elements`},
		{"garbage after a document", "[" + a + "]\nxyz", 1, nil, `line 2: unexpected "xyz" between JSON documents`},
		{"events whose message is not a record", `{"events":[{"timestamp":1,"message":"hello"},{"timestamp":1,"message":"` + strings.ReplaceAll(a, `"`, `\"`) + `"}]}`, 1, []string{"line 1: CloudWatch Logs event message is not a JSON record"}, ""},
		{"event of the wrong shape", `{"events":[{"message":7}]}`, 0, []string{"decode CloudWatch Logs event"}, ""},
		{"subscription control message", `{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`, 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse(t, []byte(tt.data), "doc.json")
			if len(got.Events) != tt.events || len(got.Errs) != len(tt.errs) || (tt.ret == "") != (got.ErrMsg == "") || !strings.Contains(got.ErrMsg, tt.ret) {
				t.Fatalf("Parse(%q) = %d events, %q, %q; want %d events, %q, %q", tt.data, len(got.Events), got.Errs, got.ErrMsg, tt.events, tt.errs, tt.ret)
			}
			for i, want := range tt.errs {
				if !strings.Contains(got.Errs[i], want) {
					t.Errorf("Parse(%q) error %d = %q, want it to contain %q", tt.data, i, got.Errs[i], want)
				}
			}
		})
	}
}
