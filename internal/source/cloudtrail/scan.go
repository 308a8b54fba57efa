package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
)

// errTruncated reports a JSON value that runs past the end of the data.
var errTruncated = errors.New("unexpected end of data (truncated file?)")

// maxDepth bounds the nesting the scanner follows; a deeper value is a
// malformed record.
const maxDepth = 1024

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipBOM returns 3 when b starts with a UTF-8 byte order mark, else 0.
func skipBOM(b []byte) int {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return 3
	}
	return 0
}

// valueEnd returns the index just past the JSON value starting at b[i]. It
// checks structure (balanced brackets, terminated strings) but not the
// contents; the record decoder validates those.
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, errTruncated
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		return containerEnd(b, i)
	}
	// A literal: number, true, false, null.
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', '{', '[', '"', ':':
			if j == i {
				return j, fmt.Errorf("unexpected %q", b[j])
			}
			return j, nil
		}
		j++
	}
	return j, nil
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b), errTruncated
		}
		q := j + k
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
}

// structural marks the bytes containerEnd must look at.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// containerEnd returns the index just past the object or array at b[i].
func containerEnd(b []byte, i int) (int, error) {
	var stack [maxDepth / 64]uint64 // bit set: the open container is an object
	depth := 0
	for j := i; j < len(b); j++ {
		c := b[j]
		if !structural[c] {
			continue
		}
		switch c {
		case '"':
			end, err := stringEnd(b, j)
			if err != nil {
				return end, err
			}
			j = end - 1
		case '{', '[':
			if depth == maxDepth {
				return j, fmt.Errorf("nesting deeper than %d at offset %d", maxDepth, j)
			}
			if c == '{' {
				stack[depth/64] |= 1 << (depth % 64)
			} else {
				stack[depth/64] &^= 1 << (depth % 64)
			}
			depth++
		case '}', ']':
			if depth == 0 || (c == '}') != (stack[(depth-1)/64]&(1<<((depth-1)%64)) != 0) {
				return j, fmt.Errorf("mismatched %q at offset %d", c, j)
			}
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return len(b), errTruncated
}

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
