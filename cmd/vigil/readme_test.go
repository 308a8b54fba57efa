package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's detector table from vigil detectors list --markdown")

const (
	tableBegin = "<!-- detectors:begin (generated: go test ./cmd/vigil -run TestReadmeDetectorTable -update-readme) -->\n"
	tableEnd   = "<!-- detectors:end -->\n"
)

// TestReadmeDetectorTable keeps README.md's table of finding types equal
// to what the binary registers.
func TestReadmeDetectorTable(t *testing.T) {
	want := mustVigil(t, "detectors", "list", "--markdown")
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the generated detector table markers %q ... %q", tableBegin, tableEnd)
	}
	got := readme[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile("../../README.md", []byte(readme[:i+len(tableBegin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's detector table is out of date; run: go test ./cmd/vigil -run TestReadmeDetectorTable -update-readme")
}
