package route53

import (
	"bytes"
	"fmt"
	"github.com/vigil-sec/vigil/internal/source/jsonscan"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/source"
)

// document reads JSON documents from b[i:], one after the other: arrays
// of records, CloudWatch Logs envelopes ({"events":[...]} as the CLI
// prints them, {"messageType":...,"logEvents":[...]} as subscriptions
// deliver them) and records, compact or indented.
func (p *parser) document(i int) error {
	b := p.data
	for i = jsonscan.SkipSpace(b, i); i < len(b); i = jsonscan.SkipSpace(b, i) {
		var err error
		switch b[i] {
		case '[':
			i, err = p.array(i, p.element)
		case '{':
			i, err = p.object(i)
		default:
			return p.fail(i, fmt.Errorf("unexpected %.20q between JSON documents", b[i:min(i+20, len(b))]))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// object reads the object at b[i], an envelope or a record, and returns
// the index just past it.
func (p *parser) object(i int) (int, error) {
	end, err := jsonscan.ValueEnd(p.data, i)
	if err != nil {
		return end, p.stop(i, err)
	}
	events, ok := envelope(p.data[:end], i)
	switch {
	case !ok:
		p.element(i, end)
	case events >= 0:
		if _, err := p.array(events, p.logEvent); err != nil {
			return end, err
		}
	}
	return end, nil
}

// array reads the array at b[i], calling elem for each element, and
// returns the index just past it.
func (p *parser) array(i int, elem func(s, e int)) (int, error) {
	b := p.data
	j := jsonscan.SkipSpace(b, i+1)
	if j < len(b) && b[j] == ']' {
		return j + 1, nil
	}
	for {
		end, err := jsonscan.ValueEnd(b, j)
		if err != nil {
			return end, p.stop(j, err)
		}
		elem(j, end)
		j = jsonscan.SkipSpace(b, end)
		if j >= len(b) {
			return j, p.fail(j, errTruncated)
		}
		switch b[j] {
		case ',':
			j = jsonscan.SkipSpace(b, j+1)
			if j < len(b) && b[j] == ']' { // a trailing comma
				return j + 1, nil
			}
		case ']':
			return j + 1, nil
		default:
			return j, p.fail(j, fmt.Errorf("unexpected %q between array elements", b[j]))
		}
	}
}

// stop returns the error for the record at off, damaged so that what
// follows it cannot be found. The record is counted, and reported by the
// return.
func (p *parser) stop(off int, err error) error {
	idx := p.st.Records
	p.st.Records++
	p.st.Errors++
	return &source.RecordError{File: p.file, Record: idx, Offset: int64(off), Err: fmt.Errorf("line %d: %w", p.lineOf(off), err)}
}

// element reads b[s:e], an element of an array of records or a record.
func (p *parser) element(s, e int) {
	line := p.lineOf(s)
	if p.data[s] != '{' {
		p.bad(s, line, fmt.Errorf("not a JSON object: starts with %q", p.data[s]))
		return
	}
	h := p.hint
	p.record(bytes.Clone(p.data[s:e]), s, line, &h)
}

// logEvent is a CloudWatch Logs event, whose message is a record.
type logEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// logEvent reads b[s:e], an element of the events of an envelope.
func (p *parser) logEvent(s, e int) {
	line := p.lineOf(s)
	var le logEvent
	if err := json.UnmarshalOf(p.data[s:e], &le); err != nil {
		p.bad(s, line, fmt.Errorf("decode CloudWatch Logs event: %w", shorten(err)))
		return
	}
	msg := bytes.TrimSpace([]byte(le.Message))
	if len(msg) == 0 || msg[0] != '{' {
		p.bad(s, line, fmt.Errorf("CloudWatch Logs event message is not a JSON record: starts with %.20q", msg))
		return
	}
	h := p.hint
	h.time = msTime(le.Timestamp)
	p.record(msg, s, line, &h)
}

var (
	keyEvents      = []byte("events")
	keyLogEvents   = []byte("logEvents")
	keyMessageType = []byte("messageType")
	controlMessage = []byte(`"CONTROL_MESSAGE"`)
)

// envelope reports whether the object at b[i], whose structure is valid,
// is a CloudWatch Logs envelope, and where its array of events starts (-1
// for none, such as in a subscription's control message).
func envelope(b []byte, i int) (events int, ok bool) {
	events = -1
	control := false
	j := jsonscan.SkipSpace(b, i+1)
	for j < len(b) && b[j] == '"' {
		kend, err := jsonscan.StringEnd(b, j)
		if err != nil {
			return -1, false
		}
		key := b[j+1 : kend-1]
		j = jsonscan.SkipSpace(b, kend)
		if j >= len(b) || b[j] != ':' {
			return -1, false
		}
		v := jsonscan.SkipSpace(b, j+1)
		vend, err := jsonscan.ValueEnd(b, v)
		if err != nil {
			return -1, false
		}
		switch {
		case (bytes.Equal(key, keyEvents) || bytes.Equal(key, keyLogEvents)) && b[v] == '[':
			events, ok = v, true
		case bytes.Equal(key, keyMessageType):
			control = bytes.Equal(b[v:vend], controlMessage)
		}
		j = jsonscan.SkipSpace(b, vend)
		if j < len(b) && b[j] == ',' {
			j = jsonscan.SkipSpace(b, j+1)
		}
	}
	if control {
		events = -1
	}
	return events, ok
}

// isEnvelope reports whether the object starting line begins with a key
// of a CloudWatch Logs envelope.
func isEnvelope(line []byte) bool {
	j := jsonscan.SkipSpace(line, 1)
	if j >= len(line) || line[j] != '"' {
		return false
	}
	kend, err := jsonscan.StringEnd(line, j)
	if err != nil {
		return false
	}
	key := line[j+1 : kend-1]
	return bytes.Equal(key, keyEvents) || bytes.Equal(key, keyLogEvents) || bytes.Equal(key, keyMessageType)
}
