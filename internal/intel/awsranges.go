package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
)

// maxAWSRangesSize bounds the ip-ranges.json read into memory; AWS's own
// file is a few megabytes.
const maxAWSRangesSize = 64 << 20

// AWSRanges holds AWS's published ip-ranges.json and answers which AWS
// range holds an address. It is immutable once built and safe for
// concurrent use.
type AWSRanges struct {
	syncToken, createDate string
	prefixes              []AWSRange // each distinct prefix with its own services
	v4                    table4
	v6                    table6
	ranges                []AWSRange // by set id of the tables; ranges[0] is none
}

// AWSRange is an AWS range holding an address.
type AWSRange struct {
	Prefix             netip.Prefix // the most specific listed prefix
	Region             string       // e.g. "us-east-1" or "GLOBAL"
	Services           []string     // sorted and unique, e.g. ["AMAZON", "EC2"]; shared, do not modify
	NetworkBorderGroup string       // e.g. "us-east-1" or "us-west-2-lax-1"
}

// awsPrefix is an element of the prefixes or ipv6_prefixes array.
type awsPrefix struct {
	IPPrefix           string `json:"ip_prefix"`
	IPv6Prefix         string `json:"ipv6_prefix"`
	Region             string `json:"region"`
	Service            string `json:"service"`
	NetworkBorderGroup string `json:"network_border_group"`
}

// LoadAWSRanges reads the ip-ranges.json file at path; see ParseAWSRanges.
func LoadAWSRanges(path string) (*AWSRanges, []*LineError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ParseAWSRanges(f, path)
}

// ParseAWSRanges reads AWS's ip-ranges.json from r; name identifies it in
// errors. An entry whose prefix is missing or invalid is skipped and
// reported as a LineError whose Line is the line of the file where the
// entry starts. A prefix listed more than once (once per service) keeps
// the region and border group of its first entry. A document that is not
// a JSON object with a "prefixes" or "ipv6_prefixes" array is an error.
func ParseAWSRanges(r io.Reader, name string) (*AWSRanges, []*LineError, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxAWSRangesSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxAWSRangesSize {
		return nil, nil, fmt.Errorf("read %s: larger than %d bytes", name, maxAWSRangesSize)
	}
	p := awsParser{name: name, dec: json.NewDecoder(bytes.NewReader(data)), lines: lineCounter{data: data, line: 1}, index: map[netip.Prefix]int{}}
	if err := p.document(); err != nil {
		return nil, p.errs, fmt.Errorf("read %s: %w", name, err)
	}
	return newAWSRanges(&p), p.errs, nil
}

type awsParser struct {
	name                  string
	dec                   *json.Decoder
	lines                 lineCounter
	errs                  []*LineError
	syncToken, createDate string
	prefixes              []AWSRange
	index                 map[netip.Prefix]int // prefix → index in prefixes
}

func (p *awsParser) document() error {
	if tok, err := p.dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("ip-ranges: not a JSON object")
	}
	arrays := 0
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return fmt.Errorf("ip-ranges: %w", err)
		}
		switch tok {
		case "syncToken":
			err = p.dec.Decode(&p.syncToken)
		case "createDate":
			err = p.dec.Decode(&p.createDate)
		case "prefixes":
			arrays++
			err = p.array("prefixes", "ip_prefix")
		case "ipv6_prefixes":
			arrays++
			err = p.array("ipv6_prefixes", "ipv6_prefix")
		default:
			var skip json.RawMessage
			err = p.dec.Decode(&skip)
		}
		if err != nil {
			return fmt.Errorf("ip-ranges: %v: %w", tok, err)
		}
	}
	if _, err := p.dec.Token(); err != nil { // '}'
		return fmt.Errorf("ip-ranges: %w", err)
	}
	if arrays == 0 {
		return errors.New(`ip-ranges: no "prefixes" or "ipv6_prefixes"`)
	}
	return nil
}

