package intel

// The built-in GuardDuty test domains.
//
// GuardDuty documents domains that exist only to produce sample findings: a
// DNS query for one of them from an instance yields the finding of its
// family. Vigil lists them too, so the same tests work without any feed.
//
// The test domains nest: crypto.guarddutyc2activityb.com and the
// *-rep.guarddutyc2activityb.com names are subdomains of the C&C test
// domain guarddutyc2activityb.com, and a Set matches a domain's listed
// parents too. So LookupDomain("crypto.guarddutyc2activityb.com") returns
// both the bitcoin match and the C&C match. Every built-in match's
// ThreatName ends with its exact test domain; a caller that wants one
// finding per query picks the match whose test domain is the longest
// suffix of the query.

// builtinListName prefixes the name of each built-in list; the family
// follows in parentheses.
const builtinListName = "Vigil built-in: GuardDuty test domains"

// builtinTestDomains are GuardDuty's test domains with their families. The
// threat name is "<finding type prefix> test domain <domain>".
var builtinTestDomains = []struct {
	domain string
	family Family
	kind   string // GuardDuty finding type prefix
}{
	{"guarddutyc2activityb.com", FamilyC2, "Backdoor"},
	{"c2.guarddutyc2activityb.com", FamilyC2, "Backdoor"},
	{"crypto.guarddutyc2activityb.com", FamilyBitcoin, "CryptoCurrency"},
	{"guarddutydroppointactivity.com", FamilyDropPoint, "Trojan"},
	{"guarddutyblackholeactivity.com", FamilyBlackhole, "Trojan"},
	{"guarddutyphishingactivity.com", FamilyPhishing, "Trojan"},
	{"guarddutydrivebyactivity.com", FamilyDriveBy, "Trojan"},
	{"guarddutydgaactivity.com", FamilyDGA, "Trojan"},
	{"abused-rep.guarddutyc2activityb.com", FamilyAbusedDomain, "Impact"},
	{"bitcoin-rep.guarddutyc2activityb.com", FamilyBitcoinDomain, "Impact"},
	{"malicious-rep.guarddutyc2activityb.com", FamilyMaliciousDomain, "Impact"},
	{"suspicious-rep.guarddutyc2activityb.com", FamilySuspiciousDomain, "Impact"},
}

// BuiltinTestDomains returns GuardDuty's test domains as one TXT list per
// family, named "Vigil built-in: GuardDuty test domains (<family>)", in the
// order of Families. Each call returns new lists.
func BuiltinTestDomains() []*List {
	var lists []*List
	for _, fam := range Families {
		var l *List
		for _, d := range builtinTestDomains {
			if d.family != fam {
				continue
			}
			if l == nil {
				l = &List{Name: builtinListName + " (" + string(fam) + ")", Format: TXT, Family: fam}
				lists = append(lists, l)
			}
			l.Entries = append(l.Entries, Entry{Domain: d.domain, ThreatName: d.kind + " test domain " + d.domain})
		}
	}
	return lists
}
