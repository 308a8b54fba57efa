// Package detecttest helps detector tests feed real-format CloudTrail
// records to an engine and read the findings like a table. It is imported
// by tests only and must never be imported by production code.
package detecttest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// Now is the fixed clock of engines made by Engine.
var Now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// DetectorID is the detector id of engines made by Engine.
const DetectorID = "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b"

// Identities to patch into a record.
const (
	RootIdentity = `{"userIdentity": {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
	  "accountId": "111122223333", "accessKeyId": "AKIA6ON6E4XEROOTKEY1"}}`
	RoleIdentity = `{"userIdentity": {"type": "AssumedRole", "principalId": "AROA6ON6E4XEEXAMPLE:ci", "arn": "arn:aws:sts::111122223333:assumed-role/deployer/ci",
	  "accountId": "111122223333", "accessKeyId": "ASIA6ON6E4XEEXAMPLE1",
	  "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA6ON6E4XEEXAMPLE", "arn": "arn:aws:iam::111122223333:role/deployer",
	    "accountId": "111122223333", "userName": "deployer"}, "attributes": {"creationDate": "2024-05-01T09:55:00Z", "mfaAuthenticated": "false"}}}}`
)

// Record returns base with the top-level fields of each patch (a JSON
// object) replacing its own; a null value removes the field, except for
// requestParameters and responseElements, which CloudTrail writes as null.
func Record(t testing.TB, base string, patches ...string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		t.Fatalf("base record: %v", err)
	}
	for _, p := range patches {
		var pm map[string]json.RawMessage
		if err := json.Unmarshal([]byte(p), &pm); err != nil {
			t.Fatalf("patch %s: %v", p, err)
		}
		for k, v := range pm {
			if string(v) == "null" && k != "requestParameters" && k != "responseElements" {
				delete(m, k)
				continue
			}
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Engine returns an engine running every registered detector (in a test
// binary: those of the packages it imports) with a fixed clock and id.
func Engine() *detect.Engine {
	return detect.New(detect.Registered(), detect.Options{DetectorID: DetectorID, Now: func() time.Time { return Now }})
}

// EngineWith returns an Engine that sees the threat intelligence in.
func EngineWith(in *intel.Intel) *detect.Engine {
	return detect.New(detect.Registered(), detect.Options{DetectorID: DetectorID, Now: func() time.Time { return Now },
		Intel: func() *intel.Intel { return in }})
}

// Intel returns threat intelligence made of TXT lists given as
// "family:name" → list text (family as in intel.ParseFamily, or
// "trusted" for a trusted list), and optionally AWS ranges (ip-ranges.json
// text; "" for none).
func Intel(t testing.TB, lists map[string]string, awsRanges string) *intel.Intel {
	t.Helper()
	var threats, trusted []*intel.List
	for key, text := range lists {
		fam, name, _ := strings.Cut(key, ":")
		l, lineErrs, err := intel.Parse(intel.TXT, strings.NewReader(text), name, 0)
		if err != nil || len(lineErrs) > 0 {
			t.Fatalf("list %s: %v %v", key, err, lineErrs)
		}
		if fam == "trusted" {
			trusted = append(trusted, l)
			continue
		}
		f, err := intel.ParseFamily(fam)
		if err != nil {
			t.Fatal(err)
		}
		l.Family = f
		threats = append(threats, l)
	}
	in := &intel.Intel{Threats: intel.NewSet(threats...), Trusted: intel.NewSet(trusted...)}
	if awsRanges != "" {
		r, lineErrs, err := intel.ParseAWSRanges(strings.NewReader(awsRanges), "ip-ranges.json")
		if err != nil || len(lineErrs) > 0 {
			t.Fatalf("AWS ranges: %v %v", err, lineErrs)
		}
		in.AWS = r
	}
	return in
}

// Run feeds records, in order, to a new Engine and returns the findings.
func Run(t testing.TB, records ...string) []finding.Finding {
	t.Helper()
	return Process(t, Engine(), records...)
}

// Process feeds records to e and returns the findings; it fails the test
// when a record does not parse or a detector panics.
func Process(t testing.TB, e *detect.Engine, records ...string) []finding.Finding {
	t.Helper()
	before := e.Stats().Panics
	var out []finding.Finding
	for _, r := range records {
		ev, err := cloudtrail.ParseRecord([]byte(r))
		if err != nil {
			t.Fatalf("ParseRecord(%s): %v", r, err)
		}
		e.Process(ev, func(f finding.Finding) { out = append(out, f) })
	}
	if n := e.Stats().Panics - before; n != 0 {
		t.Fatalf("detectors panicked %d times", n)
	}
	return out
}

// Summary lists findings as "type severity" strings, such as
// "Policy:IAMUser/RootCredentialUsage 2", for table tests.
func Summary(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type+" "+strconv.FormatFloat(f.Severity, 'g', -1, 64))
	}
	return out
}
