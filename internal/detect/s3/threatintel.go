package s3

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Threat-intelligence finding types on S3 data events.
const (
	TypeDiscoveryMalicious       = "Discovery:S3/MaliciousIPCaller"
	TypeDiscoveryMaliciousCustom = "Discovery:S3/MaliciousIPCaller.Custom"
	TypeDiscoveryTor             = "Discovery:S3/TorIPCaller"
	TypeExfiltrationMalicious    = "Exfiltration:S3/MaliciousIPCaller"
	TypeImpactMalicious          = "Impact:S3/MaliciousIPCaller"
	TypeAccessMaliciousCustom    = "UnauthorizedAccess:S3/MaliciousIPCaller.Custom"
	TypeAccessTor                = "UnauthorizedAccess:S3/TorIPCaller"
)

// s3Purpose is what an S3 data API is commonly used for.
type s3Purpose int

const (
	purposeDiscovery s3Purpose = iota
	purposeExfiltration
	purposeImpact
)

// exfiltrationAPIs read object content; other read-only APIs discover.
var exfiltrationAPIs = map[string]bool{
	"GetObject": true, "SelectObjectContent": true, "GetObjectTorrent": true, "CopyObject": true, "UploadPartCopy": true,
}

// purposeOf classifies an S3 data event: object reads are exfiltration,
// other reads (List*, Head*, Get* of metadata) discovery, writes and
// deletes impact.
func purposeOf(c *event.APICall) s3Purpose {
	switch {
	case exfiltrationAPIs[c.Name]:
		return purposeExfiltration
	case c.ReadOnly || hasReadPrefix(c.Name):
		return purposeDiscovery
	}
	return purposeImpact
}

func hasReadPrefix(name string) bool {
	for _, p := range []string{"List", "Head", "Get"} {
		if len(name) > len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

// s3TIType returns the finding type for a family and purpose; "" when
// GuardDuty defines none (custom and Tor lists have two types each).
func s3TIType(fam intel.Family, p s3Purpose) string {
	switch fam {
	case intel.FamilyMalicious:
		return [...]string{TypeDiscoveryMalicious, TypeExfiltrationMalicious, TypeImpactMalicious}[p]
	case intel.FamilyCustom:
		if p == purposeDiscovery {
			return TypeDiscoveryMaliciousCustom
		}
		return TypeAccessMaliciousCustom
	case intel.FamilyTor:
		if p == purposeDiscovery {
			return TypeDiscoveryTor
		}
		return TypeAccessTor
	}
	return ""
}

func init() {
	const src = "CloudTrail data events for S3"
	const key = "principal (accessKeyId, else principalId) + caller IP address"
	const custom = "a user's threat list (intel.threat_lists)"
	const malicious = "an open malicious-host feed (Spamhaus DROP/EDROP, URLhaus...) or a list of family malicious"
	const tor = "the Tor exit-node list"
	discovery := "S3 data event that discovers (read-only List*, Head*, Get* of metadata)"
	exfil := "S3 data event that reads object content (GetObject, SelectObjectContent, GetObjectTorrent, CopyObject, UploadPartCopy)"
	impact := "S3 data event that writes or deletes (PutObject, DeleteObject(s), ACL and tag changes...)"
	notDiscovery := "S3 data event other than discovery (reads of object content, writes, deletes)"
	def := func(typ string, sev float64, tactic, what, list string) detect.Definition {
		return detect.Definition{
			Type: typ, Severity: sev, Tactic: tactic, DataSource: src, Key: key,
			Logic:       what + " whose caller IP is on " + list + ". Failed calls count. Trusted-list addresses never match.",
			Title:       "An S3 API was invoked from an IP address on " + list + ".",
			Description: "An S3 API was invoked from an IP address on " + list + ".",
		}
	}
	detect.Register(&detect.Detector{
		Name:  "s3.threat_intel_caller",
		Kinds: apiCalls,
		Types: []detect.Definition{
			def(TypeDiscoveryMalicious, finding.SeverityHigh, "Discovery", discovery, malicious),
			def(TypeExfiltrationMalicious, finding.SeverityHigh, "Exfiltration", exfil, malicious),
			def(TypeImpactMalicious, finding.SeverityHigh, "Impact", impact, malicious),
			def(TypeDiscoveryMaliciousCustom, finding.SeverityHigh, "Discovery", discovery, custom),
			def(TypeAccessMaliciousCustom, finding.SeverityHigh, "Initial Access", notDiscovery, custom),
			def(TypeDiscoveryTor, finding.SeverityMedium, "Discovery", discovery, tor),
			def(TypeAccessTor, finding.SeverityHigh, "Initial Access", notDiscovery, tor),
		},
		Sample: sampleS3ThreatIntel,
		Detect: detectS3ThreatIntel,
	})
}

func detectS3ThreatIntel(ctx *detect.Context, ev *event.Event) []finding.Finding {
	if ev.API == nil || !detect.IsS3DataEvent(ev.API) || !ev.SourceIP.IsValid() {
		return nil
	}
	ms := ctx.Intel.ThreatIP(ev.SourceIP)
	if len(ms) == 0 {
		return nil
	}
	return s3ThreatFindings(ev, ms)
}

var listWords = map[intel.Family]string{
	intel.FamilyCustom: "a custom threat list address", intel.FamilyMalicious: "a known malicious IP address", intel.FamilyTor: "a Tor exit node",
}

func s3ThreatFindings(ev *event.Event, ms []intel.Match) []finding.Finding {
	var out []finding.Finding
	p := purposeOf(ev.API)
	var params bucketParams
	detect.Params(ev, &params)
	for _, fam := range []intel.Family{intel.FamilyCustom, intel.FamilyMalicious, intel.FamilyTor} {
		fm := detect.OfFamily(ms, fam)
		if len(fm) == 0 {
			continue
		}
		typ := s3TIType(fam, p)
		f := detect.ThreatCallFinding(typ, ev, fm, "S3 API", listWords[fam])
		if params.BucketName != "" {
			b := bucketFinding(typ, ev, params.BucketName)
			f.Resource = b.Resource
			f.Service.Action.AwsAPICallAction.AffectedResources = b.Service.Action.AwsAPICallAction.AffectedResources
			f.AggregationKey += "|" + params.BucketName
		}
		out = append(out, f)
	}
	return out
}

func sampleS3ThreatIntel(typ string) finding.Finding {
	for _, fam := range []intel.Family{intel.FamilyCustom, intel.FamilyMalicious, intel.FamilyTor} {
		for p, api := range []string{"ListObjects", "GetObject", "DeleteObject"} {
			if s3TIType(fam, s3Purpose(p)) != typ {
				continue
			}
			ev := detect.SampleEvent(s3Source, api, `{"bucketName":"sample-data-bucket","key":"reports/2024/q1.csv"}`)
			ev.API.Management, ev.API.ReadOnly = false, p != int(purposeImpact)
			return s3ThreatFindings(ev, []intel.Match{{ListName: "SampleThreatList", ThreatName: "Scanner", Family: fam}})[0]
		}
	}
	return finding.Finding{}
}
