package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// stixObject holds the fields of a STIX 2.x object this package reads.
type stixObject struct {
	Type           string   `json:"type"`
	Name           string   `json:"name"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	IndicatorTypes []string `json:"indicator_types"`
	Labels         []string `json:"labels"`
}

// threatName is the indicator's name, else its first indicator type or label.
func (o *stixObject) threatName() string {
	switch {
	case o.Name != "":
		return o.Name
	case len(o.IndicatorTypes) > 0:
		return o.IndicatorTypes[0]
	case len(o.Labels) > 0:
		return o.Labels[0]
	}
	return ""
}

// stixComparison matches one comparison this package understands.
var stixComparison = regexp.MustCompile(`(ipv4-addr|ipv6-addr|domain-name):value\s*=\s*'((?:[^'\\]|\\.)*)'`)

// parseSTIX reads a STIX 2.x bundle. Indicators whose pattern compares
// ipv4-addr, ipv6-addr or domain-name values (joined with OR) are read;
// other indicators are reported as LineErrors wrapping ErrUnsupported;
// objects that are not indicators are ignored.
func parseSTIX(b *builder, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("STIX: not a JSON object")
	}
	lines := lineCounter{data: data, line: 1}
	isBundle := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("STIX: %w", err)
		}
		switch tok {
		case "objects":
			if err := stixObjects(b, dec, &lines); err != nil {
				return err
			}
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil {
				return fmt.Errorf("STIX: type: %w", err)
			}
			isBundle = t == "bundle"
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("STIX: %v: %w", tok, err)
			}
		}
	}
	if !isBundle {
		return errors.New(`STIX: not a bundle (no "type": "bundle")`)
	}
	return nil
}

func stixObjects(b *builder, dec *json.Decoder, lines *lineCounter) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return errors.New("STIX: objects is not an array")
	}
	for i := 1; dec.More(); i++ {
		line := lines.at(int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("STIX: object %d (line %d): %w", i, line, err)
		}
		var o stixObject
		if err := json.Unmarshal(raw, &o); err != nil {
			b.lineErr(line, fmt.Errorf("object %d: %w", i, err))
			continue
		}
		if o.Type != "indicator" {
			continue
		}
		if err := stixIndicator(b, line, i, &o); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ']'
	return err
}

func stixIndicator(b *builder, line, index int, o *stixObject) error {
	if o.PatternType != "" && o.PatternType != "stix" {
		b.lineErr(line, fmt.Errorf("object %d: %w: pattern_type %q", index, ErrUnsupported, truncate(o.PatternType)))
		return nil
	}
	values, err := stixValues(o.Pattern)
	if err != nil {
		b.lineErr(line, fmt.Errorf("object %d: %w", index, err))
		return nil
	}
	for _, v := range values {
		if err := b.add(line, v, o.threatName()); err != nil {
			return err
		}
	}
	return nil
}

// stixValues returns the values of a pattern made only of supported
// comparisons joined with OR, with any brackets or parentheses.
func stixValues(pattern string) ([]string, error) {
	ms := stixComparison.FindAllStringSubmatch(pattern, -1)
	if len(ms) == 0 {
		return nil, fmt.Errorf("%w: pattern %q", ErrUnsupported, truncate(pattern))
	}
	rest := stixComparison.ReplaceAllString(pattern, " ")
	for _, f := range strings.Fields(strings.NewReplacer("[", " ", "]", " ", "(", " ", ")", " ").Replace(rest)) {
		if f != "OR" {
			return nil, fmt.Errorf("%w: pattern %q", ErrUnsupported, truncate(pattern))
		}
	}
	values := make([]string, len(ms))
	for i, m := range ms {
		values[i] = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[2])
	}
	return values, nil
}

// lineCounter turns increasing byte offsets into line numbers.
type lineCounter struct {
	data []byte
	off  int
	line int
}

// at returns the line of the first byte at or after off that is not
// white space or a comma, where the next JSON value starts.
func (c *lineCounter) at(off int) int {
	for off < len(c.data) && strings.IndexByte(" \t\r\n,", c.data[off]) >= 0 {
		off++
	}
	if off < c.off {
		return c.line
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}
