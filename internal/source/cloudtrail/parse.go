// Package cloudtrail parses AWS CloudTrail logs into events: delivery files
// ({"Records":[...]}, plain or gzip, also several concatenated), JSON
// arrays of records, and one-event-per-line JSON (EventBridge "AWS API Call
// via CloudTrail" envelopes and CloudTrail Lake exports).
//
// Parsing is pure: no I/O, no detection. A malformed record is reported
// with its file, index and offset and skipped; the records before and
// after it are kept. Events never refer to the input buffer, which the
// caller may reuse.
package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/source/jsonscan"
	"regexp"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source"
)

// FormatName is the name this format registers under.
const FormatName = "cloudtrail"

func init() {
	source.RegisterFormat(source.Format{Name: FormatName, Sniff: Sniff, Parse: Parse})
}

// delivery matches the CloudTrail delivery layout, account and
// organization trails: AWSLogs/[o-xxxx/]<account>/CloudTrail/<region>/.
var delivery = regexp.MustCompile(`AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/CloudTrail(?:-Digest|-Insight)?/([a-z0-9-]+)/`)

type pathHint struct{ account, region string }

func hintFrom(file string) pathHint {
	m := delivery.FindStringSubmatch(file)
	if m == nil {
		return pathHint{}
	}
	return pathHint{account: m[1], region: m[2]}
}

// Sniff reports whether a file looks like CloudTrail: a delivery path, or
// JSON whose head mentions CloudTrail record or envelope fields.
func Sniff(head []byte, name string) bool {
	if bytes.Contains([]byte(name), []byte("/CloudTrail-Digest/")) {
		return false // digest files hold hashes, not events
	}
	i := jsonscan.SkipSpace(head, jsonscan.SkipBOM(head))
	if i >= len(head) || (head[i] != '{' && head[i] != '[') {
		return false
	}
	if delivery.MatchString(name) {
		return true
	}
	for _, k := range [][]byte{[]byte(`"Records"`), []byte(`"eventSource"`), []byte(`"eventName"`), []byte(`"AWS API Call via CloudTrail"`)} {
		if bytes.Contains(head, k) {
			return true
		}
	}
	return false
}

// Parse reads every record of a decompressed CloudTrail file. The file is
// a sequence of top-level JSON values, each a {"Records":[...]} delivery
// object, an array of records, or a record (one per line, or simply
// concatenated). Damage inside a record is reported through onErr with the
// record's index and offset, and parsing resumes at the next record; Parse
// returns an error only when the rest of the file cannot be read, such as
// a record cut off by the end of the data.
func Parse(data []byte, file string, emit source.Emit, onErr source.OnError) (source.Stats, error) {
	p := parser{data: data, file: file, hint: hintFrom(file), emit: emit, onErr: onErr}
	err := p.run()
	if errors.Is(err, errStop) {
		err = nil
	}
	return p.st, err
}

// errStop ends a parse whose last record was damaged beyond recovery; the
// damage has been reported.
var errStop = errors.New("stop")

type parser struct {
	data   []byte
	file   string
	hint   pathHint
	emit   source.Emit
	onErr  source.OnError
	st     source.Stats
	resync resync
	// wasted counts the bytes scanned for values that turned out damaged.
	// Damage can make each of many records scan to the end of the file;
	// past a budget proportional to the file, scans stop at the next
	// record start, so that a parse stays linear in the file's size.
	wasted int
}

// scanData returns the data a scan of the value at j may look at.
func (p *parser) scanData(j int) []byte {
	if p.wasted > 2*len(p.data)+1<<20 {
		if next := p.resync.next(p.data, j+1); next > 0 {
			return p.data[:next]
		}
	}
	return p.data
}

// valueEnd is jsonscan.ValueEnd within scanData.
func (p *parser) valueEnd(j int) (int, error) {
	end, err := jsonscan.ValueEnd(p.scanData(j), j)
	if err != nil {
		p.wasted += end - j
	}
	return end, err
}

