package iam

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Threat-intelligence finding types on management events.
const (
	TypeReconMalicious        = "Recon:IAMUser/MaliciousIPCaller"
	TypeReconMaliciousCustom  = "Recon:IAMUser/MaliciousIPCaller.Custom"
	TypeReconTor              = "Recon:IAMUser/TorIPCaller"
	TypeAccessMalicious       = "UnauthorizedAccess:IAMUser/MaliciousIPCaller"
	TypeAccessMaliciousCustom = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
	TypeAccessTor             = "UnauthorizedAccess:IAMUser/TorIPCaller"
)

// tiRule maps a list family to the finding types of recon (read) and
// other calls.
type tiRule struct {
	family       intel.Family
	recon, other string
	listKind     string // words for titles: "a known malicious IP address"
}

var tiRules = []tiRule{
	{intel.FamilyCustom, TypeReconMaliciousCustom, TypeAccessMaliciousCustom, "custom threat list address"},
	{intel.FamilyMalicious, TypeReconMalicious, TypeAccessMalicious, "known malicious IP address"},
	{intel.FamilyTor, TypeReconTor, TypeAccessTor, "Tor exit node"},
}

const tiKey = "principal (accessKeyId, else principalId) + caller IP address"

func init() {
	recon := "A management API that lists or describes resources (read-only, or named List*, Describe*, Get*, Head*) "
	other := "A management API that changes resources or access (not read-only) "
	var defs []detect.Definition
	for _, r := range tiRules {
		src := map[intel.Family]string{
			intel.FamilyCustom:    "whose caller IP is on a user's threat list (intel.threat_lists; a ThreatIntelSet)",
			intel.FamilyMalicious: "whose caller IP is on an open malicious-host feed (Spamhaus DROP/EDROP, URLhaus...) or a list of family malicious",
			intel.FamilyTor:       "whose caller IP is on the Tor exit-node list (intel.feeds kind tor)",
		}[r.family]
		defs = append(defs, detect.Definition{
			Type: r.recon, Severity: finding.SeverityMedium, Tactic: "Discovery", DataSource: dataSource,
			Logic: recon + src + ". Failed calls count. Trusted-list addresses never match.", Key: tiKey,
			Title:       "An API was invoked from a " + r.listKind + ".",
			Description: "An API commonly used to discover resources was invoked from a " + r.listKind + ".",
		}, detect.Definition{
			Type: r.other, Severity: finding.SeverityMedium, Tactic: "Initial Access", DataSource: dataSource,
			Logic: other + src + ". Failed calls count. Trusted-list addresses never match.", Key: tiKey,
			Title:       "An API was invoked from a " + r.listKind + ".",
			Description: "An API that changes resources or access was invoked from a " + r.listKind + ".",
		})
	}
	detect.Register(&detect.Detector{
		Name: "iam.threat_intel_caller", Kinds: apiCalls, Types: defs, Sample: sampleThreatIntel, Detect: detectThreatIntel,
	})
}

func detectThreatIntel(ctx *detect.Context, ev *event.Event) []finding.Finding {
	if ev.API == nil || detect.IsS3DataEvent(ev.API) || !ev.SourceIP.IsValid() {
		return nil
	}
	ms := ctx.Intel.ThreatIP(ev.SourceIP)
	if len(ms) == 0 {
		return nil
	}
	return threatIntelFindings(ev, ms)
}

func threatIntelFindings(ev *event.Event, ms []intel.Match) []finding.Finding {
	var out []finding.Finding
	for _, r := range tiRules {
		fm := detect.OfFamily(ms, r.family)
		if len(fm) == 0 {
			continue
		}
		typ := r.other
		if IsReconCall(ev.API) {
			typ = r.recon
		}
		out = append(out, detect.ThreatCallFinding(typ, ev, fm, "API", "a "+r.listKind))
	}
	return out
}

// IsReconCall reports whether a call lists or describes resources: it is
// read-only or named like a read (List*, Describe*, Get*, Head*).
func IsReconCall(c *event.APICall) bool {
	if c.ReadOnly {
		return true
	}
	for _, p := range []string{"List", "Describe", "Get", "Head"} {
		if strings.HasPrefix(c.Name, p) {
			return true
		}
	}
	return false
}

func sampleThreatIntel(typ string) finding.Finding {
	ev := detect.SampleEvent("ec2.amazonaws.com", "RunInstances", `{"instanceType":"p4d.24xlarge"}`)
	for _, r := range tiRules {
		if typ == r.recon {
			ev = detect.SampleEvent("iam.amazonaws.com", "ListUsers", "")
			ev.API.ReadOnly = true
		}
		if typ == r.recon || typ == r.other {
			ms := []intel.Match{{ListName: "SampleThreatList", ThreatName: "Scanner", Family: r.family}}
			return threatIntelFindings(ev, ms)[0]
		}
	}
	return finding.Finding{}
}
