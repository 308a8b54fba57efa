package all

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TestDefinitionsComplete checks that every registered finding type is
// fully declared, so "vigil detectors list" never prints a blank column.
func TestDefinitionsComplete(t *testing.T) {
	dets := detect.Registered()
	if len(dets) == 0 {
		t.Fatal("no detectors registered")
	}
	defs := detect.Definitions(dets)
	seen := map[string]bool{}
	for _, def := range defs {
		if seen[def.Type] {
			t.Errorf("type %s declared twice", def.Type)
		}
		seen[def.Type] = true
		for field, v := range map[string]string{
			"Type": def.Type, "Tactic": def.Tactic, "DataSource": def.DataSource, "Logic": def.Logic,
			"Key": def.Key, "Title": def.Title, "Description": def.Description,
		} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", def.Type, field)
			}
		}
		if def.Severity < 1 || def.Severity > 10 {
			t.Errorf("%s: severity %v outside 1-10", def.Type, def.Severity)
		}
		if !strings.Contains(def.Type, ":") || !strings.Contains(def.Type, "/") {
			t.Errorf("%s: not a ThreatPurpose:ResourceType/ThreatFamily type", def.Type)
		}
	}
	for _, d := range dets {
		if d.Name == "" || d.Detect == nil || len(d.Kinds) == 0 || len(d.Types) == 0 {
			t.Errorf("detector %q: incomplete (kinds %v, %d types, Detect set %v)", d.Name, d.Kinds, len(d.Types), d.Detect != nil)
		}
	}
}

// TestSpecTypes checks that every type of the detector spec is registered
// with its default severity.
func TestSpecTypes(t *testing.T) {
	want := map[string]float64{
		"Policy:IAMUser/RootCredentialUsage":                           2,
		"Policy:IAMUser/ShortTermRootCredentialUsage":                  2,
		"Stealth:IAMUser/CloudTrailLoggingDisabled":                    2,
		"Stealth:IAMUser/PasswordPolicyChange":                         2,
		"Policy:S3/BucketBlockPublicAccessDisabled":                    2,
		"Policy:S3/AccountBlockPublicAccessDisabled":                   2,
		"Policy:S3/BucketAnonymousAccessGranted":                       8,
		"Policy:S3/BucketPublicAccessGranted":                          8,
		"Stealth:S3/ServerAccessLoggingDisabled":                       2,
		"PenTest:IAMUser/KaliLinux":                                    5,
		"PenTest:IAMUser/ParrotLinux":                                  5,
		"PenTest:IAMUser/PentooLinux":                                  5,
		"PenTest:S3/KaliLinux":                                         5,
		"PenTest:S3/ParrotLinux":                                       5,
		"PenTest:S3/PentooLinux":                                       5,
		"DefenseImpairment:EC2/DisableOrModifyTools":                   8,
		"DefenseImpairment:Route53Resolver/DisableOrModifyTools":       5,
		"DefenseImpairment:GuardDuty/DisableOrModifyTools":             8,
		"DefenseImpairment:Organizations/ModifyCloudResourceHierarchy": 8,
	}
	dets := detect.Registered()
	for typ, sev := range want {
		def, _, ok := detect.Lookup(dets, typ)
		if !ok {
			t.Errorf("%s is not registered", typ)
			continue
		}
		if def.Severity != sev {
			t.Errorf("%s: severity %v, want %v", typ, def.Severity, sev)
		}
	}
}

// TestSamples checks that every registered type has a complete sample
// finding, as CreateSampleFindings would make it.
func TestSamples(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dets := detect.Registered()
	ids := map[string]string{}
	for _, def := range detect.Definitions(dets) {
		_, d, _ := detect.Lookup(dets, def.Type)
		f := detect.SampleFinding(d, def, "111122223333", "eu-west-1", detect.DefaultDetectorID, now)
		t.Run(def.Type, func(t *testing.T) {
			checkSample(t, def, f)
			if other, dup := ids[f.ID]; dup {
				t.Errorf("id %s also used by %s", f.ID, other)
			}
			ids[f.ID] = def.Type
		})
	}
}

func checkSample(t *testing.T, def detect.Definition, f finding.Finding) {
	t.Helper()
	if f.Type != def.Type || f.AccountID != "111122223333" || f.Region != "eu-west-1" || f.Severity == 0 {
		t.Errorf("type %q account %q region %q severity %v", f.Type, f.AccountID, f.Region, f.Severity)
	}
	if !strings.HasPrefix(f.Title, "[SAMPLE] ") || len(f.Title) <= len("[SAMPLE] ") || f.Description == "" {
		t.Errorf("title %q, description %q", f.Title, f.Description)
	}
	if len(f.ID) != 32 || !strings.HasSuffix(f.Arn, ":111122223333:detector/"+detect.DefaultDetectorID+"/finding/"+f.ID) || f.SchemaVersion != "2.0" {
		t.Errorf("id %q arn %q schemaVersion %q", f.ID, f.Arn, f.SchemaVersion)
	}
	r := f.Resource
	switch r.ResourceType {
	case finding.ResourceInstance:
		if r.InstanceDetails == nil {
			t.Errorf("Instance resource without instanceDetails")
		}
	case finding.ResourceLambda:
		if r.LambdaDetails == nil || r.LambdaDetails.FunctionName == "" {
			t.Errorf("Lambda resource without lambdaDetails: %+v", r)
		}
	default:
		if r.ResourceType == "" || r.AccessKeyDetails == nil || r.AccessKeyDetails.PrincipalID == "" {
			t.Errorf("resource = %+v", r)
		}
	}
	if r.ResourceType == finding.ResourceS3Bucket && strings.Contains(def.Type, "Bucket") && len(r.S3BucketDetails) == 0 {
		t.Errorf("S3Bucket resource without s3BucketDetails")
	}
	a := f.Service.Action
	switch {
	case a == nil:
		t.Errorf("no action")
	case a.ActionType == finding.ActionAWSAPICall:
		if c := a.AwsAPICallAction; c == nil || c.API == "" || c.ServiceName == "" || c.RemoteIPDetails == nil {
			t.Errorf("action = %+v", a)
		}
	case a.ActionType == finding.ActionNetworkConnection:
		if c := a.NetworkConnectionAction; c == nil || c.RemoteIPDetails == nil || c.LocalPortDetails == nil || c.ConnectionDirection == "" {
			t.Errorf("networkConnectionAction = %+v", c)
		}
	case a.ActionType == finding.ActionPortProbe:
		if a.PortProbeAction == nil || len(a.PortProbeAction.PortProbeDetails) == 0 {
			t.Errorf("portProbeAction = %+v", a.PortProbeAction)
		}
	case a.ActionType == finding.ActionDNSRequest:
		if a.DNSRequestAction == nil || a.DNSRequestAction.Domain == "" {
			t.Errorf("dnsRequestAction = %+v", a.DNSRequestAction)
		}
	default:
		t.Errorf("action type %q", a.ActionType)
	}
	var info map[string]any
	if f.Service.AdditionalInfo == nil || json.Unmarshal([]byte(f.Service.AdditionalInfo.Value), &info) != nil || info["sample"] != true {
		t.Errorf("additionalInfo = %+v, want sample true", f.Service.AdditionalInfo)
	}
	if role := f.Service.ResourceRole; f.Service.Count != 1 || f.Service.ServiceName != "guardduty" || (role != "TARGET" && role != "ACTOR") || f.Service.EventFirstSeen.IsZero() {
		t.Errorf("service = %+v", f.Service)
	}
}