// fail counts a problem with the file as a whole and returns it.
func (p *parser) fail(i int, err error) error {
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: -1, Offset: int64(i), Err: err}
}

// warn reports a problem with the file that is not a record, such as
// stray bytes between records, and parsing goes on.
func (p *parser) warn(i int, err error) {
	p.st.Errors++
	if p.onErr != nil {
		p.onErr(&source.RecordError{File: p.file, Record: -1, Offset: int64(i), Err: err})
	}
}

// bad reports the record at off as malformed.
func (p *parser) bad(off int, err error) {
	idx := p.st.Records
	p.st.Records++
	p.st.Errors++
	if p.onErr != nil {
		p.onErr(&source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: err})
	}
}

// broken handles a record at off whose structure is damaged: it reports
// it and returns where the next record starts. A record cut off by the end
// of the data with nothing after it is a truncated file, returned as an
// error; other damage with nothing after it ends the parse with errStop.
func (p *parser) broken(off int, err error) (int, error) {
	next := p.resync.next(p.data, off+1)
	if next < 0 && errors.Is(err, jsonscan.ErrTruncated) {
		return len(p.data), p.fail(off, fmt.Errorf("record %d: %w", p.st.Records, err))
	}
	p.bad(off, err)
	if next < 0 {
		return len(p.data), errStop
	}
	return next, nil
}

// stray reports bytes at i that cannot start a value, as a bad record at
// the top level (a line of garbage) or a problem of the file between the
// elements of an array, and returns where the next record starts.
func (p *parser) stray(i int, topLevel bool) (int, error) {
	if topLevel {
		p.bad(i, fmt.Errorf("not a JSON object: unexpected %q", p.data[i]))
	} else {
		p.warn(i, fmt.Errorf("unexpected %q between records", p.data[i]))
	}
	next := p.resync.next(p.data, i+1)
	if next < 0 {
		return len(p.data), errStop
	}
	return next, nil
}

