// Package defense holds the built-in detectors for the DefenseImpairment
// finding types of GuardDuty's custom detection rules: single CloudTrail
// management events that switch off or weaken a defense (flow logs, DNS
// query logs, GuardDuty itself, the organization's hierarchy). Each finding
// names the signal that fired in service.additionalInfo, such as
// {"signal":"VPCFlowLogsDeleted"}. Each detector registers itself in init;
// import the package (or internal/detect/all) for its side effects.
//
// The detectors are stateless and never perform I/O or mutate the event.
package defense

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

const (
	dataSource = "CloudTrail management events"
	tactic     = "Defense Evasion"
)

// signal is one rule of a finding type: APIs of one service that impair a
// defense when called (successfully, unless anyOutcome).
type signal struct {
	name       string // such as "VPCFlowLogsDeleted"
	severity   float64
	source     string   // eventSource
	apis       []string // eventNames
	anyOutcome bool     // failed calls count too (an attempt is enough)
	// match, when set, further restricts the calls that fire.
	match func(ev *event.Event) bool
	// resources returns the affected resources and the one to name in the
	// title ("" when unknown).
	resources func(ev *event.Event) (map[string]string, string)
	// title describes what happened, given the named resource.
	title  func(res string) string
	impact string // one sentence on why it matters
	sample string // request parameters of the sample finding
}

func (s *signal) fires(ev *event.Event) bool {
	c := ev.API
	if c == nil || c.EventSource != s.source || (c.Failed() && !s.anyOutcome) {
		return false
	}
	for _, a := range s.apis {
		if c.Name == a {
			return s.match == nil || s.match(ev)
		}
	}
	return false
}

func (s *signal) finding(typ string, ev *event.Event) finding.Finding {
	affected, res := s.resources(ev)
	f := detect.APICallFinding(typ, ev, affected)
	f.Severity = s.severity
	f.Title = s.title(res)
	f.Description = strings.TrimSuffix(f.Title, ".") + " by " + detect.Caller(ev.Actor) + " calling " + ev.API.Name +
		detect.From(ev) + " (signal " + s.name + ")."
	if ev.API.Failed() {
		f.Description += " The call failed with " + ev.API.ErrorCode + ", but the attempt alone is suspicious."
	}
	f.Description += " " + s.impact
	f.Service.AdditionalInfo = detect.Info(map[string]string{"signal": s.name})
	return f
}

// register registers a detector for one finding type and its signals.
func register(name string, def detect.Definition, signals []signal) {
	detect.Register(&detect.Detector{
		Name:  name,
		Kinds: []event.Kind{event.KindAPICall},
		Types: []detect.Definition{def},
		Sample: func(string) finding.Finding {
			s := &signals[0]
			return s.finding(def.Type, detect.SampleEvent(s.source, s.apis[0], s.sample))
		},
		Detect: func(_ *detect.Context, ev *event.Event) []finding.Finding {
			for i := range signals {
				if s := &signals[i]; s.fires(ev) {
					return []finding.Finding{s.finding(def.Type, ev)}
				}
			}
			return nil
		},
	})
}

// param looks up request (else response) string parameters given as
// pairs of parameter name and resource type, and returns them as affected
// resources with the first one found, to name in the title.
func param(ev *event.Event, pairs ...string) (map[string]string, string) {
	var req, resp map[string]any
	detect.Params(ev, &req)
	detect.Response(ev, &resp)
	out, first := map[string]string{}, ""
	for i := 0; i+1 < len(pairs); i += 2 {
		v, _ := req[pairs[i]].(string)
		if v == "" {
			v, _ = resp[pairs[i]].(string)
		}
		if v == "" {
			continue
		}
		out[pairs[i+1]] = v
		if first == "" {
			first = v
		}
	}
	return out, first
}

// named returns "<what> <res>" or "<what>" when res is unknown.
func named(what, res string) string {
	if res == "" {
		return what
	}
	return what + " " + res
}
