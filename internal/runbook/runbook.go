// Package runbook holds a short runbook for every finding type Vigil
// produces: what the finding means, how to investigate it and how to
// respond. Slack messages, the console and "vigil detectors show TYPE"
// show it.
//
// The package is static text: it must never import the detectors or any
// other part of Vigil, so that every surface can import it. Its tests check
// that the runbooks and the finding types Vigil produces match one for one.
package runbook

import (
	"fmt"
	"slices"
)

// Runbook is the guidance for one finding type.
type Runbook struct {
	Type        string   // the finding type, such as "Recon:EC2/PortProbeUnprotectedPort"
	Meaning     string   // one or two sentences: what happened and why it matters
	Investigate []string // steps, in order
	Respond     []string // steps, in order
}

// For returns the runbook for a finding type. The step slices are the
// caller's own: changing them does not change the next caller's runbook.
func For(findingType string) (Runbook, bool) {
	rb, ok := runbooks[findingType]
	if ok {
		rb.Type = findingType
		rb.Investigate = slices.Clone(rb.Investigate)
		rb.Respond = slices.Clone(rb.Respond)
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

// add registers runbooks from a family file's init. A duplicate or empty
// type is a programming error and panics.
func add(rbs ...Runbook) {
	for _, rb := range rbs {
		if rb.Type == "" {
			panic("runbook: runbook without a type")
		}
		if _, dup := runbooks[rb.Type]; dup {
			panic(fmt.Sprintf("runbook: %q added twice", rb.Type))
		}
		runbooks[rb.Type] = rb
	}
}

// steps joins step lists; family files use it to put a type's own steps
// before or after the steps it shares with its family.
func steps(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
