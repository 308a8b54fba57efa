package runbook_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // built-in detectors
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// Limits that keep a runbook short enough for a Slack message.
const (
	maxStepLen    = 300
	maxMeaningLen = 450
	minSteps      = 2
	maxSteps      = 5
)

// producedTypes returns every finding type Vigil makes: those of the
// registered detectors and those of malware scans.
func producedTypes(t *testing.T) []string {
	t.Helper()
	types := []string{protect.FindingType, protect.TypeEC2MaliciousFile}
	for _, def := range detect.Definitions(detect.Registered()) {
		types = append(types, def.Type)
	}
	if len(types) < 3 {
		t.Fatalf("only %d finding types produced; are the detectors registered?", len(types))
	}
	return types
}

func TestEveryProducedTypeHasARunbook(t *testing.T) {
	for _, typ := range producedTypes(t) {
		t.Run(typ, func(t *testing.T) {
			rb, ok := runbook.For(typ)
			if !ok {
				t.Fatalf("For(%q): no runbook", typ)
			}
			if rb.Type != typ {
				t.Errorf("For(%q).Type = %q, want %q", typ, rb.Type, typ)
			}
			if strings.TrimSpace(rb.Meaning) == "" {
				t.Errorf("For(%q).Meaning is empty", typ)
			}
			if n := len(rb.Investigate); n < minSteps || n > maxSteps {
				t.Errorf("For(%q) has %d Investigate steps, want %d to %d", typ, n, minSteps, maxSteps)
			}
			if n := len(rb.Respond); n < minSteps || n > maxSteps {
				t.Errorf("For(%q) has %d Respond steps, want %d to %d", typ, n, minSteps, maxSteps)
			}
		})
	}
}

// TestNoRunbookForUnknownTypes catches typos in runbook keys: every
// runbook must be for a type Vigil produces.
func TestNoRunbookForUnknownTypes(t *testing.T) {
	produced := map[string]bool{}
	for _, typ := range producedTypes(t) {
		produced[typ] = true
	}
	types := runbook.Types()
	sort.Strings(types)
	for _, typ := range types {
		if !produced[typ] {
			t.Errorf("runbook for %q, which Vigil does not produce (a typo, or a type that was removed)", typ)
		}
	}
	if len(types) != len(produced) {
		t.Errorf("Types() has %d types, want %d (one per produced type)", len(types), len(produced))
	}
	for _, typ := range []string{"", "No:Such/Type", "recon:ec2/portscan"} {
		if _, ok := runbook.For(typ); ok {
			t.Errorf("For(%q) found a runbook, want none", typ)
		}
	}
}

func TestRunbooksAreShortAndSpecific(t *testing.T) {
	meanings := map[string]string{}
	for _, typ := range runbook.Types() {
		rb, _ := runbook.For(typ)
		if n := len(rb.Meaning); n > maxMeaningLen {
			t.Errorf("%s: Meaning is %d characters, want at most %d", typ, n, maxMeaningLen)
		}
		if other, dup := meanings[rb.Meaning]; dup {
			t.Errorf("%s and %s share one Meaning; each must say what is specific to its type", typ, other)
		}
		meanings[rb.Meaning] = typ
		for _, list := range []struct {
			name  string
			steps []string
		}{{"Investigate", rb.Investigate}, {"Respond", rb.Respond}} {
			seen := map[string]bool{}
			for i, s := range list.steps {
				switch {
				case strings.TrimSpace(s) == "":
					t.Errorf("%s: %s step %d is empty", typ, list.name, i+1)
				case len(s) > maxStepLen:
					t.Errorf("%s: %s step %d is %d characters, want at most %d: %q", typ, list.name, i+1, len(s), maxStepLen, s)
				case seen[s]:
					t.Errorf("%s: %s step %d repeats an earlier step: %q", typ, list.name, i+1, s)
				case strings.Count(s, "`")%2 != 0:
					t.Errorf("%s: %s step %d has an unbalanced backquote: %q", typ, list.name, i+1, s)
				}
				seen[s] = true
			}
		}
	}
}

// TestForReturnsACopy checks that a caller changing the returned runbook's
// steps cannot change what the next caller sees.
func TestForReturnsACopy(t *testing.T) {
	const typ = "Recon:EC2/Portscan"
	rb, ok := runbook.For(typ)
	if !ok {
		t.Fatalf("For(%q): no runbook", typ)
	}
	want := rb.Investigate[0]
	rb.Investigate[0] = "changed"
	again, _ := runbook.For(typ)
	if again.Investigate[0] != want {
		t.Errorf("For(%q).Investigate[0] = %q after a caller changed its copy, want %q", typ, again.Investigate[0], want)
	}
}
