package flowlogs_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures in testdata")

// v2Row is a record of the default format as AWS writes it in Parquet.
type v2Row struct {
	Version     *int32  `parquet:"version,optional"`
	AccountID   *string `parquet:"account_id,optional"`
	InterfaceID *string `parquet:"interface_id,optional"`
	SrcAddr     *string `parquet:"srcaddr,optional"`
	DstAddr     *string `parquet:"dstaddr,optional"`
	SrcPort     *int32  `parquet:"srcport,optional"`
	DstPort     *int32  `parquet:"dstport,optional"`
	Protocol    *int32  `parquet:"protocol,optional"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       *int64  `parquet:"start,optional"`
	End         *int64  `parquet:"end,optional"`
	Action      *string `parquet:"action,optional"`
	LogStatus   *string `parquet:"log_status,optional"`
}

// records returns the lines of a text fixture after its header.
func records(text string) []string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return lines[1:]
}

// v2Parquet writes the records of a default-format text file as AWS's
// Parquet delivery of the default format.
func v2Parquet(tb testing.TB, text string, opts ...parquet.WriterOption) []byte {
	tb.Helper()
	var rows []v2Row
	for _, line := range records(text) {
		t := strings.Fields(line)
		str := func(s string) *string {
			if s == "-" {
				return nil
			}
			return &s
		}
		i32 := func(s string) *int32 {
			if s == "-" {
				return nil
			}
			n := int32(mustInt(tb, s))
			return &n
		}
		i64 := func(s string) *int64 {
			if s == "-" {
				return nil
			}
			n := mustInt(tb, s)
			return &n
		}
		rows = append(rows, v2Row{i32(t[0]), str(t[1]), str(t[2]), str(t[3]), str(t[4]), i32(t[5]), i32(t[6]), i32(t[7]),
			i64(t[8]), i64(t[9]), i64(t[10]), i64(t[11]), str(t[12]), str(t[13])})
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[v2Row](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func mustInt(tb testing.TB, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		tb.Fatalf("fixture value %q: %v", s, err)
	}
	return n
}

// parquetOf writes the records of a text file with a header as a Parquet
// file with one optional column per header field, typed as AWS types it;
// "-" becomes null, and "␠" in a value a space.
func parquetOf(tb testing.TB, text string) []byte {
	tb.Helper()
	names := strings.Fields(strings.SplitN(text, "\n", 2)[0])
	kinds := make([]parquet.Kind, len(names))
	group := parquet.Group{}
	for i, name := range names {
		var node parquet.Node
		switch name {
		case "version", "srcport", "dstport", "protocol", "tcp-flags", "traffic-path":
			node, kinds[i] = parquet.Int(32), parquet.Int32
		case "packets", "bytes", "start", "end", "packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded", "packets-lost-ttl-expired":
			node, kinds[i] = parquet.Int(64), parquet.Int64
		default:
			node, kinds[i] = parquet.String(), parquet.ByteArray
		}
		group[column(name)] = parquet.Optional(node)
	}
	schema := parquet.NewSchema("flowlogs", group)
	var rows []parquet.Row
	for _, line := range records(text) {
		row := make(parquet.Row, len(names))
		for i, tok := range strings.Fields(line) {
			leaf, ok := schema.Lookup(column(names[i]))
			if !ok {
				tb.Fatalf("no column for %s", names[i])
			}
			v := parquet.NullValue().Level(0, 0, leaf.ColumnIndex)
			if tok != "-" {
				switch kinds[i] {
				case parquet.Int32:
					v = parquet.Int32Value(int32(mustInt(tb, tok)))
				case parquet.Int64:
					v = parquet.Int64Value(mustInt(tb, tok))
				default:
					v = parquet.ByteArrayValue([]byte(strings.ReplaceAll(tok, "␠", " ")))
				}
				v = v.Level(0, 1, leaf.ColumnIndex)
			}
			row[leaf.ColumnIndex] = v
		}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema)
	if _, err := w.WriteRows(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func column(field string) string { return strings.ReplaceAll(field, "-", "_") }

// sameFlows compares the events of a Parquet file with those of its text
// twin: same flows, times, accounts, regions, sources and record indexes.
func sameFlows(t *testing.T, text, pq result) {
	t.Helper()
	if pq.err != nil || len(pq.errs) > 0 {
		t.Fatalf("Parse(parquet) = %v, errors %v", pq.err, pq.errStrings())
	}
	if len(pq.events) != len(text.events) || pq.stats.Records != text.stats.Records || pq.stats.Events != text.stats.Events {
		t.Fatalf("Parse(parquet) = %d events, stats %+v; text: %d events, %+v", len(pq.events), pq.stats, len(text.events), text.stats)
	}
	for i, e := range pq.events {
		w := *text.events[i]
		w.Raw, w.Origin.Offset = e.Raw, e.Origin.Offset // a Parquet row has no line
		if diff := cmp.Diff(&w, e, addrs); diff != "" {
			t.Errorf("Parquet event %d differs from the text one (-text +parquet):\n%s", i, diff)
		}
	}
}

// TestParquetDefaultFormat reads the default format as AWS writes it in
// Parquet, from the committed fixture (gzip pages, as AWS compresses
// them) and from files written now with the other codecs Vigil reads.
func TestParquetDefaultFormat(t *testing.T) {
	text := readFile(t, "v2.log")
	const file = "AWSLogs/aws-account-id=123456789010/aws-service=vpcflowlogs/aws-region=eu-west-3/year=2024/month=05/day=01/f.parquet"
	fixture := filepath.Join("testdata", "v2.parquet")
	if *update {
		if err := os.WriteFile(fixture, v2Parquet(t, text, parquet.Compression(&gzip.Codec{})), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatalf("%v (run go test -run TestParquetDefaultFormat -update to make it)", err)
	}
	want := parse(t, text, file)
	for name, data := range map[string][]byte{
		"fixture":      committed,
		"uncompressed": v2Parquet(t, text),
		"snappy":       v2Parquet(t, text, parquet.Compression(&snappy.Codec{})),
		"zstd":         v2Parquet(t, text, parquet.Compression(&zstd.Codec{})),
	} {
		t.Run(name, func(t *testing.T) {
			got := parse(t, string(data), file)
			sameFlows(t, want, got)
			// The columns are in the order of the text format, so each row
			// renders as the text line.
			for i, e := range got.events {
				if line := records(text)[i]; string(e.Raw) != line {
					t.Errorf("event %d Raw = %q, want %q", i, e.Raw, line)
				}
				if e.Origin.Record != i || e.Origin.Offset <= 0 || e.Origin.Offset >= int64(len(data)) {
					t.Errorf("event %d origin %+v", i, e.Origin)
				}
			}
		})
	}
}

// TestParquetCustomFormats reads custom formats written as Parquet, with
// columns in another order than the text header.
func TestParquetCustomFormats(t *testing.T) {
	for _, name := range []string{"v2.log", "v5.log", "v8.log", "tgw.log"} {
		t.Run(name, func(t *testing.T) {
			text := readFile(t, name)
			sameFlows(t, parse(t, text, deliveryFile), parse(t, string(parquetOf(t, text)), deliveryFile))
		})
	}
}

func TestParquetBadInput(t *testing.T) {
	t.Run("values", func(t *testing.T) {
		text := "version srcaddr srcport dstport\n2 10.0.0.1 1 2\n2 10.0.0.1 -1 2\n2 10.0.0.300 1 2\n2 10.0.0.1 3 4\n"
		r := parse(t, string(parquetOf(t, text)), "f.parquet")
		want := []string{
			`record 1: row 2: srcport "-1": want a number from 0 to 65535`,
			`record 2: row 3: srcaddr "10.0.0.300": want an IP address`,
		}
		var got []string
		for _, e := range r.errs {
			got = append(got, "record "+strconv.Itoa(e.Record)+": "+e.Err.Error())
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if len(r.events) != 2 || r.stats != (source.Stats{Records: 4, Events: 2, Errors: 2}) {
			t.Errorf("Parse = %d events, %+v; want 2 of 4 records", len(r.events), r.stats)
		}
	})
	t.Run("white space", func(t *testing.T) {
		r := parse(t, string(parquetOf(t, "interface-id srcaddr\neni␠1 10.0.0.1\n")), "f.parquet")
		if len(r.errs) != 1 || !strings.Contains(r.errs[0].Err.Error(), `row 1: interface-id: value "eni 1" holds white space`) {
			t.Errorf("errors = %v", r.errStrings())
		}
	})
	t.Run("unknown column", func(t *testing.T) {
		r := parse(t, string(parquetOf(t, "srcaddr colour dstport\n10.0.0.1 blue 22\n")), "f.parquet")
		if len(r.events) != 1 || r.events[0].Flow.DstPort != 22 {
			t.Fatalf("Parse = %d events, errors %v", len(r.events), r.errStrings())
		}
		if len(r.errs) != 1 || r.errs[0].Record != -1 || !strings.Contains(r.errs[0].Err.Error(), `unknown column "colour"`) {
			t.Errorf("errors = %v; want one about the schema", r.errStrings())
		}
	})
	t.Run("no flow log column", func(t *testing.T) {
		r := parse(t, string(parquetOf(t, "colour size\nblue 3\n")), "f.parquet")
		var re *source.RecordError
		if !errors.As(r.err, &re) || re.Record != -1 || len(r.events) != 0 {
			t.Errorf("Parse = %d events, %v; want a file error", len(r.events), r.err)
		}
	})
}

// TestParquetCorrupt damages a Parquet file in many ways: none may panic,
// and damage the library can see is a file-level error, the rows read
// before it kept. (Without page checksums, some damaged bytes only change
// values.)
func TestParquetCorrupt(t *testing.T) {
	good := v2Parquet(t, readFile(t, "v2.log"))
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		for i := at; i < min(at+16, len(b)-8); i++ {
			b[i] ^= 0xA5
		}
		return b
	}
	footer := bytes.Clone(good)
	copy(footer[len(footer)-8:], "\xff\xff\xff\x7fPAR1")
	// A page header claiming a gigabyte: the library would allocate it.
	f, err := parquet.OpenFile(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	off := f.Metadata().RowGroups[0].Columns[0].MetaData.DataPageOffset
	var h format.PageHeader
	if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReaderFromBytes(good[off:])).Decode(&h); err != nil {
		t.Fatal(err)
	}
	was, _ := thrift.Marshal(new(thrift.CompactProtocol), &h)
	h.CompressedPageSize, h.UncompressedPageSize = 1<<30, 1<<30
	claim, _ := thrift.Marshal(new(thrift.CompactProtocol), &h)
	gigabyte := append(append(bytes.Clone(good[:off]), claim...), good[off+int64(len(was)):]...)
	for _, tc := range []struct {
		name    string
		data    []byte
		visible bool // the damage must be reported
	}{
		{"magic only", []byte("PAR1"), true},
		{"empty footer", []byte("PAR1\x00\x00\x00\x00PAR1"), true},
		{"truncated", good[:len(good)/2], true},
		{"no end magic", good[:len(good)-1], true},
		{"footer size", footer, true},
		{"metadata", flip(len(good) - 60), true},
		{"page size claim", gigabyte, true},
		{"pages", flip(8), false},
		{"middle", flip(len(good) / 2), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := parse(t, string(tc.data), "f.parquet")
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
				t.Errorf("Parse allocated %d MiB for a file of %d bytes", n>>20, len(tc.data))
			}
			t.Logf("%d events, error %v, record errors %v", len(r.events), r.err, r.errStrings())
			if tc.visible && r.err == nil && len(r.errs) == 0 {
				t.Fatalf("Parse of a damaged file = %d events and no error", len(r.events))
			}
			if r.err != nil {
				var re *source.RecordError
				if !errors.As(r.err, &re) || re.Record != -1 || re.File != "f.parquet" || !strings.Contains(re.Error(), "parquet") {
					t.Errorf("Parse error = %#v, want a file-level RecordError", r.err)
				}
			}
			if (r.err != nil && r.stats.Errors == 0) || r.stats.Events != len(r.events) {
				t.Errorf("Stats = %+v with %d events", r.stats, len(r.events))
			}
		})
	}
}

// TestParquetReader reads a Parquet file through source.Reader, which
// recognizes it by its magic.
func TestParquetReader(t *testing.T) {
	data := v2Parquet(t, readFile(t, "v2.log"))
	var r source.Reader
	var n int
	st, err := r.Read(bytes.NewReader(data), "s3://b/f.parquet", func(*event.Event) { n++ }, func(e *source.RecordError) { t.Error(e) })
	if err != nil || n != 6 || st.Records != 6 {
		t.Errorf("Read = %d events, %+v, %v; want 6", n, st, err)
	}
}
