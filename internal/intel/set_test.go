package intel

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustParse(t testing.TB, f Format, name, in string) *List {
	t.Helper()
	l, errs, err := Parse(f, strings.NewReader(in), name, 0)
	if err != nil || len(errs) > 0 {
		t.Fatalf("Parse(%s): %v %v", name, err, errs)
	}
	return l
}

func TestLookupIP(t *testing.T) {
	a := mustParse(t, TXT, "a", "10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n192.0.2.0/24\n2001:db8::/32\n2001:db8::1\n0.0.0.0/0\n")
	b := mustParse(t, AlienVault, "b", "10.1.2.3#1#1#Scanner\n255.255.255.255#1#1#Edge\n203.0.113.7#1#1#C2\n::ffff:198.51.100.0#1#1#Mapped\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff#1#1#Top\n")
	c := mustParse(t, TXT, "c", "10.1.0.0/16\n::/0\n")
	s := NewSet(a, b, c)
	m := func(list, threat string) Match { return Match{ListName: list, ThreatName: threat} }
	tests := []struct {
		ip   string
		want []Match
	}{
		{"9.255.255.255", []Match{m("a", "")}},
		{"10.0.0.0", []Match{m("a", "")}},
		{"10.0.255.255", []Match{m("a", "")}},
		{"10.1.0.0", []Match{m("a", ""), m("c", "")}},
		{"10.1.2.2", []Match{m("a", ""), m("c", "")}},
		{"10.1.2.3", []Match{m("a", ""), m("b", "Scanner"), m("c", "")}},
		{"10.1.2.4", []Match{m("a", ""), m("c", "")}},
		{"10.1.255.255", []Match{m("a", ""), m("c", "")}},
		{"10.2.0.0", []Match{m("a", "")}},
		{"10.255.255.255", []Match{m("a", "")}},
		{"11.0.0.0", []Match{m("a", "")}},
		{"192.0.2.0", []Match{m("a", "")}},
		{"255.255.255.255", []Match{m("a", ""), m("b", "Edge")}},
		{"203.0.113.7", []Match{m("a", ""), m("b", "C2")}},
		{"::ffff:203.0.113.7", []Match{m("a", ""), m("b", "C2")}},
		{"198.51.100.0", []Match{m("a", ""), m("b", "Mapped")}},
		{"2001:db8::1", []Match{m("a", ""), m("c", "")}},
		{"2001:db8::2", []Match{m("a", ""), m("c", "")}},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", []Match{m("a", ""), m("c", "")}},
		{"2001:db9::", []Match{m("c", "")}},
		{"::", []Match{m("c", "")}},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []Match{m("b", "Top"), m("c", "")}},
	}
	sortMatches := cmpopts.SortSlices(func(x, y Match) bool { return x.ListName+x.ThreatName < y.ListName+y.ThreatName })
	for _, tt := range tests {
		got := s.LookupIP(netip.MustParseAddr(tt.ip))
		if diff := cmp.Diff(tt.want, got, sortMatches, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Match{}, "Family")); diff != "" {
			t.Errorf("LookupIP(%s) mismatch (-want +got):\n%s", tt.ip, diff)
		}
	}
	if got := NewSet(a).LookupIP(netip.MustParseAddr("2001:db9::")); got != nil {
		t.Errorf("LookupIP(2001:db9::) = %v, want nil", got)
	}
	if got := s.LookupIP(netip.Addr{}); got != nil {
		t.Errorf("LookupIP(invalid) = %v, want nil", got)
	}
}

func TestLookupIPBoundaries(t *testing.T) {
	s := NewSet(mustParse(t, TXT, "l", "192.0.2.16/28\n192.0.2.32/28\n2001:db8:0:1::/64\n"))
	tests := map[string]bool{
		"192.0.2.15": false, "192.0.2.16": true, "192.0.2.31": true, "192.0.2.32": true,
		"192.0.2.47": true, "192.0.2.48": false,
		"2001:db8::ffff:ffff:ffff:ffff": false, "2001:db8:0:1::": true,
		"2001:db8:0:1:ffff:ffff:ffff:ffff": true, "2001:db8:0:2::": false,
	}
	for ip, want := range tests {
		if got := len(s.LookupIP(netip.MustParseAddr(ip))) > 0; got != want {
			t.Errorf("LookupIP(%s) matched = %v, want %v", ip, got, want)
		}
	}
}

func TestLookupDomain(t *testing.T) {
	a := mustParse(t, TXT, "a", "evil.example\nc2.bad.example\n")
	b := mustParse(t, OTXCSV, "b", "Indicator type,Indicator,Description\ndomain,sub.evil.example,phish\n")
	s := NewSet(a, b)
	tests := []struct {
		domain string
		want   []string
	}{
		{"evil.example", []string{"a"}},
		{"EVIL.Example.", []string{"a"}},
		{"x.y.evil.example", []string{"a"}},
		{"sub.evil.example", []string{"a", "b"}},
		{"deep.sub.evil.example", []string{"a", "b"}},
		{"notevil.example", nil},
		{"evil.example.com", nil},
		{"example", nil},
		{"bad.example", nil},
		{"c2.bad.example", []string{"a"}},
		{"", nil},
		{".", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range s.LookupDomain(tt.domain) {
			got = append(got, m.ListName)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Match{}, "Family")); diff != "" {
			t.Errorf("LookupDomain(%q) mismatch (-want +got):\n%s", tt.domain, diff)
		}
	}
}

func TestEmptySet(t *testing.T) {
	s := NewSet()
	if got := s.LookupIP(netip.MustParseAddr("1.2.3.4")); got != nil {
		t.Errorf("LookupIP on an empty set = %v", got)
	}
	if got := s.LookupIP(netip.MustParseAddr("::1")); got != nil {
		t.Errorf("LookupIP on an empty set = %v", got)
	}
	if got := s.LookupDomain("a.example"); got != nil {
		t.Errorf("LookupDomain on an empty set = %v", got)
	}
}

func TestLookupDomainMostSpecific(t *testing.T) {
	s := NewSet(BuiltinTestDomains()...)
	for _, tt := range []struct {
		q, suffix string
		fam       Family
	}{
		{"crypto.guarddutyc2activityb.com.", "crypto.guarddutyc2activityb.com", FamilyBitcoin},
		{"x.c2.GuardDutyC2ActivityB.com", "c2.guarddutyc2activityb.com", FamilyC2},
		{"guarddutyc2activityb.com", "guarddutyc2activityb.com", FamilyC2},
		{"www.guarddutyphishingactivity.com", "guarddutyphishingactivity.com", FamilyPhishing},
	} {
		suffix, ms := s.LookupDomainMostSpecific(tt.q)
		if suffix != tt.suffix || len(ms) != 1 || ms[0].Family != tt.fam {
			t.Errorf("LookupDomainMostSpecific(%q) = %q %v, want %q and one %s match", tt.q, suffix, ms, tt.suffix, tt.fam)
		}
	}
	if suffix, ms := s.LookupDomainMostSpecific("example.com"); suffix != "" || ms != nil {
		t.Errorf("unlisted domain: %q %v", suffix, ms)
	}
}
