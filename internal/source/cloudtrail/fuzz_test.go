package cloudtrail_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// seeds are inputs from the table tests, for the fuzzers' corpora.
func seeds() []string {
	a, b := named("A"), named("B", "userIdentity", `{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"userName":"r"},"attributes":{"creationDate":"2024-05-01T10:00:00Z","mfaAuthenticated":"true"},"ec2RoleDelivery":"2.0"}}`)
	return []string{
		"",
		"[]",
		`{"Records":[]}`,
		`{"Records":[` + a + "," + b + `]}`,
		"\xEF\xBB\xBF {\n \"Records\" : [\n  " + a + " ,\n  " + b + "\n ]\n}\n",
		`{"Records":[` + a + `]}{"Records":[` + b + `]}`,
		"[" + a + "," + b + "]",
		a + "\n" + b + "\n",
		`{"version":"0","detail-type":"AWS API Call via CloudTrail","account":"111122223333","region":"us-east-1","resources":["arn:x"],"detail":` + a + "}\n",
		`{"Records":[` + a + `,{"eventVersion":"1.08","eventName":"x\",` + b + `]}`,
		`{"Records":[` + a + `,{"eventVersion":"1.08","eventName":"B"]` + "," + b + `]}`,
		`{"Records":[` + a + b + `]}`,
		`{"Records":[` + a + ` xx ,` + b + `]}`,
		a + "\nnot json\n" + b,
		`{"Records":[` + a + `,{"eventVersion":"1.08","eventN`,
		rec("sourceIPAddress", `"2001:db8::1"`, "readOnly", `"true"`, "eventTime", `"2024-05-01 12:00:00.000"`),
		rec("userAgent", "\"\xff\xfe\"", "requestParameters", `"{\"a\":1}"`),
		`{"eventVersion":"1.08","eventType":"AwsCloudTrailInsight","eventCategory":"Insight"}`,
		string(genDelivery(3)),
		"hello",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		data := bytes.Clone(input) // overwritten below; the fuzzer keeps input
		const file = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz"
		var (
			evs        []*event.Event
			snapshot   []string
			recordErrs int
			fileErrs   int
			lastRecord = -1
		)
		st, err := cloudtrail.Parse(data, file, func(e *event.Event) {
			evs = append(evs, e)
			snapshot = append(snapshot, describe(e))
			if e.Origin.Record <= lastRecord || e.Origin.File != file || e.Origin.Offset < 0 || e.Origin.Offset >= int64(len(data)) {
				t.Errorf("event origin %+v after record %d, in %d bytes", e.Origin, lastRecord, len(data))
			}
			lastRecord = e.Origin.Record
		}, func(e *source.RecordError) {
			if e.File != file || e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Errorf("record error %+v: want file %s and an offset within %d bytes", e, file, len(data))
			}
			if e.Record < 0 {
				fileErrs++
				return
			}
			if e.Record <= lastRecord {
				t.Errorf("record error for record %d after record %d", e.Record, lastRecord)
			}
			lastRecord = e.Record
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

func FuzzParseRecord(f *testing.F) {
	for _, s := range seeds() {
		f.Add([]byte(s))
	}
	f.Add([]byte(rec()))
	f.Fuzz(func(t *testing.T, input []byte) {
		raw := bytes.Clone(input) // overwritten below; the fuzzer keeps input
		ev, err := cloudtrail.ParseRecord(raw)
		if err != nil {
			if ev != nil {
				t.Errorf("ParseRecord = %v, %v; want no event with an error", ev, err)
			}
			return
		}
		if ev.Kind != event.KindAPICall || ev.API == nil || ev.Actor.Type == "" || ev.Source != "cloudtrail" {
			t.Errorf("ParseRecord = %+v; want an API call with an actor type", ev)
		}
		if ev.API.Name == "" && ev.API.EventSource == "" {
			t.Errorf("ParseRecord = %+v; want an eventName or eventSource", ev.API)
		}
		if ev.SourceIP.IsValid() && ev.SourceHost != "" {
			t.Errorf("ParseRecord: both SourceIP %v and SourceHost %q", ev.SourceIP, ev.SourceHost)
		}
		before := describe(ev)
		for i := range raw {
			raw[i] = '#'
		}
		if after := describe(ev); after != before {
			t.Errorf("event changed with its input:\n got %q\nwant %q", after, before)
		}
	})
}

// describe renders the fields of an event that could refer to the input.
func describe(e *event.Event) string {
	var b strings.Builder
	a := e.Actor
	for _, s := range []string{e.Account, e.Region, e.SourceHost, e.UserAgent, a.Type, a.PrincipalID, a.ARN, a.AccountID, a.AccessKeyID, a.UserName, a.InvokedBy,
		a.SessionIssuerType, a.SessionIssuerUserName, a.SessionIssuerARN, a.EC2RoleDelivery, a.SourceIdentity, a.IdentityStoreUserID} {
		b.WriteString(s)
		b.WriteByte('|')
	}
	if c := e.API; c != nil {
		for _, s := range []string{c.EventID, c.EventType, c.EventSource, c.Name, c.ErrorCode, c.ErrorMsg, c.RecipientAccountID} {
			b.WriteString(s)
			b.WriteByte('|')
		}
		for _, p := range [][]byte{c.RequestParameters, c.ResponseElements, c.AdditionalData} {
			b.Write(p)
			b.WriteByte('|')
		}
		for _, r := range c.Resources {
			b.WriteString(r.ARN + "|" + r.Type + "|" + r.AccountID + "|")
		}
	}
	b.Write(bytes.Clone(e.Raw))
	return b.String()
}
