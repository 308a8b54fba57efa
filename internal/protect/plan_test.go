package protect_test

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/protect"
)

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name string
		plan protect.Plan
		want string // substring of the error; "" for none
	}{
		{"whole bucket", protect.Plan{ID: "p", Bucket: "b"}, ""},
		{"five prefixes", protect.Plan{ID: "p", Bucket: "b", Prefixes: []string{"a", "b", "c", "d", "e"}}, ""},
		{"six prefixes", protect.Plan{ID: "p", Bucket: "b", Prefixes: []string{"a", "b", "c", "d", "e", "f"}}, "at most 5"},
		{"empty prefix", protect.Plan{ID: "p", Bucket: "b", Prefixes: []string{""}}, "empty prefix"},
		{"no bucket", protect.Plan{ID: "p"}, "no bucket"},
		{"bad id", protect.Plan{ID: "a/b", Bucket: "b"}, "id"},
		{"quarantine", protect.Plan{ID: "p", Bucket: "b", PostScanAction: protect.ActionQuarantine, QuarantineBucket: "q"}, ""},
		{"quarantine without bucket", protect.Plan{ID: "p", Bucket: "b", PostScanAction: protect.ActionQuarantine}, "quarantine bucket"},
		{"unknown action", protect.Plan{ID: "p", Bucket: "b", PostScanAction: "move"}, "post-scan action"},
	}
	for _, tt := range tests {
		err := tt.plan.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestPlanMatches(t *testing.T) {
	p := protect.Plan{ID: "p", Bucket: "b", Prefixes: []string{"in/", "upload"}}
	for key, want := range map[string]bool{"in/x": true, "uploads/y": true, "out/in/x": false, "in": false} {
		if got := p.Matches("b", key); got != want {
			t.Errorf("Matches(b, %q) = %v, want %v", key, got, want)
		}
	}
	if p.Matches("c", "in/x") {
		t.Errorf("Matches(other bucket) = true")
	}
}

// TestNewRejectsPlans checks what plans are refused together.
func TestNewRejectsPlans(t *testing.T) {
	q := func(bucket, prefix string) protect.Plan {
		return protect.Plan{ID: "src", Bucket: "src", PostScanAction: protect.ActionQuarantine, QuarantineBucket: bucket, QuarantinePrefix: prefix}
	}
	tests := []struct {
		name  string
		plans []protect.Plan
		want  string
	}{
		{"quarantine into own prefixes", []protect.Plan{{ID: "p", Bucket: "b", PostScanAction: protect.ActionQuarantine, QuarantineBucket: "b", QuarantinePrefix: "q/"}}, "would be scanned again"},
		{"quarantine into another plan", []protect.Plan{q("dst", "x/"), {ID: "dst", Bucket: "dst", Prefixes: []string{"x/in/"}}}, "protected by plan dst"},
		{"two plans for a bucket", []protect.Plan{{ID: "a", Bucket: "b"}, {ID: "c", Bucket: "b"}}, "one plan per bucket"},
		{"duplicate id", []protect.Plan{{ID: "a", Bucket: "b"}, {ID: "a", Bucket: "c"}}, "id used twice"},
	}
	for _, tt := range tests {
		_, err := protect.New(protect.Options{Plans: tt.plans, S3: newFakeS3(), Scanner: newFakeScanner(), Store: openStore(t)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
	ok := []protect.Plan{q("dst", "quarantine/"), {ID: "dst", Bucket: "dst", Prefixes: []string{"in/"}}}
	if _, err := protect.New(protect.Options{Plans: ok, S3: newFakeS3(), Scanner: newFakeScanner(), Store: openStore(t)}); err != nil {
		t.Errorf("New(quarantine beside a plan's prefixes) = %v, want nil", err)
	}
}

func TestPlanARN(t *testing.T) {
	got := protect.PlanARN("", "us-east-1", "000000000000", "p1")
	if want := "arn:aws:guardduty:us-east-1:000000000000:malware-protection-plan/p1"; got != want {
		t.Errorf("PlanARN = %q, want %q", got, want)
	}
}

func TestPlansFromConfig(t *testing.T) {
	c, err := config.Parse([]byte(`malware_protection:
  plans:
    - bucket: uploads
      prefixes: [in/]
      key_decoding: raw
    - id: r
      bucket: reports
      tagging: false
      post_scan_action: delete
      key_decoding: raw
`), "vigil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plans, err := protect.PlansFromConfig(c.MalwareProtection)
	if err != nil || len(plans) != 2 {
		t.Fatalf("PlansFromConfig = %+v, %v", plans, err)
	}
	if p := plans[0]; p.ID != "uploads" || !p.Tagging || p.KeyDecoding != protect.KeyRaw || p.PostScanAction != protect.ActionNone {
		t.Errorf("plan 0 = %+v", p)
	}
	if p := plans[1]; p.Tagging || p.PostScanAction != protect.ActionDelete {
		t.Errorf("plan 1 = %+v", p)
	}
	if dec, err := protect.CommonKeyDecoding(plans); err != nil || dec != protect.KeyRaw {
		t.Errorf("CommonKeyDecoding = %v, %v; want raw", dec, err)
	}
	plans[1].KeyDecoding = protect.KeyURLEncoded
	if _, err := protect.CommonKeyDecoding(plans); err == nil {
		t.Errorf("CommonKeyDecoding(raw, url) = nil error, want one")
	}
}
