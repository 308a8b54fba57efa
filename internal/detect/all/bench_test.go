package all

import (
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// BenchmarkBenign measures every built-in detector on benign API calls,
// the common case: each detector must bail out cheaply.
func BenchmarkBenign(b *testing.B) {
	data, err := os.ReadFile("testdata/records/benign.json")
	if err != nil {
		b.Fatal(err)
	}
	var evs []*event.Event
	if _, err := cloudtrail.Parse(data, "benign.json", func(ev *event.Event) { evs = append(evs, ev) }, func(*source.RecordError) {}); err != nil {
		b.Fatal(err)
	}
	e := detect.New(detect.Registered(), detect.Options{})
	report := func(finding.Finding) { b.Fatal("benign event made a finding") }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Process(evs[i%len(evs)], report)
	}
}
