package cloudtrail

import (
	"bytes"
)

var (
	keyEventVersion = []byte(`"eventVersion"`)
	lineStart       = []byte("\n{")
)

// resync finds where records start again after damage. CloudTrail writes
// "eventVersion" first in every record, so `{"eventVersion"` (with any
// space between) marks a record start in delivery files and arrays; in
// one-record-per-line files a '{' at the start of a line does. Searches
// only move forward, so each remembers its last answer.
type resync struct {
	ev, line     int // last candidate found, or -1 for none after from
	evOK, lineOK bool
	evFrom       int
	lineFrom     int
}

// next returns the start of the first record at or after from, or -1.
func (r *resync) next(b []byte, from int) int {
	if !r.evOK || from < r.evFrom || (r.ev >= 0 && r.ev < from) {
		r.ev, r.evFrom, r.evOK = nextEventVersion(b, from), from, true
	}
	if !r.lineOK || from < r.lineFrom || (r.line >= 0 && r.line < from) {
		r.line, r.lineFrom, r.lineOK = nextLineStart(b, from), from, true
	}
	switch {
	case r.ev < 0:
		return r.line
	case r.line < 0:
		return r.ev
	}
	return min(r.ev, r.line)
}

func nextEventVersion(b []byte, from int) int {
	for k := from; k < len(b); {
		x := bytes.Index(b[k:], keyEventVersion)
		if x < 0 {
			return -1
		}
		x += k
		j := x - 1
		for j >= from && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
			j--
		}
		if j >= from && b[j] == '{' {
			return j
		}
		k = x + 1
	}
	return -1
}

func nextLineStart(b []byte, from int) int {
	if from == 0 && len(b) > 0 && b[0] == '{' {
		return 0
	}
	start := max(from-1, 0)
	x := bytes.Index(b[start:], lineStart)
	if x < 0 {
		return -1
	}
	return start + x + 1
}
