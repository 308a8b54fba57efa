package export

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		ok   bool
	}{
		{"", FormatGuardDuty, true},
		{"guardduty", FormatGuardDuty, true},
		{" ASFF ", FormatASFF, true},
		{"Ocsf", FormatOCSF, true},
		{"json", "", false},
	} {
		got, err := ParseFormat(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestGuardDutyRoundTrips(t *testing.T) {
	for _, n := range corpus(t) {
		b, err := GuardDuty(n.f)
		if err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		var back finding.Finding
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		back.AggregationKey = n.f.AggregationKey
		if diff := cmp.Diff(n.f, back); diff != "" {
			t.Errorf("%s: GuardDuty JSON does not round-trip (-want +got):\n%s", n.name, diff)
		}
	}
}

func TestASFFTypes(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want []string
	}{
		{"UnauthorizedAccess:EC2/SSHBruteForce", []string{"TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce"}},
		{"Recon:EC2/PortProbeUnprotectedPort", []string{"TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort"}},
		{"Backdoor:EC2/C&CActivity.B!DNS", []string{"TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"}},
		{"Trojan:EC2/DropPoint!DNS", []string{"Effects/Data Exfiltration/Trojan:EC2-DropPoint!DNS"}},
		{"UnauthorizedAccess:EC2/TorClient", []string{"Effects/Resource Consumption/UnauthorizedAccess:EC2-TorClient"}},
		{"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
			[]string{"Effects/Data Exfiltration/UnauthorizedAccess:IAMUser-InstanceCredentialExfiltration.OutsideAWS"}},
		{"Stealth:IAMUser/CloudTrailLoggingDisabled", []string{"TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled"}},
		{"Policy:IAMUser/RootCredentialUsage",
			[]string{"Software and Configuration Checks/AWS Security Best Practices/Policy:IAMUser-RootCredentialUsage"}},
		{"Behavior:EC2/NetworkPortUnusual", []string{"Unusual Behaviors/VM/Behavior:EC2-NetworkPortUnusual"}},
		{"Discovery:S3/AnomalousBehavior", []string{"TTPs/Discovery/Discovery:S3-AnomalousBehavior",
			"Unusual Behaviors/Data/Discovery:S3-AnomalousBehavior"}},
		{"Exfiltration:S3/ObjectRead.Unusual", []string{"Effects/Data Exfiltration/Exfiltration:S3-ObjectRead.Unusual",
			"Unusual Behaviors/Data/Exfiltration:S3-ObjectRead.Unusual"}},
		{"Execution:Runtime/NewBinaryExecuted", []string{"TTPs/Execution/Execution:Runtime-NewBinaryExecuted"}},
		{"Object:S3/MaliciousFile", []string{"TTPs/Execution/Object:S3-MaliciousFile"}},
		{"Something", []string{"TTPs/Something"}},
		{"", []string{"TTPs/Unknown"}},
	} {
		if got := asffTypes(tc.typ); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("asffTypes(%q) = %q, want %q", tc.typ, got, tc.want)
		}
	}
}

func TestASFFSeverity(t *testing.T) {
	for _, tc := range []struct {
		sev        float64
		label      string
		normalized int
	}{
		{0, "LOW", 1},
		{1, "LOW", 10},
		{2, "LOW", 20},
		{3.9, "LOW", 39},
		{4, "MEDIUM", 40},
		{5, "MEDIUM", 50},
		{6.96, "MEDIUM", 69}, // 69.6 rounds into High's range; kept in the band
		{7, "HIGH", 70},
		{8, "HIGH", 80},
		{8.9, "HIGH", 89},
		{9, "CRITICAL", 90},
		{10, "CRITICAL", 100},
		{12, "CRITICAL", 100},
		{-3, "LOW", 1},
	} {
		got := asffSeverityOf(tc.sev)
		if got.Label != tc.label || got.Normalized != tc.normalized || got.Product != tc.sev {
			t.Errorf("asffSeverityOf(%v) = %+v, want %s/%d", tc.sev, got, tc.label, tc.normalized)
		}
	}
}

func TestProductFieldsLimits(t *testing.T) {
	f := fixture(t, "../finding/testdata/finding.json")
	all := map[string]string{}
	b, _ := json.Marshal(f.Service)
	var v any
	json.Unmarshal(b, &v)
	flatten(all, asffProductFieldKey, v)
	if len(all) <= asffMaxFields {
		t.Fatalf("the fixture flattens to %d fields; the test needs more than %d", len(all), asffMaxFields)
	}
	pf := productFields(f.Service)
	if len(pf) != asffMaxFields {
		t.Fatalf("%d product fields, want %d", len(pf), asffMaxFields)
	}
	for _, k := range []string{"aws/guardduty/service/count", "aws/guardduty/service/detectorId", "aws/guardduty/service/archived",
		"aws/guardduty/service/action/actionType", "aws/guardduty/service/resourceRole"} {
		if _, ok := pf[k]; !ok {
			t.Errorf("shallow key %s was left out", k)
		}
	}
	if got := pf["aws/guardduty/service/evidence/threatIntelligenceDetails.0_/threatListName"]; got != "" && got != "ProofPoint" {
		t.Errorf("array element key holds %q", got)
	}

	long := finding.Service{DetectorID: strings.Repeat("é", 3000), FeatureName: strings.Repeat("x", 10)}
	long.AdditionalInfo = &finding.AdditionalInfo{Type: strings.Repeat("k", 200)}
	pf = productFields(long)
	if d := pf["aws/guardduty/service/detectorId"]; len(d) > asffMaxFieldValue || !utf8.ValidString(d) {
		t.Errorf("long value kept at %d bytes (valid UTF-8: %v)", len(d), utf8.ValidString(d))
	}
	for k := range pf {
		if len(k) > asffMaxFieldKey {
			t.Errorf("key of %d characters kept", len(k))
		}
	}
}

