package source_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail" // registers the format
)

const ctFile = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_abc.json.gz"

// record returns a CloudTrail record named name, without account and
// region (the delivery path gives them), whose requestParameters
// carry the name too, with about pad bytes of padding.
func record(name string, pad int) string {
	return `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},"eventTime":"2024-05-01T12:00:00Z","eventSource":"iam.amazonaws.com",` +
		`"eventName":"` + name + `","sourceIPAddress":"198.51.100.7","requestParameters":{"name":"` + name + `","pad":"` + strings.Repeat("p", pad) + `"}}`
}

func delivery(names ...string) string {
	var recs []string
	for _, n := range names {
		recs = append(recs, record(n, 200))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

func gzipped(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// read runs r.Read and returns the names of the events, the record errors
// and the result.
func read(r *source.Reader, data []byte, file string) ([]*event.Event, []*source.RecordError, source.Stats, error) {
	var evs []*event.Event
	var errs []*source.RecordError
	st, err := r.Read(bytes.NewReader(data), file, func(e *event.Event) { evs = append(evs, e) },
		func(e *source.RecordError) { errs = append(errs, e) })
	return evs, errs, st, err
}

func names(evs []*event.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.API.Name)
	}
	return out
}

func TestReader(t *testing.T) {
	plain := delivery("A", "B", "C")
	tests := []struct {
		name      string
		data      []byte
		file      string
		want      []string
		wantStats source.Stats
		wantErr   string // a part of the error; "" for none
	}{
		{"plain", []byte(plain), ctFile, []string{"A", "B", "C"}, source.Stats{Records: 3, Events: 3, Bytes: int64(len(plain))}, ""},
		{"gzip", gzipped(t, plain), ctFile, []string{"A", "B", "C"}, source.Stats{Records: 3, Events: 3, Bytes: int64(len(plain))}, ""},
		{"multi-member gzip (concatenated deliveries)", append(gzipped(t, delivery("A")), gzipped(t, delivery("B"))...), ctFile, []string{"A", "B"},
			source.Stats{Records: 2, Events: 2, Bytes: int64(2 * len(delivery("A")))}, ""},
		{"NDJSON without a telling name", []byte(record("A", 1) + "\n" + record("B", 1) + "\n"), "events.json", []string{"A", "B"},
			source.Stats{Records: 2, Events: 2, Bytes: int64(len(record("A", 1)+record("B", 1)) + 2)}, ""},
		{"empty file", nil, ctFile, nil, source.Stats{}, ""},
		{"empty gzip", gzipped(t, ""), ctFile, nil, source.Stats{}, ""},
		{"not CloudTrail", []byte(`{"fileVersion":"1.0","configurationItems":[]}`), "config/snapshot.json", nil,
			source.Stats{Errors: 1, Bytes: 45}, "config/snapshot.json: offset 0: unrecognized log format"},
		{"not JSON", gzipped(t, "hello, world\n"), "notes.txt.gz", nil, source.Stats{Errors: 1, Bytes: 13}, "notes.txt.gz: offset 0: unrecognized log format"},
		{"digest file", []byte(`{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T11:00:00Z"}`), "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz", nil,
			source.Stats{Errors: 1, Bytes: 72}, "unrecognized log format"},
		{"bad gzip header", []byte("\x1f\x8b\x00garbage"), ctFile, nil, source.Stats{Errors: 1}, ctFile + ": offset 0: gzip:"},
	}
	var r source.Reader
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, errs, st, err := read(&r, tt.data, tt.file)
			if diff := cmp.Diff(tt.want, names(evs)); diff != "" {
				t.Errorf("Read(%s) events mismatch (-want +got):\n%s", tt.name, diff)
			}
			if len(errs) != 0 {
				t.Errorf("Read(%s) record errors = %v, want none", tt.name, errs)
			}
			if st != tt.wantStats {
				t.Errorf("Read(%s) stats = %+v, want %+v", tt.name, st, tt.wantStats)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Read(%s) error = %v, want nil", tt.name, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Read(%s) error = %v, want one containing %q", tt.name, err, tt.wantErr)
			}
		})
	}
}

