package intel

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Errors callers and tests can test with errors.Is.
var (
	// ErrLimitExceeded means a list holds more entries than its limit; the
	// entries read before the limit was reached are returned with it.
	ErrLimitExceeded = errors.New("list exceeds its entry limit")
	// ErrInvalidValue means a line's value is not an IP address, CIDR or domain.
	ErrInvalidValue = errors.New("not an IP address, CIDR or domain")
	// ErrUnsupported means a line or STIX object holds a kind of indicator
	// this package does not match (URLs, hashes, other pattern languages).
	ErrUnsupported = errors.New("unsupported indicator")
)

// Entry is one listed IP address, CIDR or domain.
type Entry struct {
	// Prefix is set for IP entries; a single address is a /32 or /128.
	// IPv4-mapped IPv6 values are stored as IPv4.
	Prefix netip.Prefix
	// Domain is set for domain entries: lower case, no trailing dot.
	Domain string
	// ThreatName is the category or activity the list gives, if any.
	ThreatName string
}

// IsDomain reports whether e is a domain entry.
func (e Entry) IsDomain() bool { return e.Domain != "" }

// List is a parsed threat or trusted list.
type List struct {
	Name   string
	Format Format
	// Family is the finding family the list feeds; FamilyCustom when unset.
	Family  Family
	Entries []Entry
}

// Len returns the number of entries.
func (l *List) Len() int { return len(l.Entries) }

// LineError reports an invalid or unsupported line, which was skipped.
// For STIX, Line is the line where the object starts.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// Parse reads a list in format f from r. name identifies the list in
// errors and matches (usually its file name or URL). limit is the maximum
// number of entries (0 or less: no limit); reading stops at the first entry
// beyond it and the list so far is returned with an error wrapping
// ErrLimitExceeded. Invalid lines are skipped and returned as LineErrors.
// Other errors (unreadable input, a STIX document that is not a bundle)
// return a nil list.
func Parse(f Format, r io.Reader, name string, limit int) (*List, []*LineError, error) {
	b := &builder{list: &List{Name: name, Format: f}, limit: limit}
	var err error
	switch f {
	case TXT:
		err = parseTXT(b, r)
	case STIX:
		err = parseSTIX(b, r)
	case AlienVault:
		err = parseAlienVault(b, r)
	case OTXCSV, ProofPoint, FireEye:
		err = parseCSV(b, r)
	case TorExitList:
		err = parseTorExitList(b, r)
	case SpamhausDROP:
		err = parseSpamhausDROP(b, r)
	case FeodoTracker:
		err = parseFeodoTracker(b, r)
	case HostsFile:
		err = parseHostsFile(b, r)
	default:
		return nil, nil, fmt.Errorf("%s: %w: %q", name, ErrUnknownFormat, string(f))
	}
	if err != nil && !errors.Is(err, ErrLimitExceeded) {
		return nil, b.errs, fmt.Errorf("read %s: %w", name, err)
	}
	return b.list, b.errs, err
}

// builder collects entries and line errors while a list is parsed.
type builder struct {
	list  *List
	errs  []*LineError
	limit int
}

func (b *builder) lineErr(line int, err error) {
	b.errs = append(b.errs, &LineError{File: b.list.Name, Line: line, Err: err})
}

// add parses value and appends it; an invalid value becomes a LineError.
// It returns an error only when the limit is exceeded.
func (b *builder) add(line int, value, threat string) error {
	e, err := parseValue(value)
	if err != nil {
		b.lineErr(line, err)
		return nil
	}
	return b.addEntry(e, threat)
}

func (b *builder) addEntry(e Entry, threat string) error {
	if b.limit > 0 && len(b.list.Entries) >= b.limit {
		return fmt.Errorf("%s: more than %d entries: %w", b.list.Name, b.limit, ErrLimitExceeded)
	}
	e.ThreatName = threat
	b.list.Entries = append(b.list.Entries, e)
	return nil
}

// parseValue parses an IP address, CIDR or domain.
func parseValue(s string) (Entry, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Entry{}, fmt.Errorf("%w: empty", ErrInvalidValue)
	}
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Entry{}, fmt.Errorf("%w: %q", ErrInvalidValue, s)
		}
		return Entry{Prefix: normPrefix(p)}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return Entry{}, fmt.Errorf("%w: %q has a zone", ErrInvalidValue, s)
		}
		a = a.Unmap()
		return Entry{Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	d, ok := normDomainEntry(s)
	if !ok {
		return Entry{}, fmt.Errorf("%w: %q", ErrInvalidValue, truncate(s))
	}
	return Entry{Domain: d}, nil
}

// normPrefix masks p and turns an IPv4-mapped IPv6 prefix into IPv4.
func normPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
	}
	return p.Masked()
}

// normDomainEntry lower-cases d, drops a trailing dot and a leading "*."
// and checks it is a plausible host name with at least two labels and a
// non-numeric last label.
func normDomainEntry(d string) (string, bool) {
	d = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(d), "."), "*.")
	if len(d) == 0 || len(d) > 253 {
		return "", false
	}
	labels, last, numeric, lastNumeric := 0, 0, true, false
	for i := 0; i <= len(d); i++ {
		if i == len(d) || d[i] == '.' {
			if i-last == 0 || i-last > 63 || d[last] == '-' || d[i-1] == '-' {
				return "", false
			}
			labels++
			last = i + 1
			lastNumeric, numeric = numeric, true
			continue
		}
		c := d[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c == '-', c == '_':
			numeric = false
		default:
			return "", false
		}
	}
	return d, labels >= 2 && !lastNumeric
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