// array reads the elements of a prefixes array; key names the prefix field.
func (p *awsParser) array(array, key string) error {
	if tok, err := p.dec.Token(); err != nil || tok != json.Delim('[') {
		return errors.New("not an array")
	}
	for i := 0; p.dec.More(); i++ {
		line := p.lines.at(int(p.dec.InputOffset()))
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return fmt.Errorf("element %d (line %d): %w", i, line, err)
		}
		var e awsPrefix
		if err := json.Unmarshal(raw, &e); err != nil {
			p.lineErr(line, fmt.Errorf("%s[%d]: %w", array, i, err))
			continue
		}
		s := e.IPPrefix
		if key == "ipv6_prefix" {
			s = e.IPv6Prefix
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			p.lineErr(line, fmt.Errorf("%s[%d]: %w: %s %q", array, i, ErrInvalidValue, key, truncate(s)))
			continue
		}
		p.add(normPrefix(pfx), e)
	}
	_, err := p.dec.Token() // ']'
	return err
}

func (p *awsParser) lineErr(line int, err error) {
	p.errs = append(p.errs, &LineError{File: p.name, Line: line, Err: err})
}

func (p *awsParser) add(pfx netip.Prefix, e awsPrefix) {
	i, ok := p.index[pfx]
	if !ok {
		i = len(p.prefixes)
		p.index[pfx] = i
		p.prefixes = append(p.prefixes, AWSRange{Prefix: pfx, Region: e.Region, NetworkBorderGroup: e.NetworkBorderGroup})
	}
	if e.Service != "" && !slices.Contains(p.prefixes[i].Services, e.Service) {
		r := &p.prefixes[i]
		r.Services = append(r.Services, e.Service)
		slices.Sort(r.Services)
	}
}

// newAWSRanges flattens the prefixes into the same sorted segment tables
// a Set uses. Each prefix is its own match, so the set of a segment is
// every prefix covering it; each set is then resolved once into the most
// specific prefix and the union of the services.
func newAWSRanges(p *awsParser) *AWSRanges {
	in := newInterner()
	var v4, v6 []prefixEntry
	byMatch := make([]int, len(p.prefixes)) // match id → index in prefixes
	for i, r := range p.prefixes {
		id := in.match(Match{ListName: p.name, ThreatName: r.Prefix.String()})
		byMatch[id] = i
		if r.Prefix.Addr().Is4() {
			v4 = append(v4, newPrefixEntry(r.Prefix, id))
		} else {
			v6 = append(v6, newPrefixEntry(r.Prefix, id))
		}
	}
	a := &AWSRanges{syncToken: p.syncToken, createDate: p.createDate, prefixes: p.prefixes}
	a.v4 = newTable4(sweep(in, v4, u128{0, 1<<32 - 1}))
	a.v6 = newTable6(sweep(in, v6, u128{^uint64(0), ^uint64(0)}))
	a.ranges = make([]AWSRange, len(in.setIDs))
	for set, ids := range in.setIDs {
		if len(ids) == 0 {
			continue
		}
		var best AWSRange
		var services []string
		for _, id := range ids {
			r := p.prefixes[byMatch[id]]
			if !best.Prefix.IsValid() || r.Prefix.Bits() > best.Prefix.Bits() {
				best = r
			}
			services = append(services, r.Services...)
		}
		slices.Sort(services)
		best.Services = slices.Clip(slices.Compact(services))
		a.ranges[set] = best
	}
	return a
}

// Lookup returns the AWS range holding a: the most specific listed prefix
// with its region and border group, and the services of every prefix
// holding a (an EC2 address is listed under both AMAZON and EC2). ok is
// false when a is in no listed prefix. IPv4-mapped IPv6 addresses are
// looked up as IPv4. A nil AWSRanges holds nothing.
func (r *AWSRanges) Lookup(a netip.Addr) (AWSRange, bool) {
	if r == nil || !a.IsValid() {
		return AWSRange{}, false
	}
	a = a.Unmap()
	var set uint32
	if a.Is4() {
		b := a.As4()
		set = r.v4.lookup(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	} else {
		set = r.v6.lookup(addrKey(a))
	}
	return r.ranges[set], set != 0
}

// SyncToken returns the file's syncToken (publication time in Unix seconds).
func (r *AWSRanges) SyncToken() string {
	if r == nil {
		return ""
	}
	return r.syncToken
}

// CreateDate returns the file's createDate, e.g. "2024-06-19-18-43-08".
func (r *AWSRanges) CreateDate() string {
	if r == nil {
		return ""
	}
	return r.createDate
}

// Len returns the number of distinct prefixes, IPv4 and IPv6.
func (r *AWSRanges) Len() int {
	if r == nil {
		return 0
	}
	return len(r.prefixes)
}
