package route53_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/route53"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	a, b := rec(), rec("srcaddr", `"2001:db8::1"`, "srcport", "53", "query_name", `"X.Example."`)
	for _, s := range []string{
		"", "\n", "[]", "{}", "{\n}", a + "\n" + b, a + b, "2024-05-01T12:00:00Z " + a, "2024-05-01T12:00:00Z",
		"[" + a + "," + b + "]", a + "\nhello\n" + b[:40], `{"events":[{"timestamp":1,"message":"{}"}]}`,
		`{"messageType":"CONTROL_MESSAGE","logEvents":[]}`, `{"query_name":"a.","answers":[{"Rdata":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		data := bytes.Clone(input) // overwritten below; the fuzzer keeps input
		const file = "AWSLogs/111122223333/vpcdnsquerylogs/vpc-0a1b2c3d/2024/05/01/f.log.gz"
		var (
			evs        []*event.Event
			snapshot   []string
			recordErrs int
			fileErrs   int
			lastRecord = -1
			lastOffset = int64(-1)
		)
		st, err := route53.Parse(data, file, func(e *event.Event) {
			evs = append(evs, e)
			snapshot = append(snapshot, describe(e))
			o := e.Origin
			if o.Record <= lastRecord || o.Offset < lastOffset || o.File != file || o.Offset >= int64(len(data)) {
				t.Errorf("event origin %+v after record %d at %d, in %d bytes", o, lastRecord, lastOffset, len(data))
			}
			lastRecord, lastOffset = o.Record, o.Offset
			if e.Kind != event.KindDNS || e.DNS == nil || e.Source != route53.FormatName || e.Time.IsZero() || len(e.Raw) == 0 {
				t.Errorf("event %+v: want a DNS event with a time and its record", e)
			} else if n := e.DNS.Name; strings.HasSuffix(n, ".") && n != strings.TrimSuffix(n, ".")+"." || strings.ToLower(n) != n {
				t.Errorf("event name %q: want it lower-cased without the trailing dot", n)
			}
		}, func(e *source.RecordError) {
			if e.File != file || e.Offset < 0 || e.Offset > int64(len(data)) || !strings.Contains(e.Error(), "line ") {
				t.Errorf("record error %v: want file %s, an offset within %d bytes and a line", e, file, len(data))
			}
			if e.Record < 0 {
				fileErrs++
				return
			}
			if e.Record <= lastRecord || e.Offset < lastOffset {
				t.Errorf("record error for record %d at %d after record %d at %d", e.Record, e.Offset, lastRecord, lastOffset)
			}
			lastRecord, lastOffset = e.Record, e.Offset
			recordErrs++
		})
		if st.Events != len(evs) {
			t.Errorf("Stats.Events = %d, emitted %d", st.Events, len(evs))
		}
		if st.Events+recordErrs > st.Records {
			t.Errorf("Stats %+v: %d events + %d record errors > %d records", st, st.Events, recordErrs, st.Records)
		}
		wantErrors := recordErrs + fileErrs
		if err != nil {
			wantErrors++
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("Parse error %v: want a line", err)
			}
		}
		if st.Errors != wantErrors {
			t.Errorf("Stats.Errors = %d, want %d (%d record errors, %d file problems, returned %v)", st.Errors, wantErrors, recordErrs, fileErrs, err)
		}
		// Events keep nothing of the input.
		for i := range data {
			data[i] = '#'
		}
		for i, e := range evs {
			if got := describe(e); got != snapshot[i] {
				t.Errorf("event %d changed with its input:\n got %q\nwant %q", i, got, snapshot[i])
			}
		}
	})
}

// describe renders the fields of an event that could refer to the input.
func describe(e *event.Event) string {
	var b strings.Builder
	q := e.DNS
	for _, s := range []string{e.Account, e.Region, q.Version, q.AccountID, q.Region, q.VpcID, q.Name, q.Type, q.Class, q.Rcode, q.Transport,
		q.InstanceID, q.ResolverEndpoint, q.ResolverNetworkInterface, q.FirewallRuleGroupID, q.FirewallRuleAction, q.FirewallDomainListID} {
		b.WriteString(s)
		b.WriteByte('|')
	}
	for _, a := range q.Answers {
		b.WriteString(a.Rdata + "|" + a.Type + "|" + a.Class + "|")
	}
	b.Write(bytes.Clone(e.Raw))
	return b.String()
}
