package finding_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestFilterCriteriaWildcards(t *testing.T) {
	f := richFinding() // Recon:EC2/PortProbeUnprotectedPort in us-east-1
	tests := []struct {
		name     string
		criteria string
		want     bool
	}{
		{"prefix", crit("type", `{"matches":["Recon:*"]}`), true},
		{"other prefix", crit("type", `{"matches":["Backdoor:*"]}`), false},
		{"any of", crit("type", `{"matches":["Backdoor:*","*/PortProbe*"]}`), true},
		{"question mark", crit("region", `{"matches":["us-east-?"]}`), true},
		{"question mark is one character", crit("region", `{"matches":["us-east?"]}`), false},
		{"whole value", crit("region", `{"matches":["us-east"]}`), false},
		{"star alone", crit("region", `{"matches":["*"]}`), true},
		{"notMatches", crit("type", `{"notMatches":["Recon:*"]}`), false},
		{"notMatches other", crit("type", `{"notMatches":["Backdoor:*","Trojan:*"]}`), true},
		{"with equals", crit("type", `{"matches":["Recon:*"],"notEquals":["Recon:EC2/Portscan"]}`), true},
		{"list field", crit("resource.instanceDetails.tags.value", `{"matches":["*"]}`), true},
	}
	for _, tt := range tests {
		c, err := finding.ParseFilterCriteria([]byte(tt.criteria))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := c.Match(&f); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
		// ListFindings' criteria refuse the wildcards.
		if _, err := finding.ParseCriteria([]byte(tt.criteria)); err == nil || !strings.Contains(err.Error(), "only allowed in filters") {
			t.Errorf("%s: ParseCriteria error = %v, want a refusal", tt.name, err)
		}
	}
}

func TestFilterCriteriaWildcardMissingField(t *testing.T) {
	var empty finding.Finding
	for raw, want := range map[string]bool{
		crit("resource.lambdaDetails.functionName", `{"matches":["*"]}`):    false,
		crit("resource.lambdaDetails.functionName", `{"notMatches":["*"]}`): true,
	} {
		c, err := finding.ParseFilterCriteria([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Match(&empty); got != want {
			t.Errorf("%s on a finding without the field: Match = %v, want %v", raw, got, want)
		}
	}
}

func TestFilterCriteriaWildcardErrors(t *testing.T) {
	long := strings.Repeat("a", 513)
	for _, raw := range []string{
		crit("severity", `{"matches":["7*"]}`),
		crit("type", `{"matches":[]}`),
		crit("type", `{"matches":[""]}`),
		crit("type", `{"matches":["`+long+`"]}`),
		crit("type", `{"matches":["a","b","c","d","e","f"]}`),
		crit("type", `{"matches":"Recon:*"}`),
	} {
		if _, err := finding.ParseFilterCriteria([]byte(raw)); !errors.Is(err, finding.ErrBadCriteria) {
			t.Errorf("ParseFilterCriteria(%.80s) = %v, want ErrBadCriteria", raw, err)
		}
	}
}

// FuzzParseFilterCriteria: filter criteria with wildcards never panic,
// fail only with ErrBadCriteria, and matching stays within Prefilter.
func FuzzParseFilterCriteria(f *testing.F) {
	for _, seed := range []string{
		crit("type", `{"matches":["Recon:*"]}`),
		crit("type", `{"notMatches":["*?*?*?*?*a"]}`),
		crit("region", `{"matches":["us-*-?"],"equals":["us-east-1"]}`),
		crit("service.archived", `{"matches":["t*"]}`),
	} {
		f.Add([]byte(seed))
	}
	rich, brute := richFinding(), bruteForce()
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := finding.ParseFilterCriteria(raw)
		if err != nil {
			if !errors.Is(err, finding.ErrBadCriteria) {
				t.Fatalf("error %v does not wrap ErrBadCriteria", err)
			}
			return
		}
		q := c.Prefilter()
		for _, s := range []*finding.Finding{&rich, &brute} {
			if c.Match(s) && !q.Match(s) {
				t.Fatalf("matches a sample its Prefilter() %+v does not", q)
			}
		}
	})
}
