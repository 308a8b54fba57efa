package iam

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TypeCloudTrailLoggingDisabled is the finding type of the trail detector.
const TypeCloudTrailLoggingDisabled = "Stealth:IAMUser/CloudTrailLoggingDisabled"

// resTrail is the affected-resource key of a trail.
const resTrail = "AWS::CloudTrail::Trail"

func init() {
	detect.Register(&detect.Detector{
		Name:  "iam.cloudtrail_logging_disabled",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type:       TypeCloudTrailLoggingDisabled,
			Severity:   finding.SeverityLow,
			Tactic:     "Defense Evasion",
			DataSource: dataSource,
			Logic: "Successful cloudtrail StopLogging or DeleteTrail; PutEventSelectors leaving no selector that logs management events; " +
				"UpdateTrail setting isMultiRegionTrail or includeGlobalServiceEvents to false.",
			Key:         "principal (accessKeyId, else principalId) + API name + trail (AWS::CloudTrail::Trail)",
			Title:       "AWS CloudTrail logging was disabled.",
			Description: "A CloudTrail trail was stopped, deleted or changed so that it no longer records management events everywhere. This can be an attacker's attempt to cover their tracks.",
		}},
		Sample: func(string) finding.Finding {
			return trailFinding(detect.SampleEvent("cloudtrail.amazonaws.com", "StopLogging", `{"name":"management-events"}`), "management-events")
		},
		Detect: detectTrail,
	})
}

// trailParams are the request parameters of the trail APIs that matter.
type trailParams struct {
	Name                       string       `json:"name"`
	TrailName                  string       `json:"trailName"`
	IsMultiRegionTrail         *detect.Bool `json:"isMultiRegionTrail"`
	IncludeGlobalServiceEvents *detect.Bool `json:"includeGlobalServiceEvents"`
	EventSelectors             []struct {
		ReadWriteType           string       `json:"readWriteType"`
		IncludeManagementEvents *detect.Bool `json:"includeManagementEvents"`
	} `json:"eventSelectors"`
	AdvancedEventSelectors []struct {
		FieldSelectors []struct {
			Field  string         `json:"field"`
			Equals detect.Strings `json:"equals"`
		} `json:"fieldSelectors"`
	} `json:"advancedEventSelectors"`
}

func detectTrail(_ *detect.Context, ev *event.Event) []finding.Finding {
	c := ev.API
	if c == nil || c.EventSource != "cloudtrail.amazonaws.com" || c.Failed() {
		return nil
	}
	var p trailParams
	switch c.Name {
	case "StopLogging", "DeleteTrail":
		detect.Params(ev, &p)
	case "PutEventSelectors":
		if !detect.Params(ev, &p) || !stopsManagementEvents(&p) {
			return nil
		}
	case "UpdateTrail":
		if !detect.Params(ev, &p) || !isFalse(p.IsMultiRegionTrail) && !isFalse(p.IncludeGlobalServiceEvents) {
			return nil
		}
	default:
		return nil
	}
	trail := p.Name
	if trail == "" {
		trail = p.TrailName
	}
	return []finding.Finding{trailFinding(ev, trail)}
}

// stopsManagementEvents reports whether new event selectors log no
// management events at all.
func stopsManagementEvents(p *trailParams) bool {
	if len(p.AdvancedEventSelectors) > 0 {
		for _, s := range p.AdvancedEventSelectors {
			for _, fs := range s.FieldSelectors {
				if strings.EqualFold(fs.Field, "eventCategory") && fs.Equals.Contains("Management") {
					return false
				}
			}
		}
		return true
	}
	if p.EventSelectors == nil {
		return false // neither kind of selector: nothing we can judge
	}
	for _, s := range p.EventSelectors {
		logs := s.IncludeManagementEvents == nil || bool(*s.IncludeManagementEvents)
		if logs && !strings.EqualFold(s.ReadWriteType, "None") {
			return false
		}
	}
	return true
}

func isFalse(b *detect.Bool) bool { return b != nil && !bool(*b) }

func trailFinding(ev *event.Event, trail string) finding.Finding {
	var affected map[string]string
	what := "AWS CloudTrail logging"
	if trail != "" {
		affected = map[string]string{resTrail: trail}
		what = "AWS CloudTrail trail " + trail
	}
	f := detect.APICallFinding(TypeCloudTrailLoggingDisabled, ev, affected)
	f.Title = what + " was disabled."
	f.Description = what + " was disabled by " + detect.Caller(ev.Actor) +
		" calling " + ev.API.Name + detect.From(ev) +
		". This can be an attacker's attempt to cover their tracks by eliminating any trace of activity performed while they accessed your account."
	return f
}
