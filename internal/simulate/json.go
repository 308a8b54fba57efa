package simulate

import "strconv"

// js builds JSON by appending to a reusable buffer, the fast path that
// keeps record generation allocation-free. Every value is followed by a
// comma that the enclosing end, endArr or bytes call removes.
type js struct{ b []byte }

func (j *js) reset()    { j.b = j.b[:0] }
func (j *js) set() bool { return len(j.b) > 0 }
func (j *js) key(k string) {
	if k != "" {
		j.b = appendString(j.b, k)
		j.b = append(j.b, ':')
	}
}

// open starts an object, as the value of key k ("" inside arrays or at the top).
func (j *js) open(k string) { j.key(k); j.b = append(j.b, '{') }

// end closes an object.
func (j *js) end() { j.close('}') }

func (j *js) openArr(k string) { j.key(k); j.b = append(j.b, '[') }
func (j *js) endArr()          { j.close(']') }

func (j *js) close(c byte) {
	if n := len(j.b); n > 0 && j.b[n-1] == ',' {
		j.b[n-1] = c
	} else {
		j.b = append(j.b, c)
	}
	j.b = append(j.b, ',')
}

func (j *js) str(k, v string) {
	j.key(k)
	j.b = appendString(j.b, v)
	j.b = append(j.b, ',')
}

func (j *js) num(k string, v int64) {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
	j.b = append(j.b, ',')
}

func (j *js) boolean(k string, v bool) {
	j.key(k)
	j.b = strconv.AppendBool(j.b, v)
	j.b = append(j.b, ',')
}

// raw appends a JSON literal such as `{}` or `null`.
func (j *js) raw(k, v string) {
	j.key(k)
	j.b = append(j.b, v...)
	j.b = append(j.b, ',')
}

// bytes returns the document without its trailing comma.
func (j *js) bytes() []byte {
	if n := len(j.b); n > 0 && j.b[n-1] == ',' {
		return j.b[:n-1]
	}
	return j.b
}

// appendString appends s as a JSON string. Simulated values are ASCII;
// control characters, quotes and backslashes are escaped.
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, '\\', 'u', '0', '0', hexAlphabet[c>>4], hexAlphabet[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// strs writes the concatenation of parts as one string value. The parts
// are identifiers (ids, ARNs, names) that need no escaping.
func (j *js) strs(k string, parts ...string) {
	j.key(k)
	j.b = append(j.b, '"')
	for _, p := range parts {
		j.b = append(j.b, p...)
	}
	j.b = append(j.b, '"', ',')
}
