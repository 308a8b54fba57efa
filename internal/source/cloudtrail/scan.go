package cloudtrail

import (
	"errors"
	"fmt"
)

// errTruncated reports a JSON value that runs past the end of the data.
var errTruncated = errors.New("unexpected end of data (truncated file?)")

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
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return j, fmt.Errorf("unexpected %q at offset %d", b[j], j)
			}
			return j, nil
		}
		j++
	}
	return j, nil
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return len(b), errTruncated
}

// containerEnd returns the index just past the object or array at b[i].
func containerEnd(b []byte, i int) (int, error) {
	var stack [64]byte
	depth := 0
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '"':
			end, err := stringEnd(b, j)
			if err != nil {
				return end, err
			}
			j = end - 1
		case '{', '[':
			if depth == len(stack) {
				return j, fmt.Errorf("nesting deeper than %d at offset %d", len(stack), j)
			}
			stack[depth] = c
			depth++
		case '}', ']':
			if depth == 0 || (c == '}') != (stack[depth-1] == '{') {
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
