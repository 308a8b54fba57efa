// Package jsonscan finds where JSON values end without decoding them, so
// that log parsers can cut a file into records, report a damaged record by
// its position and carry on after it. It checks structure (terminated
// strings, balanced brackets, a nesting bound), not contents: the record
// decoders validate those. It never allocates.
package jsonscan

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrTruncated reports a JSON value that runs past the end of the data.
var ErrTruncated = errors.New("unexpected end of data (truncated file?)")

// MaxDepth bounds the nesting the scanner follows; a deeper value is a
// malformed record.
const MaxDepth = 1024

// SkipSpace returns the index of the first non-space byte at or after i.
func SkipSpace(b []byte, i int) int {
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

// SkipBOM returns 3 when b starts with a UTF-8 byte order mark, else 0.
func SkipBOM(b []byte) int {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return 3
	}
	return 0
}

// ValueEnd returns the index just past the JSON value starting at b[i]. It
// checks structure (balanced brackets, terminated strings) but not the
// contents; the record decoder validates those.
func ValueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, ErrTruncated
	}
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		return ContainerEnd(b, i)
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

// StringEnd returns the index just past the string starting at b[i] == '"'.
func StringEnd(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b), ErrTruncated
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

// structural marks the bytes ContainerEnd must look at.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// ContainerEnd returns the index just past the object or array at b[i].
func ContainerEnd(b []byte, i int) (int, error) {
	var stack [MaxDepth / 64]uint64 // bit set: the open container is an object
	depth := 0
	for j := i; j < len(b); j++ {
		c := b[j]
		if !structural[c] {
			continue
		}
		switch c {
		case '"':
			end, err := StringEnd(b, j)
			if err != nil {
				return end, err
			}
			j = end - 1
		case '{', '[':
			if depth == MaxDepth {
				return j, fmt.Errorf("nesting deeper than %d at offset %d", MaxDepth, j)
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
	return len(b), ErrTruncated
}
