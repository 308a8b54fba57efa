package all

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current findings")

// TestGolden runs every built-in detector over each CloudTrail file under
// testdata/records and compares the findings, as GuardDuty JSON, with
// testdata/golden/<name>.json. Run with -update to accept new output.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no records under testdata/records (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			got := marshal(t, findings(t, file))
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("findings for %s differ from %s (-want +got):\n%s", file, golden, diff)
			}
		})
	}
}

// findings parses a CloudTrail file and runs it through one engine with a
// fixed clock and detector id.
func findings(t *testing.T, file string) []finding.Finding {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	e := detect.New(detect.Registered(), detect.Options{
		DetectorID: "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b",
		Now:        func() time.Time { return time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC) },
	})
	out := []finding.Finding{}
	_, err = cloudtrail.Parse(data, file, func(ev *event.Event) {
		e.Process(ev, func(f finding.Finding) { out = append(out, f) })
	}, func(err *source.RecordError) { t.Errorf("parse: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	if p := e.Stats().Panics; p != 0 {
		t.Fatalf("detectors panicked %d times", p)
	}
	return out
}

func marshal(t *testing.T, fs []finding.Finding) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
