package main

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/runbook"
)

// TestDetectorsShowRunbook checks that "vigil detectors show TYPE" ends
// with the type's runbook, for a detector's type and for the malware types
// that no detector makes.
func TestDetectorsShowRunbook(t *testing.T) {
	for _, typ := range []string{"Stealth:IAMUser/CloudTrailLoggingDisabled", "Object:S3/MaliciousFile", "Execution:EC2/MaliciousFile"} {
		t.Run(typ, func(t *testing.T) {
			rb, ok := runbook.For(typ)
			if !ok {
				t.Fatalf("runbook.For(%q): no runbook", typ)
			}
			out := mustVigil(t, "detectors", "show", typ)
			if !strings.Contains(out, "Type:        "+typ+"\n") {
				t.Errorf("detectors show %s does not name the type:\n%s", typ, out)
			}
			_, after, ok := strings.Cut(out, "Runbook:\n")
			if !ok {
				t.Fatalf("detectors show %s has no Runbook section:\n%s", typ, out)
			}
			want := []string{"  Meaning: " + rb.Meaning + "\n", "  Investigate:\n", "    1. " + rb.Investigate[0] + "\n",
				"  Respond:\n", "    2. " + rb.Respond[1] + "\n"}
			rest := after
			for _, w := range want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("detectors show %s: runbook lacks %q (in order) in:\n%s", typ, w, after)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
