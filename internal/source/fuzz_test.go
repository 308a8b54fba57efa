package source_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

func FuzzReader(f *testing.F) {
	plain := delivery("A", "B", "C")
	zipped := gzipped(f, plain)
	for _, s := range [][]byte{
		nil,
		[]byte(plain),
		zipped,
		zipped[:len(zipped)/2],
		zipped[:len(zipped)-4],
		append(gzipped(f, delivery("A")), gzipped(f, delivery("B"))...),
		append(bytes.Clone(zipped), "trailing garbage"...),
		gzipped(f, ""),
		gzipped(f, "hello"),
		[]byte("\x1f\x8b"),
		[]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"),
		[]byte(record("A", 1) + "\n" + record("B", 1)),
		[]byte(`{"Records":[` + record("A", 1) + `,{"eventVersion":"1.08","eventName":"B"]` + "," + record("C", 1) + `]}`),
		[]byte("<html>"),
	} {
		f.Add(s)
	}
	other := []byte(delivery("X", "Y"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz"
		r := source.Reader{MaxFileBytes: 1 << 20}
		var evs []*event.Event
		var snap []string
		recordErrs := 0
		st, err := r.Read(bytes.NewReader(data), file, func(e *event.Event) {
			evs = append(evs, e)
			snap = append(snap, fmt.Sprintf("%+v %+v %q", e.Actor, *e.API, e.API.RequestParameters))
		}, func(e *source.RecordError) {
			if e.File != file {
				t.Errorf("record error names %q, want %q", e.File, file)
			}
			if e.Record >= 0 {
				recordErrs++
			}
		})
		if err != nil {
			var re *source.RecordError
			if !errors.As(err, &re) || re.File != file {
				t.Errorf("Read error = %v, want a RecordError naming the file", err)
			}
			if st.Errors == 0 {
				t.Errorf("Read returned %v with Stats.Errors = 0", err)
			}
		}
		if st.Events != len(evs) || st.Events+recordErrs > st.Records || st.Bytes < 0 || st.Bytes > r.MaxFileBytes {
			t.Errorf("Read stats %+v inconsistent: %d events emitted, %d record errors", st, len(evs), recordErrs)
		}
		// The Reader reuses its buffer: the events of the first file must
		// not change when it reads another.
		if _, err := r.Read(bytes.NewReader(other), file, func(*event.Event) {}, nil); err != nil {
			t.Fatalf("Read(other) after the input: %v", err)
		}
		for i, e := range evs {
			if got := fmt.Sprintf("%+v %+v %q", e.Actor, *e.API, e.API.RequestParameters); got != snap[i] {
				t.Errorf("event %d changed when the Reader read another file:\n got %s\nwant %s", i, got, snap[i])
			}
		}
	})
}
