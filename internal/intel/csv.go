package intel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvColumns says where a CSV format keeps its values.
type csvColumns struct {
	values []int // columns holding an IP, CIDR or domain
	kind   int   // OTX "Indicator type" column, or -1
	threat int   // category/activity column, or -1
}

// parseCSV reads the CSV formats: OTX_CSV, PROOF_POINT and FIRE_EYE.
func parseCSV(b *builder, r io.Reader) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.Comment = '#'
	cr.ReuseRecord = true
	var cols *csvColumns
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			b.lineErr(perr.Line, perr.Err)
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > 0 && cols == nil {
			rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
			c, isHeader, err := csvHeader(b.list.Format, rec)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			cols = c
			if isHeader {
				continue
			}
		}
		if err := csvRecord(b, cols, line, rec); err != nil {
			return err
		}
	}
}

// csvHeader finds the columns of format f from the first record and says
// whether that record is a header. PROOF_POINT's header is optional.
func csvHeader(f Format, rec []string) (*csvColumns, bool, error) {
	c := &csvColumns{kind: -1, threat: -1}
	names := make([]string, len(rec))
	for i, h := range rec {
		names[i] = headerKey(h)
	}
	switch f {
	case ProofPoint:
		c.values, c.threat = []int{0}, 1
		switch names[0] {
		case "ip", "ipaddress", "address", "domain", "host", "hostname", "indicator":
			return c, true, nil
		}
		return c, false, nil
	case OTXCSV:
		for i, n := range names {
			switch n {
			case "indicatortype", "type":
				c.kind = i
			case "indicator":
				c.values = []int{i}
			case "description", "title":
				if c.threat < 0 {
					c.threat = i
				}
			}
		}
		if c.kind < 0 || len(c.values) == 0 {
			return nil, false, errors.New(`OTX CSV header has no "Indicator type" and "Indicator" columns`)
		}
		return c, true, nil
	default: // FIRE_EYE
		threatRank := 0
		for i, n := range names {
			switch n {
			case "ip", "ipv4", "ipv6", "ipaddress", "ipv4address", "domain", "domainname", "hostname":
				c.values = append(c.values, i)
			case "malwarefamily":
				c.threat, threatRank = i, 3
			case "threatscape", "threattype":
				if threatRank < 2 {
					c.threat, threatRank = i, 2
				}
			case "title":
				if threatRank < 1 {
					c.threat, threatRank = i, 1
				}
			}
		}
		if len(c.values) == 0 {
			return nil, false, errors.New("FIRE_EYE CSV header has no ip or domain column")
		}
		return c, true, nil
	}
}

// headerKey lower-cases h and drops everything but letters and digits.
func headerKey(h string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(h) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func csvRecord(b *builder, c *csvColumns, line int, rec []string) error {
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	if c.kind >= 0 {
		switch strings.ToLower(field(c.kind)) {
		case "ipv4", "ipv6", "cidr", "domain", "hostname":
		default:
			b.lineErr(line, fmt.Errorf("%w: indicator type %q", ErrUnsupported, truncate(field(c.kind))))
			return nil
		}
	}
	threat := field(c.threat)
	added := false
	for _, i := range c.values {
		v := field(i)
		if v == "" {
			continue
		}
		added = true
		if err := b.add(line, v, threat); err != nil {
			return err
		}
	}
	if !added && b.list.Format != FireEye {
		b.lineErr(line, fmt.Errorf("%w: empty", ErrInvalidValue))
	}
	return nil
}
