package flowlogs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// span is where a token lies in its line: line[s:e].
type span struct{ s, e int }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// tokenize splits line at runs of spaces and tabs into toks. It returns
// the number of tokens, and false when there are more than maxFields.
// Separators are found eight bytes at a time.
func tokenize(line []byte, toks *[maxFields]span) (int, bool) {
	n, start, i := 0, 0, 0
	// cut ends the token before the separator at p, if it is not empty.
	cut := func(p int) bool {
		if p > start {
			if n == maxFields {
				return false
			}
			toks[n] = span{start, p}
			n++
		}
		start = p + 1
		return true
	}
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		for m := zeroBytes(w^spaces) | zeroBytes(w^tabs); m != 0; m &= m - 1 {
			if !cut(i + bits.TrailingZeros64(m)>>3) {
				return n, false
			}
		}
	}
	for ; i < len(line); i++ {
		if c := line[i]; (c == ' ' || c == '\t') && !cut(i) {
			return n, false
		}
	}
	return n, cut(len(line))
}

const (
	spaces = 0x2020202020202020 // ' ' in every byte
	tabs   = 0x0909090909090909 // '\t' in every byte
	low7   = 0x7f7f7f7f7f7f7f7f
)

// zeroBytes returns the high bit of each byte of w that is zero, and no
// other bit.
func zeroBytes(w uint64) uint64 {
	return ^((w&low7 + low7) | w | low7)
}

// isTimestamp reports whether b is an ISO 8601 time such as
// 2024-05-01T12:00:00.000Z, which starts each line of a CloudWatch Logs
// export.
func isTimestamp(b []byte) bool {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return false
	}
	for _, c := range b[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// textParser reads a text file line by line. A line whose first field is
// a field name is a header: it sets the format of the records after it.
// Records before any header are in a default format.
type textParser struct {
	data  []byte
	file  string
	hint  pathHint
	emit  source.Emit
	onErr source.OnError
	st    source.Stats
	lay   *layout // from the last header; nil before the first
	line  int     // 1-based number of the current line
	toks  [maxFields]span
}

func (p *textParser) run() {
	data := p.data
	off := 0
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		off = 3
	}
	for off < len(data) {
		end, next := len(data), len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end, next = off+i, off+i+1
		}
		if end > off && data[end-1] == '\r' {
			end--
		}
		p.line++
		p.handle(off, data[off:end])
		off = next
	}
}

// handle dispatches one line starting at byte off.
func (p *textParser) handle(off int, line []byte) {
	n, ok := tokenize(line, &p.toks)
	if n == 0 {
		return // a blank line
	}
	toks := p.toks[:n]
	if isTimestamp(line[toks[0].s:toks[0].e]) {
		toks = toks[1:]
	}
	if len(toks) > 0 && lookupField(line[toks[0].s:toks[0].e]) != fNone {
		p.header(off, line, toks, ok)
		return
	}
	p.record(off, line, toks, ok)
}

// header reads a header line. Unknown and repeated names are reported
// once, and the values of their columns ignored.
func (p *textParser) header(off int, line []byte, toks []span, complete bool) {
	what := fmt.Sprintf("the header on line %d", p.line)
	if !complete {
		p.lay = newLayout(nil, what+", which names too many fields,")
		p.warn(off, fmt.Errorf("line %d: header names more than %d fields; the records it describes are skipped", p.line, maxFields))
		return
	}
	cols := make([]field, len(toks))
	var seen [numFields]bool
	var problems []string
	for i, t := range toks {
		name := line[t.s:t.e]
		f := lookupField(name)
		switch {
		case f == fNone:
			problems = append(problems, fmt.Sprintf("unknown field %q", shorten(name)))
		case seen[f]:
			problems = append(problems, fmt.Sprintf("field %q repeated", name))
			f = fNone
		}
		seen[f] = true
		cols[i] = f
	}
	p.lay = newLayout(cols, what)
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("%d more", len(problems)-5))
		}
		p.warn(off, fmt.Errorf("line %d: header: %s; the values of those columns are ignored", p.line, strings.Join(problems, ", ")))
	}
}

// record decodes and emits the record on one line.
func (p *textParser) record(off int, line []byte, toks []span, complete bool) {
	idx := p.st.Records
	p.st.Records++
	if !complete {
		p.bad(idx, off, fmt.Errorf("line %d: more than %d fields", p.line, maxFields))
		return
	}
	lay := p.lay
	if lay == nil {
		lay = defaultLayout(line, toks)
	}
	if len(toks) != len(lay.cols) {
		p.bad(idx, off, fmt.Errorf("line %d: %d fields, but %s has %d", p.line, len(toks), lay.what, len(lay.cols)))
		return
	}
	ev, err := decode(lay, line, toks, p.hint)
	if err != nil {
		p.bad(idx, off, fmt.Errorf("line %d: %w", p.line, err))
		return
	}
	ev.Origin = event.Origin{File: p.file, Record: idx, Offset: int64(off)}
	p.st.Events++
	p.emit(ev)
}

// defaultLayout returns the default format a record without a header is
// in: Transit Gateway's when it says so in its second field, else VPC's
// version 2.
func defaultLayout(line []byte, toks []span) *layout {
	if len(toks) == len(defaultTGW.cols) && string(line[toks[1].s:toks[1].e]) == resourceTGW {
		return defaultTGW
	}
	return defaultV2
}

// bad reports record idx at off as malformed.
func (p *textParser) bad(idx, off int, err error) {
	p.st.Errors++
	p.onErr(&source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: err})
}

// warn reports a problem with the file that is not a record's, such as a
// header naming unknown fields.
func (p *textParser) warn(off int, err error) {
	p.st.Errors++
	p.onErr(&source.RecordError{File: p.file, Record: -1, Offset: int64(off), Err: err})
}

// shorten copies at most 64 bytes of b for an error message.
func shorten(b []byte) string {
	const keep = 64
	if len(b) > keep {
		return string(b[:keep]) + "..."
	}
	return string(b)
}