func TestReaderUnknownFormat(t *testing.T) {
	var r source.Reader
	_, _, _, err := read(&r, []byte("<html></html>"), "s3://bucket/index.html")
	var re *source.RecordError
	if !errors.Is(err, source.ErrUnknownFormat) || !errors.As(err, &re) || re.File != "s3://bucket/index.html" || re.Record != -1 {
		t.Errorf("Read(html) error = %#v, want ErrUnknownFormat in a RecordError naming the file", err)
	}
}

// TestReaderTruncatedGzip cuts a gzip delivery file at many places: the
// records before the cut are emitted, and the error names the file.
func TestReaderTruncatedGzip(t *testing.T) {
	var recs []string
	for i := range 200 {
		recs = append(recs, fmt.Sprintf("R%03d", i))
	}
	plain := delivery(recs...)
	// Little-compressible padding spreads the records over the stream.
	full := gzipped(t, plain)
	var r source.Reader
	for _, cut := range []int{len(full) / 4, len(full) / 2, len(full) - 100, len(full) - 9} {
		evs, errs, st, err := read(&r, full[:cut], ctFile)
		var re *source.RecordError
		if err == nil || !errors.As(err, &re) || re.File != ctFile || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("Read(gzip cut at %d/%d) error = %v, want a truncation error naming %s", cut, len(full), err, ctFile)
		}
		if len(errs) != 0 {
			t.Errorf("Read(gzip cut at %d) record errors = %v, want none", cut, errs)
		}
		// The events are the first records, in order.
		if diff := cmp.Diff(recs[:len(evs)], names(evs)); diff != "" {
			t.Errorf("Read(gzip cut at %d) events are not the first records (-want +got):\n%s", cut, diff)
		}
		if cut > len(full)/2 && len(evs) < 50 {
			t.Errorf("Read(gzip cut at %d/%d) = %d events, want the records before the cut", cut, len(full), len(evs))
		}
		if st.Errors != 1 || st.Events != len(evs) {
			t.Errorf("Read(gzip cut at %d) stats = %+v, want 1 error and %d events", cut, st, len(evs))
		}
	}
}

func TestReaderMaxFileBytes(t *testing.T) {
	plain := delivery("A", "B", "C")
	r := source.Reader{MaxFileBytes: int64(strings.Index(plain, `"eventName":"C"`) + 10)} // cuts C
	evs, _, st, err := read(&r, gzipped(t, plain), ctFile)
	if diff := cmp.Diff([]string{"A", "B"}, names(evs)); diff != "" || err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Read(over MaxFileBytes) = %v, %+v, %v; want A, B and a size error (diff %s)", names(evs), st, err, diff)
	}
}

// TestReaderNoAlias reads two files with one Reader and checks the first
// file's events: the Reader reuses its buffer for the second file, so an
// event referring to it would change.
func TestReaderNoAlias(t *testing.T) {
	var r source.Reader
	first, _, _, err := read(&r, gzipped(t, delivery("A", "B")), ctFile)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range first {
		want = append(want, string(e.API.RequestParameters)+"|"+e.UserAgent+"|"+e.Actor.UserName+"|"+e.API.Name+"|"+e.Origin.File)
	}
	// A second file of the same size with other bytes everywhere.
	second := strings.NewReplacer("A", "Y", "B", "Z", "p", "q", "alice", "bobby", "iam", "ec2").Replace(delivery("A", "B"))
	if _, _, _, err := read(&r, []byte(second), ctFile); err != nil {
		t.Fatal(err)
	}
	for i, e := range first {
		got := string(e.API.RequestParameters) + "|" + e.UserAgent + "|" + e.Actor.UserName + "|" + e.API.Name + "|" + e.Origin.File
		if got != want[i] {
			t.Errorf("event %d of the first file changed after reading a second file:\n got %q\nwant %q", i, got, want[i])
		}
	}
}
