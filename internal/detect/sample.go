package detect

import (
	"net/netip"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// SamplePrefix starts the title of every sample finding, as in GuardDuty.
const SamplePrefix = "[SAMPLE] "

// Fictitious but realistic values used by sample findings (documentation
// ranges and AWS's own example key).
const (
	SampleAccount   = "123456789012"
	SampleRegion    = "us-east-1"
	SampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	SamplePrincipal = "AIDAJQABLZS4A3QDU576Q"
	SampleUserName  = "sample-user"
	SampleUserAgent = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023"
)

// SampleIP is the documentation address sample findings are "called" from.
var SampleIP = netip.MustParseAddr("198.51.100.23")

// SampleEvent returns a fictitious successful API call by an IAM user, for
// Detector.Sample functions that run their own finding builders on it.
// requestParameters is a JSON object or "".
func SampleEvent(eventSource, api, requestParameters string) *event.Event {
	ev := &event.Event{
		Kind:      event.KindAPICall,
		Time:      time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC),
		Account:   SampleAccount,
		Region:    SampleRegion,
		Source:    "cloudtrail",
		SourceIP:  SampleIP,
		UserAgent: SampleUserAgent,
		Actor: &event.Actor{
			Type:        "IAMUser",
			PrincipalID: SamplePrincipal,
			ARN:         "arn:aws:iam::" + SampleAccount + ":user/" + SampleUserName,
			AccountID:   SampleAccount,
			AccessKeyID: SampleAccessKey,
			UserName:    SampleUserName,
		},
		API: &event.APICall{
			EventType:          "AwsApiCall",
			EventSource:        eventSource,
			Name:               api,
			Management:         true,
			RecipientAccountID: SampleAccount,
		},
	}
	if requestParameters != "" {
		ev.API.RequestParameters = []byte(requestParameters)
	}
	return ev
}

// SampleFinding returns one sample finding of def's type, as GuardDuty's
// CreateSampleFindings makes: the title starts with "[SAMPLE] ", details
// are fictitious, service.additionalInfo carries {"sample":true}, and the
// id and ARN are filled by Finish. It uses d.Sample when the detector
// provides one, else a generic API-call finding.
func SampleFinding(d *Detector, def Definition, account, region, detectorID string, now time.Time) finding.Finding {
	var f finding.Finding
	if d != nil && d.Sample != nil {
		f = d.Sample(def.Type)
	}
	if f.Resource.ResourceType == "" {
		f = APICallFinding(def.Type, SampleEvent("sts.amazonaws.com", "GetCallerIdentity", ""), nil)
	}
	f.Type = def.Type
	if f.Severity == 0 {
		f.Severity = def.Severity
	}
	if f.Title == "" {
		f.Title = def.Title
	}
	if !strings.HasPrefix(f.Title, SamplePrefix) {
		f.Title = SamplePrefix + f.Title
	}
	if f.Description == "" {
		f.Description = def.Description
	}
	f.AccountID = account
	f.Region = region
	f.AggregationKey = "sample|" + def.Type
	f.Service.AdditionalInfo = sampleInfo(f.Service.AdditionalInfo)
	f.Service.Count = 0
	Finish(&f, detectorID, Partition(region), now, now)
	return f
}

// sampleInfo adds "sample": true to a detector's additional info (keeping
// details such as the signal name), or returns {"sample":true}.
func sampleInfo(in *finding.AdditionalInfo) *finding.AdditionalInfo {
	m := map[string]any{}
	if in != nil && in.Value != "" {
		if json.Unmarshal([]byte(in.Value), &m) != nil {
			m = map[string]any{}
		}
	}
	m["sample"] = true
	return Info(m)
}
