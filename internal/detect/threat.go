package detect

import (
	"slices"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// s3DataAPIs are S3 APIs that are always data events, for records that
// predate the managementEvent field.
var s3DataAPIs = map[string]bool{
	"GetObject": true, "PutObject": true, "HeadObject": true, "CopyObject": true, "DeleteObject": true,
	"DeleteObjects": true, "ListObjects": true, "ListObjectsV2": true, "ListObjectVersions": true,
	"GetObjectAcl": true, "PutObjectAcl": true, "GetObjectTagging": true, "PutObjectTagging": true,
	"CreateMultipartUpload": true, "UploadPart": true, "CompleteMultipartUpload": true, "SelectObjectContent": true,
}

// IsS3DataEvent reports whether c is an S3 data event (object-level API).
func IsS3DataEvent(c *event.APICall) bool {
	return c.EventSource == "s3.amazonaws.com" && (!c.Management || s3DataAPIs[c.Name])
}

// OfFamily returns the matches of family fam, nil if none.
func OfFamily(ms []intel.Match, fam intel.Family) []intel.Match {
	var out []intel.Match
	for _, m := range ms {
		if m.Family == fam {
			out = append(out, m)
		}
	}
	return out
}

// WithThreatIntel records on f the threat lists that matched, as GuardDuty
// does: service.evidence.threatIntelligenceDetails (one entry per list
// with its threat names) and service.additionalInfo with threatListName
// and threatName of the first list (extra carries more fields).
func WithThreatIntel(f *finding.Finding, ms []intel.Match, extra map[string]any) {
	var details []finding.ThreatIntelligenceDetail
	for _, m := range ms {
		i := slices.IndexFunc(details, func(d finding.ThreatIntelligenceDetail) bool { return d.ThreatListName == m.ListName })
		if i < 0 {
			details = append(details, finding.ThreatIntelligenceDetail{ThreatListName: m.ListName})
			i = len(details) - 1
		}
		if m.ThreatName != "" && !slices.Contains(details[i].ThreatNames, m.ThreatName) {
			details[i].ThreatNames = append(details[i].ThreatNames, m.ThreatName)
		}
	}
	if len(details) == 0 {
		return
	}
	f.Service.Evidence = &finding.Evidence{ThreatIntelligenceDetails: details}
	info := map[string]any{"threatListName": details[0].ThreatListName}
	if len(details[0].ThreatNames) > 0 {
		info["threatName"] = details[0].ThreatNames[0]
	}
	for k, v := range extra {
		info[k] = v
	}
	f.Service.AdditionalInfo = Info(info)
}

// ThreatCallKey is the aggregation key of threat-intelligence findings on
// API calls: the principal and the caller's address, so that every call a
// principal makes from one listed address counts on one finding.
func ThreatCallKey(ev *event.Event) string {
	return Principal(ev.Actor) + "|" + ev.SourceIP.String()
}

// ThreatCallFinding returns an API-call finding of type typ for ev, with
// the matching lists recorded as evidence. what names the call in the
// title, such as "API" or "S3 API".
func ThreatCallFinding(typ string, ev *event.Event, ms []intel.Match, what, listKind string) finding.Finding {
	f := APICallFinding(typ, ev, nil)
	f.AggregationKey = ThreatCallKey(ev)
	api := what + " " + ev.API.Name
	f.Title = api + " was invoked from " + listKind + " " + ev.SourceIP.String() + "."
	f.Description = api + " was invoked by " + Caller(ev.Actor) + " from IP address " + ev.SourceIP.String() +
		", which is on " + listKind + " list " + ms[0].ListName + "."
	WithThreatIntel(&f, ms, nil)
	return f
}