func TestASFFSparseFindingIsValid(t *testing.T) {
	b, err := ASFF(finding.Finding{})
	if err != nil {
		t.Fatal(err)
	}
	a := parseASFF(t, [][]byte{b})[0]
	if a.Id == nil || *a.Id == "" || a.Title == nil || *a.Title == "" || a.Description == nil || *a.Description == "" ||
		a.CreatedAt == nil || a.UpdatedAt == nil || len(a.Resources) != 1 || a.Resources[0].Id == nil || len(a.Types) == 0 {
		t.Errorf("the ASFF of an empty finding lacks required fields: %s", b)
	}
}

func TestASFFNetwork(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want shtypes.Network
	}{
		{"UnauthorizedAccess:EC2/SSHBruteForce", shtypes.Network{Direction: "IN", Protocol: strp("TCP"), DestinationPort: i32p(22)}},
		{"Backdoor:EC2/C&CActivity.B!DNS", shtypes.Network{Direction: "OUT"}},
		{"Recon:EC2/PortProbeUnprotectedPort", shtypes.Network{Direction: "IN"}},
		{"Recon:IAMUser/MaliciousIPCaller", shtypes.Network{Direction: "IN"}},
	} {
		f := sample(t, tc.typ)
		b, err := ASFF(f)
		if err != nil {
			t.Fatal(err)
		}
		got := parseASFF(t, [][]byte{b})[0].Network
		if got == nil {
			t.Errorf("%s: no Network", tc.typ)
			continue
		}
		if got.Direction != tc.want.Direction || (tc.want.Protocol != nil && deref(got.Protocol) != *tc.want.Protocol) ||
			(tc.want.DestinationPort != nil && deref(got.DestinationPort) != *tc.want.DestinationPort) {
			t.Errorf("%s: Network direction %q protocol %q destination port %v, want %q %q %v", tc.typ, got.Direction,
				deref(got.Protocol), deref(got.DestinationPort), tc.want.Direction, deref(tc.want.Protocol), deref(tc.want.DestinationPort))
		}
		remote := ""
		for _, r := range f.RemoteIPs() {
			remote = firstNonEmpty(r.IPAddressV4, r.IPAddressV6)
			break
		}
		src := firstNonEmpty(deref(got.SourceIpV4), deref(got.SourceIpV6), deref(got.DestinationIpV4), deref(got.DestinationIpV6))
		if remote != "" && got.Direction == "IN" && src != remote {
			t.Errorf("%s: inbound source %q, want the remote address %q", tc.typ, src, remote)
		}
		if f.Service.Action.DNSRequestAction != nil && deref(got.DestinationDomain) != f.Service.Action.DNSRequestAction.Domain {
			t.Errorf("%s: DestinationDomain %q, want %q", tc.typ, deref(got.DestinationDomain), f.Service.Action.DNSRequestAction.Domain)
		}
	}
}

func TestASFFMalwareThreats(t *testing.T) {
	f := fixture(t, "../protect/testdata/finding-malicious-file.json")
	b, err := ASFF(f)
	if err != nil {
		t.Fatal(err)
	}
	a := parseASFF(t, [][]byte{b})[0]
	if len(a.Threats) != 1 || deref(a.Threats[0].Name) != "EICAR-Test-File (not a virus)" || deref(a.Threats[0].ItemCount) != 2 ||
		len(a.Threats[0].FilePaths) != 2 || deref(a.Threats[0].FilePaths[0].FilePath) != "incoming/report.zip!eicar.com" {
		t.Errorf("threats %+v", a.Threats)
	}
	var types []string
	for _, r := range a.Resources {
		types = append(types, deref(r.Type)+" "+deref(r.Id))
	}
	want := []string{"AwsS3Bucket arn:aws:s3:::uploads", "AwsS3Object arn:aws:s3:::uploads/incoming/report.zip"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("resources %q, want %q", types, want)
	}
}

func TestUnknownKeysFindsMisspeltKeys(t *testing.T) {
	doc := map[string]any{"Id": "x", "Severty": map[string]any{}, "Resources": []any{map[string]any{"Typ": "x", "Tags": map[string]any{"any": "v"}}}}
	got := unknownKeys(doc, reflect.TypeOf(shtypes.AwsSecurityFinding{}), "", false)
	want := []string{".Resources[].Typ", ".Severty"}
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("unknownKeys (-want +got):\n%s", diff)
	}
}

// goldenCases are the inputs of TestGolden: frozen copies of the finding
// model's example, a Malware Protection finding and three sample findings
// (SSH brute force, port probe, DNS).
var goldenCases = []string{"full", "malicious-file", "ssh-brute", "port-probe", "dns"}

// TestGolden compares the three renderings of testdata/golden/NAME.input.json
// with NAME.FORMAT.json (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, name := range goldenCases {
		f := fixture(t, filepath.Join("testdata", "golden", name+".input.json"))
		for _, fm := range Formats {
			b, err := fm.Render(f)
			if err != nil {
				t.Fatalf("%s %s: %v", name, fm, err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s %s: %v", name, fm, err)
			}
			got, _ := json.MarshalIndent(v, "", "  ")
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name+"."+string(fm)+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		}
	}
}

func strp(s string) *string { return &s }
func i32p(n int32) *int32   { return &n }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
