package intel

import (
	"net/netip"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Intel is one consistent view of everything Vigil knows about addresses
// and domains: threat lists (users' lists, open feeds, built-in test
// domains), trusted lists, GeoIP/ASN databases and AWS's ranges. It is
// immutable; a refresh builds a new Intel. Every field may be nil, and
// every method is safe on a nil *Intel.
type Intel struct {
	Threats *Set       // threat lists of every family
	Trusted *Set       // trusted IP lists
	Geo     *GeoDB     // GeoIP and ASN databases
	AWS     *AWSRanges // AWS's published ip-ranges.json
	// AccountIPs are addresses known to belong to an account (its Elastic
	// IPs, NAT gateways), keyed by account id; they tell a credential
	// reused from the same account apart from another account's address.
	AccountIPs map[string]*Set
}

// TrustedIP reports whether a is on a trusted list. As in GuardDuty, only
// publicly routable addresses can be trusted.
func (in *Intel) TrustedIP(a netip.Addr) bool {
	if in == nil || in.Trusted == nil || !a.IsValid() || !IsPublic(a) {
		return false
	}
	return len(in.Trusted.LookupIP(a)) > 0
}

// ThreatIP returns the threat-list matches of a, nil if none.
func (in *Intel) ThreatIP(a netip.Addr) []Match {
	if in == nil || in.Threats == nil || !a.IsValid() {
		return nil
	}
	return in.Threats.LookupIP(a)
}

// ThreatDomain returns the threat-list matches of a domain or its parents.
func (in *Intel) ThreatDomain(d string) []Match {
	if in == nil || in.Threats == nil || d == "" {
		return nil
	}
	return in.Threats.LookupDomain(d)
}

// ThreatDomainMostSpecific returns the matches of the longest listed
// suffix of d, and that suffix (see Set.LookupDomainMostSpecific).
func (in *Intel) ThreatDomainMostSpecific(d string) (string, []Match) {
	if in == nil || in.Threats == nil || d == "" {
		return "", nil
	}
	return in.Threats.LookupDomainMostSpecific(d)
}

// InAWS returns the AWS range holding a; ok is false when a is not in
// AWS's ranges or no ranges are loaded (see HasAWSRanges).
func (in *Intel) InAWS(a netip.Addr) (AWSRange, bool) {
	if in == nil || in.AWS == nil {
		return AWSRange{}, false
	}
	return in.AWS.Lookup(a)
}

// HasAWSRanges reports whether AWS's ranges are loaded, so that "not in
// AWS" can be told apart from "unknown".
func (in *Intel) HasAWSRanges() bool { return in != nil && in.AWS != nil && in.AWS.Len() > 0 }

// AccountOwns reports whether a is a known address of account.
func (in *Intel) AccountOwns(account string, a netip.Addr) bool {
	if in == nil {
		return false
	}
	s := in.AccountIPs[account]
	return s != nil && len(s.LookupIP(a)) > 0
}

// Enrich fills the location and owner of every remote address of f.
func (in *Intel) Enrich(f *finding.Finding) {
	if in == nil || in.Geo == nil {
		return
	}
	for _, d := range f.RemoteIPs() {
		in.Geo.Enrich(d)
	}
}

// IsPublic reports whether a is a publicly routable address: not private,
// loopback, link-local, multicast, unspecified or shared (100.64.0.0/10).
// Documentation ranges count as public, so that examples and tests can
// use them.
func IsPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return false
	}
	return !sharedV4.Contains(a)
}

var sharedV4 = netip.MustParsePrefix("100.64.0.0/10")
