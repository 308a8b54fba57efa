package flowlogs_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/flowlogs"
)

// textSeeds are the text fixtures and the bad inputs of the table tests.
func textSeeds(tb testing.TB) []string {
	seeds := []string{
		"",
		"\n\n",
		"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1714564800 1714564860 ACCEPT OK\n",
		"2 123456789010 eni-1 10.0.0.1 10.0.0.2 ssh 2 6 1 40 1714564800 1714564860 ACCEPT OK\n2 123456789010 eni-1\n",
		"version srcaddr colour dstport\n2 10.0.0.1 blue 22\nversion srcaddr\n2 ::1\n",
		"tgw-id srcaddr dstaddr packets-lost-blackhole\ntgw-1 10.0.0.1 10.0.0.2 5\n",
		"\xEF\xBB\xBF2 unknown eni-1 fe80::1%eth0 10.0.0.01 1 2 256 -4 40 x 1 ACCEPT OK\r\n",
		strings.Repeat("x ", 130),
	}
	for _, name := range []string{"v2.log", "v5.log", "v8.log", "tgw.log", "cloudwatch.log"} {
		seeds = append(seeds, readFile(tb, name))
	}
	return seeds
}

func FuzzParseText(f *testing.F) {
	for _, s := range textSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if bytes.HasPrefix(input, []byte("PAR1")) {
			return // FuzzParseParquet's
		}
		data := bytes.Clone(input) // overwritten below; the fuzzer keeps input
		evs, snap := checkParse(t, data)
		for _, e := range evs {
			if o := e.Origin; !bytes.HasPrefix(data[o.Offset:], e.Raw) {
				t.Errorf("event Raw %q is not the line at offset %d", e.Raw, o.Offset)
			}
		}
		for i := range data {
			data[i] = '#'
		}
		for i, e := range evs {
			if got := describe(e); got != snap[i] {
				t.Errorf("event %d changed with its input:\n got %s\nwant %s", i, got, snap[i])
			}
		}
	})
}

func FuzzParseParquet(f *testing.F) {
	v2 := v2Parquet(f, readFile(f, "v2.log"))
	for _, s := range [][]byte{
		v2,
		parquetOf(f, readFile(f, "v8.log")),
		parquetOf(f, "version srcaddr srcport colour\n2 10.0.0.1 -1 blue\n2 10.0.0.300 1 red\n"),
		v2[:len(v2)/2],
		[]byte("PAR1\x00\x00\x00\x00PAR1"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PAR1")) {
			data = append([]byte("PAR1"), data...)
		}
		checkParse(t, data)
	})
}

// checkParse parses data and checks what any parse must satisfy. It
// returns the events and a rendering of each, taken when it was emitted.
func checkParse(t *testing.T, data []byte) ([]*event.Event, []string) {
	const file = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/f.log.gz"
	var (
		evs                  []*event.Event
		snap                 []string
		recordErrs, fileErrs int
		last                 = -1
	)
	st, err := flowlogs.Parse(data, file, func(e *event.Event) {
		evs = append(evs, e)
		snap = append(snap, describe(e))
		checkEvent(t, e, file, last, len(data))
		last = e.Origin.Record
	}, func(e *source.RecordError) {
		if e.File != file || e.Offset < 0 || e.Offset > int64(len(data)) {
			t.Errorf("record error %v: want file %s and an offset within %d bytes", e, file, len(data))
		}
		if e.Record < 0 {
			fileErrs++
			return
		}
		if e.Record <= last {
			t.Errorf("record error for record %d after record %d", e.Record, last)
		}
		if msg := e.Err.Error(); !strings.HasPrefix(msg, "line ") && !strings.HasPrefix(msg, "row ") {
			t.Errorf("record error %q names no line or row", msg)
		}
		last = e.Record
		recordErrs++
	})
	if err != nil {
		var re *source.RecordError
		if !errors.As(err, &re) || re.Record != -1 || !bytes.HasPrefix(data, []byte("PAR1")) {
			t.Errorf("Parse error = %v; only Parquet files fail, as a whole", err)
		}
	}
	if st.Events != len(evs) || st.Events+recordErrs > st.Records {
		t.Errorf("Stats %+v with %d events and %d record errors", st, len(evs), recordErrs)
	}
	wantErrors := recordErrs + fileErrs
	if err != nil {
		wantErrors++
	}
	if st.Errors != wantErrors {
		t.Errorf("Stats.Errors = %d, want %d", st.Errors, wantErrors)
	}
	return evs, snap
}

func checkEvent(t *testing.T, e *event.Event, file string, last, size int) {
	fl := e.Flow
	if e.Kind != event.KindFlow || fl == nil || (e.Source != "vpcflowlogs" && e.Source != "tgwflowlogs") {
		t.Fatalf("event %+v: want a flow", e)
	}
	if o := e.Origin; o.File != file || o.Record <= last || o.Offset < 0 || o.Offset >= int64(size) {
		t.Errorf("event origin %+v after record %d, in %d bytes", o, last, size)
	}
	if fl.Protocol < -1 || fl.Protocol > 255 || fl.SrcPort < 0 || fl.SrcPort > 65535 || fl.DstPort < 0 || fl.DstPort > 65535 ||
		fl.Packets < 0 || fl.Bytes < 0 || fl.Version < 0 {
		t.Errorf("flow out of range: %+v", fl)
	}
	if e.SourceIP != fl.SrcAddr || (fl.SrcAddr.IsValid() && fl.SrcAddr.Zone() != "") {
		t.Errorf("event SourceIP %v, flow SrcAddr %v", e.SourceIP, fl.SrcAddr)
	}
	if e.Account == "" || e.Region == "" {
		t.Errorf("event account %q region %q; the path gives both", e.Account, e.Region)
	}
}
