// Package cloudtrail parses AWS CloudTrail logs into events: delivery files
// ({"Records":[...]}, plain or gzip), JSON arrays of records, and
// one-event-per-line JSON (EventBridge "AWS API Call via CloudTrail"
// envelopes and CloudTrail Lake exports).
//
// Parsing is pure: no I/O, no detection. A malformed record is reported
// with its file and position and skipped; the rest of the file is kept.
package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
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
	i := skipSpace(head, 0)
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

// Parse reads every record of a decompressed CloudTrail file.
func Parse(data []byte, file string, emit source.Emit, onErr source.OnError) (source.Stats, error) {
	p := parser{data: data, file: file, hint: hintFrom(file), emit: emit, onErr: onErr}
	err := p.run()
	return p.st, err
}

type parser struct {
	data  []byte
	file  string
	hint  pathHint
	emit  source.Emit
	onErr source.OnError
	st    source.Stats
}

func (p *parser) fail(i int, err error) error {
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: -1, Offset: int64(i), Err: err}
}

func (p *parser) run() error {
	b := p.data
	i := skipSpace(b, 0)
	switch {
	case i == len(b):
		return nil // an empty file holds no records
	case b[i] == '[':
		_, err := p.array(i)
		return err
	case b[i] != '{':
		return p.fail(i, fmt.Errorf("not JSON: unexpected %q", b[i]))
	}
	if at, ok, err := p.findRecords(i); err != nil {
		return err
	} else if ok {
		end, err := p.array(at)
		if err != nil {
			return err
		}
		if j := skipSpace(b, end); j < len(b) && b[j] != '}' && b[j] != ',' {
			return p.fail(j, fmt.Errorf("unexpected %q after Records", b[j]))
		}
		return nil
	}
	return p.lines(i)
}

// findRecords looks for a "Records" array among the members of the object
// at b[i] and returns where the array starts.
func (p *parser) findRecords(i int) (int, bool, error) {
	b := p.data
	j := skipSpace(b, i+1)
	for j < len(b) && b[j] == '"' {
		kend, err := stringEnd(b, j)
		if err != nil {
			return 0, false, p.fail(j, err)
		}
		key := b[j:kend]
		j = skipSpace(b, kend)
		if j >= len(b) || b[j] != ':' {
			return 0, false, p.fail(j, errors.New("expected ':' after object key"))
		}
		j = skipSpace(b, j+1)
		if string(key) == `"Records"` && j < len(b) && b[j] == '[' {
			return j, true, nil
		}
		vend, err := valueEnd(b, j)
		if err != nil {
			return 0, false, p.fail(j, err)
		}
		j = skipSpace(b, vend)
		if j < len(b) && b[j] == ',' {
			j = skipSpace(b, j+1)
		}
	}
	return 0, false, nil
}

// array decodes each element of the array at b[i] as a record.
func (p *parser) array(i int) (int, error) {
	b := p.data
	j := skipSpace(b, i+1)
	if j < len(b) && b[j] == ']' {
		return j + 1, nil
	}
	for j < len(b) {
		end, err := valueEnd(b, j)
		if err != nil {
			return end, p.fail(j, fmt.Errorf("record %d: %w", p.st.Records, err))
		}
		p.record(b[j:end], j)
		j = skipSpace(b, end)
		if j >= len(b) {
			break
		}
		switch b[j] {
		case ',':
			j = skipSpace(b, j+1)
		case ']':
			return j + 1, nil
		default:
			return j, p.fail(j, fmt.Errorf("unexpected %q between records", b[j]))
		}
	}
	return j, p.fail(j, errTruncated)
}

// lines decodes a sequence of top-level JSON objects (one per line, or
// simply concatenated) as records.
func (p *parser) lines(i int) error {
	b := p.data
	for i < len(b) {
		if b[i] != '{' {
			return p.fail(i, fmt.Errorf("unexpected %q between records", b[i]))
		}
		end, err := valueEnd(b, i)
		if err != nil {
			return p.fail(i, fmt.Errorf("record %d: %w", p.st.Records, err))
		}
		p.record(b[i:end], i)
		i = skipSpace(b, end)
	}
	return nil
}

func (p *parser) record(raw []byte, off int) {
	idx := p.st.Records
	p.st.Records++
	ev, err := decodeRecord(raw, p.hint)
	if err != nil {
		p.st.Errors++
		if p.onErr != nil {
			p.onErr(&source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: err})
		}
		return
	}
	ev.Origin = event.Origin{File: p.file, Record: idx, Offset: int64(off)}
	p.st.Events++
	p.emit(ev)
}
