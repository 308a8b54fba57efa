// Package route53 parses Amazon Route 53 Resolver query logs (VPC DNS
// query logs) into DNS events: the newline-delimited JSON files that
// Resolver delivers to S3, plain or gzip, the lines of a CloudWatch Logs
// export to S3 ("<time> <record>"), and JSON documents: arrays of
// records, the output of `aws logs filter-log-events` and
// `get-log-events`, and CloudWatch Logs subscription batches.
//
// Parsing is pure: no I/O, and it never detects anything. A malformed
// record is reported with its file, record index, offset and line, and
// skipped; the records around it are kept. Events never refer to the
// input buffer, which the caller may reuse.
package route53

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/source/jsonscan"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// FormatName is the name this format registers under, and the Source of
// its events.
const FormatName = "route53resolver"

func init() {
	source.RegisterFormat(source.Format{Name: FormatName, Sniff: Sniff, Parse: Parse})
}

// Parse reads every record of a decompressed query log file: one record
// per line, each line possibly prefixed by a time (CloudWatch Logs
// exports), or, when the file starts with '[' or a CloudWatch Logs
// envelope, a sequence of JSON documents. A bad record is reported
// through onErr with its line and skipped. Parse returns an error only
// when the rest of the file cannot be read: a last unexpected end of data by the
// end of the data, or a document damaged beyond its current record.
func Parse(data []byte, file string, emit source.Emit, onErr source.OnError) (source.Stats, error) {
	p := parser{data: data, file: file, hint: hintFrom(file), emit: emit, onErr: onErr, line: 1}
	err := p.run()
	return p.st, err
}

type parser struct {
	data  []byte
	file  string
	hint  hint
	dec   decoder
	emit  source.Emit
	onErr source.OnError
	st    source.Stats
	// line is the 1-based line at lineAt, a byte offset: lines are
	// counted forward from there.
	line, lineAt int
}

func (p *parser) run() error {
	b := p.data
	start := jsonscan.SkipBOM(b)
	i := jsonscan.SkipSpace(b, start)
	if i < len(b) && (b[i] == '[' || (b[i] == '{' && isDocument(b[i:]))) {
		return p.document(i)
	}
	return p.lines(start)
}

// isDocument reports whether the object starting b is a document rather
// than the first record of a file of lines: a CloudWatch Logs envelope, or
// a record written over several lines.
func isDocument(b []byte) bool {
	line := b
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	return string(bytes.TrimRight(line, " \t\r")) == "{" || isEnvelope(line)
}

// lineOf returns the 1-based line of offset off; offsets asked for must
// not decrease.
func (p *parser) lineOf(off int) int {
	if off < p.lineAt {
		p.line, p.lineAt = 1, 0
	}
	p.line += bytes.Count(p.data[p.lineAt:off], []byte{'\n'})
	p.lineAt = off
	return p.line
}

// bad reports the record at off, on line, as malformed.
func (p *parser) bad(off, line int, err error) {
	idx := p.st.Records
	p.st.Records++
	p.st.Errors++
	if p.onErr != nil {
		p.onErr(&source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: fmt.Errorf("line %d: %w", line, err)})
	}
}

// cut returns the error for a record at off, on line, that the end of the
// data cut off. The record is counted, and reported by the return.
func (p *parser) cut(off, line int) error {
	idx := p.st.Records
	p.st.Records++
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: fmt.Errorf("line %d: %w", line, errTruncated)}
}

// fail returns the error for damage at off that is not a record, which
// stops the parse.
func (p *parser) fail(off int, err error) error {
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: -1, Offset: int64(off), Err: fmt.Errorf("line %d: %w", p.lineOf(off), err)}
}

// record decodes raw, which the event will own, as the record at off on
// line, and emits it or reports it.
func (p *parser) record(raw []byte, off, line int, h *hint) {
	ev, err := p.dec.decode(raw, h)
	if err != nil {
		p.bad(off, line, err)
		return
	}
	ev.Origin = event.Origin{File: p.file, Record: p.st.Records, Offset: int64(off)}
	p.st.Records++
	p.st.Events++
	p.emit(ev)
}

// lines reads a file of one record per line from b[i:].
func (p *parser) lines(i int) error {
	b := p.data
	for line := 1; i < len(b); line++ {
		end := len(b)
		if nl := bytes.IndexByte(b[i:], '\n'); nl >= 0 {
			end = i + nl
		}
		if err := p.oneLine(i, end, line); err != nil {
			return err
		}
		i = end + 1
	}
	return nil
}

// oneLine reads the line b[start:end]: nothing, a record, a CloudWatch
// Logs export line "<time> <record>", or records written one after the
// other.
func (p *parser) oneLine(start, end, line int) error {
	b := p.data
	s, e := jsonscan.SkipSpace(b[:end], start), end
	for e > s && isSpace(b[e-1]) {
		e--
	}
	if s == e {
		return nil
	}
	last := end == len(b) // the line has no newline: the data may be cut
	p.hint.time = time.Time{}
	if b[s] != '{' {
		stamp, next, ok := afterStamp(b[s:e])
		switch {
		case ok && s+next < e && b[s+next] == '{':
			p.hint.time, _ = parseStamp(b[s : s+stamp])
			s += next
		case last && isStamp(b[s:e]) && bytes.IndexByte(b[s:e], '{') < 0:
			return p.cut(s, line) // a time, and the unexpected end of data
		default:
			p.bad(s, line, fmt.Errorf("not a JSON record: starts with %.20q", b[s:e]))
			return nil
		}
	}
	ev, err := p.dec.decode(bytes.Clone(b[s:e]), &p.hint)
	if err == nil {
		ev.Origin = event.Origin{File: p.file, Record: p.st.Records, Offset: int64(s)}
		p.st.Records++
		p.st.Events++
		p.emit(ev)
		return nil
	}
	return p.values(s, e, line, last, err)
}

// values reads b[s:e], a line whose decoding as one record failed with
// err: records written one after the other without newlines, a record
// cut off by the end of the data, or a bad record.
func (p *parser) values(s, e, line int, last bool, err error) error {
	b := p.data[:e]
	for i := s; i < e; {
		end, serr := jsonscan.ValueEnd(b, i)
		switch {
		case serr != nil && last && errors.Is(serr, errTruncated):
			return p.cut(i, line)
		case serr != nil && i == s:
			p.bad(i, line, err)
			return nil
		case serr != nil:
			p.bad(i, line, serr)
			return nil
		case i == s && end == e: // one value: err is its problem
			p.bad(i, line, err)
			return nil
		}
		p.record(bytes.Clone(b[i:end]), i, line, &p.hint)
		i = jsonscan.SkipSpace(b, end)
		if i < e && b[i] != '{' {
			p.bad(i, line, fmt.Errorf("unexpected %.20q after a record", b[i:e]))
			return nil
		}
	}
	return nil
}
