package intel

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBuiltinTestDomains(t *testing.T) {
	lists := BuiltinTestDomains()
	fams := map[Family]bool{}
	for _, l := range lists {
		if l.Format != TXT || !strings.HasPrefix(l.Name, "Vigil built-in: GuardDuty test domains (") || fams[l.Family] || l.Len() == 0 {
			t.Errorf("list %q (%s, %s, %d entries): want a non-empty TXT built-in list, one per family", l.Name, l.Format, l.Family, l.Len())
		}
		fams[l.Family] = true
		for _, e := range l.Entries {
			if d, ok := normDomainEntry(e.Domain); !ok || d != e.Domain || !strings.HasSuffix(e.ThreatName, " test domain "+e.Domain) {
				t.Errorf("entry %+v: want a normalized domain and a threat name ending with it", e)
			}
		}
	}
	lists[0].Entries[0].Domain = "changed.example"
	if BuiltinTestDomains()[0].Entries[0].Domain == "changed.example" {
		t.Error("BuiltinTestDomains returns shared lists")
	}
}

func TestBuiltinTestDomainsLookup(t *testing.T) {
	s := NewSet(BuiltinTestDomains()...)
	m := func(fam Family, threat string) Match {
		return Match{ListName: "Vigil built-in: GuardDuty test domains (" + string(fam) + ")", ThreatName: threat, Family: fam}
	}
	c2 := m(FamilyC2, "Backdoor test domain guarddutyc2activityb.com")
	tests := []struct {
		query string
		want  []Match
		best  Family // the match of the longest listed suffix
	}{
		{"guarddutyc2activityb.com", []Match{c2}, FamilyC2},
		{"GuardDutyC2ActivityB.com.", []Match{c2}, FamilyC2},
		{"c2.guarddutyc2activityb.com", []Match{c2, m(FamilyC2, "Backdoor test domain c2.guarddutyc2activityb.com")}, FamilyC2},
		{"crypto.guarddutyc2activityb.com", []Match{c2, m(FamilyBitcoin, "CryptoCurrency test domain crypto.guarddutyc2activityb.com")}, FamilyBitcoin},
		{"pool.crypto.guarddutyc2activityb.com", []Match{c2, m(FamilyBitcoin, "CryptoCurrency test domain crypto.guarddutyc2activityb.com")}, FamilyBitcoin},
		{"other.guarddutyc2activityb.com", []Match{c2}, FamilyC2},
		{"guarddutydroppointactivity.com", []Match{m(FamilyDropPoint, "Trojan test domain guarddutydroppointactivity.com")}, FamilyDropPoint},
		{"guarddutyblackholeactivity.com", []Match{m(FamilyBlackhole, "Trojan test domain guarddutyblackholeactivity.com")}, FamilyBlackhole},
		{"guarddutyphishingactivity.com", []Match{m(FamilyPhishing, "Trojan test domain guarddutyphishingactivity.com")}, FamilyPhishing},
		{"www.guarddutydrivebyactivity.com", []Match{m(FamilyDriveBy, "Trojan test domain guarddutydrivebyactivity.com")}, FamilyDriveBy},
		{"guarddutydgaactivity.com", []Match{m(FamilyDGA, "Trojan test domain guarddutydgaactivity.com")}, FamilyDGA},
		{"abused-rep.guarddutyc2activityb.com", []Match{c2, m(FamilyAbusedDomain, "Impact test domain abused-rep.guarddutyc2activityb.com")}, FamilyAbusedDomain},
		{"bitcoin-rep.guarddutyc2activityb.com", []Match{c2, m(FamilyBitcoinDomain, "Impact test domain bitcoin-rep.guarddutyc2activityb.com")}, FamilyBitcoinDomain},
		{"malicious-rep.guarddutyc2activityb.com", []Match{c2, m(FamilyMaliciousDomain, "Impact test domain malicious-rep.guarddutyc2activityb.com")}, FamilyMaliciousDomain},
		{"suspicious-rep.guarddutyc2activityb.com", []Match{c2, m(FamilySuspiciousDomain, "Impact test domain suspicious-rep.guarddutyc2activityb.com")}, FamilySuspiciousDomain},
		{"guardduty.example", nil, ""},
	}
	sortMatches := cmpopts.SortSlices(func(x, y Match) bool { return x.ThreatName < y.ThreatName })
	for _, tt := range tests {
		got := s.LookupDomain(tt.query)
		if diff := cmp.Diff(tt.want, got, sortMatches, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("LookupDomain(%q) mismatch (-want +got):\n%s", tt.query, diff)
		}
		if best := longestSuffixMatch(tt.query, got); best.Family != tt.best {
			t.Errorf("longest-suffix match of LookupDomain(%q) = %+v, want family %q", tt.query, best, tt.best)
		}
	}
}

// longestSuffixMatch picks, as the built-in lists' doc comment tells
// callers to, the match whose test domain (the last word of its threat
// name) is the longest suffix of query.
func longestSuffixMatch(query string, ms []Match) Match {
	query = strings.ToLower(strings.TrimSuffix(query, "."))
	var best Match
	bestLen := -1
	for _, m := range ms {
		d := m.ThreatName[strings.LastIndexByte(m.ThreatName, ' ')+1:]
		if (query == d || strings.HasSuffix(query, "."+d)) && len(d) > bestLen {
			best, bestLen = m, len(d)
		}
	}
	return best
}

func TestBuiltinTestDomainsCoverFamilies(t *testing.T) {
	var got []Family
	for _, l := range BuiltinTestDomains() {
		got = append(got, l.Family)
	}
	want := slices.DeleteFunc(slices.Clone(Families), func(f Family) bool {
		return f == FamilyCustom || f == FamilyMalicious || f == FamilyTor
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("families of BuiltinTestDomains() mismatch (-want +got):\n%s", diff)
	}
}
