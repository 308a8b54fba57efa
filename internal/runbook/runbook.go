// Package runbook holds a short runbook for every finding type Vigil
// produces: what the finding means, how to investigate it and how to
// respond. Slack messages, the console and "vigil detectors show TYPE"
// show it.
package runbook

// Runbook is the guidance for one finding type.
type Runbook struct {
	Type        string   // the finding type, such as "Recon:EC2/PortProbeUnprotectedPort"
	Meaning     string   // one or two sentences: what happened and why it matters
	Investigate []string // steps, in order
	Respond     []string // steps, in order
}

// For returns the runbook for a finding type.
func For(findingType string) (Runbook, bool) {
	rb, ok := runbooks[findingType]
	if ok {
		rb.Type = findingType
	}
	return rb, ok
}

// Types returns every finding type with a runbook.
func Types() []string {
	out := make([]string, 0, len(runbooks))
	for t := range runbooks {
		out = append(out, t)
	}
	return out
}

// runbooks is filled in runbooks_*.go, keyed by finding type.
var runbooks = map[string]Runbook{}
