package route53

import (
	"bytes"
	"errors"
	"fmt"
)

// errTruncated reports a JSON value that runs past the end of the data.
var errTruncated = errors.New("record cut off by the end of the data (truncated file?)")

// maxDepth bounds the nesting the scanner follows.
const maxDepth = 512

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipBOM returns 3 when b starts with a UTF-8 byte order mark, else 0.
func skipBOM(b []byte) int {
	if bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		return 3
	}
	return 0
}

// valueEnd returns the index just past the JSON value at b[i]. It checks
// that strings end and brackets balance, not the contents, which the
// decoder checks.
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
	j := i // a number or a literal
	for j < len(b) && !isSpace(b[j]) && bytes.IndexByte([]byte(`,:{}[]"`), b[j]) < 0 {
		j++
	}
	if j == i {
		return j, fmt.Errorf("unexpected %q", b[j])
	}
	return j, nil
}

// stringEnd returns the index just past the string at b[i] == '"'.
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return j + 1, nil
		case '\\':
			j++
		}
	}
	return len(b), errTruncated
}

// containerEnd returns the index just past the object or array at b[i].
func containerEnd(b []byte, i int) (int, error) {
	var open [maxDepth]byte // the closing bracket of each open container
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
			if depth == maxDepth {
				return j, fmt.Errorf("nesting deeper than %d", maxDepth)
			}
			open[depth] = c + 2 // '{'+2 == '}', '['+2 == ']'
			depth++
		case '}', ']':
			if depth == 0 || open[depth-1] != c {
				return j, fmt.Errorf("unexpected %q", c)
			}
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return len(b), errTruncated
}
