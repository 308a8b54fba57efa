package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // built-in detectors, for sample findings
	"github.com/vigil-sec/vigil/internal/finding"
)

// named is a finding of the test corpus and where it came from.
type named struct {
	name string
	f    finding.Finding
}

// goldenFiles are the repository's finding fixtures: the finding model's
// full example, a Malware Protection finding, and the detectors' golden
// outputs (arrays).
var goldenFiles = []string{
	"../finding/testdata/finding.json",
	"../protect/testdata/finding-malicious-file.json",
	"../detect/all/testdata/golden/defense.json",
	"../detect/all/testdata/golden/iam.json",
	"../detect/all/testdata/golden/s3.json",
}

// sampleTime is the "now" of the corpus's sample findings.
var sampleTime = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// corpus returns every finding fixture of the repository plus one sample
// finding of every type Vigil produces.
func corpus(t testing.TB) []named {
	t.Helper()
	var out []named
	for _, path := range goldenFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(path)
		if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
			var fs []finding.Finding
			if err := json.Unmarshal(b, &fs); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, f := range fs {
				out = append(out, named{base + ":" + f.Type, f})
			}
			continue
		}
		var f finding.Finding
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, named{base, f})
	}
	return append(out, samples(t)...)
}

// samples returns one sample finding of every registered type.
func samples(t testing.TB) []named {
	t.Helper()
	dets := detect.Registered()
	var out []named
	for _, def := range detect.Definitions(dets) {
		_, d, _ := detect.Lookup(dets, def.Type)
		f := detect.SampleFinding(d, def, "123456789012", "eu-west-1", "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b", sampleTime)
		out = append(out, named{"sample:" + def.Type, f})
	}
	if len(out) < 50 {
		t.Fatalf("only %d sample findings; are the detectors registered?", len(out))
	}
	return out
}

// sample returns the sample finding of a type.
func sample(t testing.TB, typ string) finding.Finding {
	t.Helper()
	for _, n := range samples(t) {
		if n.f.Type == typ {
			return n.f
		}
	}
	t.Fatalf("no sample finding of type %s", typ)
	return finding.Finding{}
}

// fixture returns the finding of one of the single-finding golden files.
func fixture(t testing.TB, path string) finding.Finding {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f finding.Finding
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
