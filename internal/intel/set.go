package intel

import (
	"net/netip"
	"slices"
	"strings"
)

// Match names a list that contains a looked-up value.
type Match struct {
	ListName   string
	ThreatName string // the entry's category or activity; may be empty
	Family     Family // the finding family of the list
}

// Set answers which lists contain an IP address or a domain. It is
// immutable once built and safe for concurrent use.
type Set struct {
	v4      table4
	v6      table6
	domains map[string]uint32 // domain → index in sets, parents' matches included
	own     map[string]uint32 // domain → index in sets, its own matches only
	sets    [][]Match         // sets[0] is empty
}

// NewSet builds a Set from lists. Addresses and CIDRs are flattened into
// sorted, non-overlapping ranges per address family, each carrying every
// match of the prefixes that cover it, so that a lookup is one search.
func NewSet(lists ...*List) *Set {
	in := newInterner()
	var v4, v6 []prefixEntry
	domains := make(map[string][]uint32)
	for _, l := range lists {
		fam := l.Family
		if fam == "" {
			fam = FamilyCustom
		}
		for _, e := range l.Entries {
			id := in.match(Match{ListName: l.Name, ThreatName: e.ThreatName, Family: fam})
			switch {
			case e.IsDomain():
				domains[e.Domain] = append(domains[e.Domain], id)
			case e.Prefix.Addr().Is4():
				v4 = append(v4, newPrefixEntry(e.Prefix, id))
			case e.Prefix.IsValid():
				v6 = append(v6, newPrefixEntry(e.Prefix, id))
			}
		}
	}
	s := &Set{domains: buildDomains(in, domains), own: make(map[string]uint32, len(domains))}
	for d, ids := range domains {
		s.own[d] = in.set(ids)
	}
	s.v4 = newTable4(sweep(in, v4, u128{0, 1<<32 - 1}))
	s.v6 = newTable6(sweep(in, v6, u128{^uint64(0), ^uint64(0)}))
	s.sets = in.sets
	return s
}

// LookupIP returns the matches of every list that contains a, exactly or
// in a CIDR; nil if none. IPv4-mapped IPv6 addresses are looked up as
// IPv4. The result is shared and must not be modified.
func (s *Set) LookupIP(a netip.Addr) []Match {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return s.sets[s.v4.lookup(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))]
	}
	if !a.IsValid() {
		return nil
	}
	return s.sets[s.v6.lookup(addrKey(a))]
}

// LookupDomain returns the matches of every list that contains domain or
// one of its parent domains; nil if none. Case and a trailing dot are
// ignored. The result is shared and must not be modified.
func (s *Set) LookupDomain(domain string) []Match {
	d := normQuery(domain)
	for {
		if id, ok := s.domains[d]; ok {
			return s.sets[id]
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return nil
		}
		d = d[i+1:]
	}
}

// LookupDomainMostSpecific returns the matches of the lists that contain
// the longest listed suffix of domain (the domain itself or its nearest
// listed parent) and nothing for listed ancestors further up: for
// "crypto.guarddutyc2activityb.com" the lists naming that name, not those
// naming only "guarddutyc2activityb.com". The matched suffix is returned
// with them. The result is shared and must not be modified.
func (s *Set) LookupDomainMostSpecific(domain string) (string, []Match) {
	d := normQuery(domain)
	for {
		if id, ok := s.own[d]; ok {
			return d, s.sets[id]
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return "", nil
		}
		d = d[i+1:]
	}
}

func normQuery(d string) string {
	d = strings.TrimSuffix(d, ".")
	for i := 0; i < len(d); i++ {
		if c := d[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(d)
		}
	}
	return d
}

// buildDomains gives each listed domain the matches of its listed parents
// too, so a lookup stops at the longest listed suffix.
func buildDomains(in *interner, domains map[string][]uint32) map[string]uint32 {
	out := make(map[string]uint32, len(domains))
	var ids []uint32
	for d, own := range domains {
		ids = append(ids[:0], own...)
		for p := d; ; {
			i := strings.IndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[i+1:]
			ids = append(ids, domains[p]...)
		}
		out[d] = in.set(ids)
	}
	return out
}

// interner gives matches and sets of matches small integer ids.
type interner struct {
	matches []Match
	matchID map[Match]uint32
	sets    [][]Match
	setIDs  [][]uint32 // the match ids of each set
	setID   map[string]uint32
	key     []byte
}

func newInterner() *interner {
	return &interner{matchID: map[Match]uint32{}, sets: [][]Match{nil}, setIDs: [][]uint32{nil}, setID: map[string]uint32{"": 0}}
}

func (in *interner) match(m Match) uint32 {
	id, ok := in.matchID[m]
	if !ok {
		id = uint32(len(in.matches))
		in.matches = append(in.matches, m)
		in.matchID[m] = id
	}
	return id
}

// set returns the id of the set of match ids; it sorts ids in place.
func (in *interner) set(ids []uint32) uint32 {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	in.key = in.key[:0]
	for _, id := range ids {
		in.key = append(in.key, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	}
	if id, ok := in.setID[string(in.key)]; ok {
		return id
	}
	ms := make([]Match, len(ids))
	for i, id := range ids {
		ms[i] = in.matches[id]
	}
	id := uint32(len(in.sets))
	in.sets = append(in.sets, slices.Clip(ms))
	in.setIDs = append(in.setIDs, slices.Clone(ids))
	in.setID[string(in.key)] = id
	return id
}