func (p *parser) run() error {
	b := p.data
	start := jsonscan.SkipSpace(b, jsonscan.SkipBOM(b))
	if start < len(b) && b[start] != '{' && b[start] != '[' {
		return p.fail(start, fmt.Errorf("not JSON: unexpected %q", b[start]))
	}
	for i := start; i < len(b); i = jsonscan.SkipSpace(b, i) {
		var err error
		switch b[i] {
		case '{':
			i, err = p.object(i)
		case '[':
			i, err = p.array(i)
		default:
			i, err = p.stray(i, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// object handles the top-level object at b[i]: a delivery object, whose
// Records are read, or else a record.
func (p *parser) object(i int) (int, error) {
	at, end, err := findRecords(p.scanData(i), i)
	if err != nil {
		p.wasted += end - i
		return p.broken(i, err)
	}
	if at < 0 {
		return p.record(p.data, i, end), nil
	}
	j, err := p.array(at)
	if err != nil {
		return j, err
	}
	return p.closeObject(j)
}

// findRecords walks the members of the object at b[i]. When one is a
// "Records" array it returns where the array starts; otherwise it returns
// -1 and the index just past the object. On error, end is where the
// damage was found.
func findRecords(b []byte, i int) (at, end int, err error) {
	j := jsonscan.SkipSpace(b, i+1)
	if j < len(b) && b[j] == '}' {
		return -1, j + 1, nil
	}
	for {
		if j >= len(b) {
			return -1, j, jsonscan.ErrTruncated
		}
		if b[j] != '"' {
			return -1, j, fmt.Errorf("expected object key, found %q", b[j])
		}
		kend, err := jsonscan.StringEnd(b, j)
		if err != nil {
			return -1, kend, err
		}
		key := b[j:kend]
		j = jsonscan.SkipSpace(b, kend)
		if j >= len(b) {
			return -1, j, jsonscan.ErrTruncated
		}
		if b[j] != ':' {
			return -1, j, fmt.Errorf("expected ':' after object key, found %q", b[j])
		}
		j = jsonscan.SkipSpace(b, j+1)
		if string(key) == `"Records"` && j < len(b) && b[j] == '[' {
			return j, 0, nil
		}
		vend, err := jsonscan.ValueEnd(b, j)
		if err != nil {
			return -1, vend, err
		}
		j = jsonscan.SkipSpace(b, vend)
		if j >= len(b) {
			return -1, j, jsonscan.ErrTruncated
		}
		switch b[j] {
		case ',':
			j = jsonscan.SkipSpace(b, j+1)
		case '}':
			return -1, j + 1, nil
		default:
			return -1, j, fmt.Errorf("unexpected %q after object member", b[j])
		}
	}
}

// closeObject skips the members of a delivery object after its Records
// array (j is just past the array) and returns the index past the object.
func (p *parser) closeObject(j int) (int, error) {
	b := p.data
	for {
		j = jsonscan.SkipSpace(b, j)
		if j >= len(b) {
			return j, p.fail(j, fmt.Errorf("after Records: %w", jsonscan.ErrTruncated))
		}
		switch b[j] {
		case '}':
			return j + 1, nil
		case ',':
		default:
			return j, p.fail(j, fmt.Errorf("unexpected %q after Records", b[j]))
		}
		j = jsonscan.SkipSpace(b, j+1)
		if j < len(b) && b[j] == '}' { // a trailing comma
			return j + 1, nil
		}
		kend, err := jsonscan.ValueEnd(b, j) // the key
		if err == nil && b[j] != '"' {
			err = fmt.Errorf("expected object key, found %q", b[j])
		}
		if err == nil {
			j = jsonscan.SkipSpace(b, kend)
			if j >= len(b) || b[j] != ':' {
				err = errors.New("expected ':' after object key")
			} else {
				j, err = jsonscan.ValueEnd(b, jsonscan.SkipSpace(b, j+1))
			}
		}
		if err != nil {
			return j, p.fail(j, fmt.Errorf("after Records: %w", err))
		}
	}
}

// array decodes each element of the array at b[i] as a record and
// returns the index just past the array.
func (p *parser) array(i int) (int, error) {
	b := p.data
	j := jsonscan.SkipSpace(b, i+1)
	for {
		if j >= len(b) {
			return j, p.fail(j, jsonscan.ErrTruncated)
		}
		if b[j] == ']' {
			return j + 1, nil
		}
		end, err := p.valueEnd(j)
		if err != nil {
			if j, err = p.broken(j, err); err != nil {
				return j, err
			}
			continue
		}
		next := p.record(b, j, end)
		if next != end { // the bad record swallowed others; resume at them
			j = next
			continue
		}
		j = jsonscan.SkipSpace(b, end)
		if j >= len(b) {
			return j, p.fail(j, jsonscan.ErrTruncated)
		}
		switch b[j] {
		case ',':
			j = jsonscan.SkipSpace(b, j+1)
		case ']':
			return j + 1, nil
		case '{':
			p.warn(j, errors.New("missing ',' between records"))
		default:
			if j, err = p.stray(j, false); err != nil {
				return j, err
			}
		}
	}
}

// record decodes b[off:end] as one record and returns where the next
// value starts: end, or an earlier record start when the record failed to
// decode because damage made it swallow the records after it.
func (p *parser) record(b []byte, off, end int) int {
	ev, err := decodeRecord(b[off:end], p.hint)
	if err != nil {
		if errors.Is(err, errNotAPICall) {
			p.st.Records++ // such as an Insights event: not an error
			return end
		}
		p.bad(off, err)
		p.wasted += end - off
		if next := p.resync.next(b, off+1); next >= 0 && next < end {
			return next
		}
		return end
	}
	ev.Origin = event.Origin{File: p.file, Record: p.st.Records, Offset: int64(off)}
	p.st.Records++
	p.st.Events++
	p.emit(ev)
	return end
}
