package api

import "context"

// Lists is where the IP sets and threat intel sets managed through the API
// take effect: Vigil's threat-intelligence loader, which fetches, parses
// and refreshes them like the lists of vigil.yaml.
type Lists interface {
	// SetAPILists replaces the set of active API-managed lists.
	SetAPILists(ctx context.Context, lists []APIList)
	// APIListStatus returns the load state of an API-managed list: its
	// entry count, and the last error ("" when loaded); ok is false when
	// the list is unknown or not loaded yet.
	APIListStatus(id string) (entries int, lastError string, ok bool)
}

// APIList is an active IPSet (Trusted) or ThreatIntelSet.
type APIList struct {
	ID       string
	Name     string
	Location string // s3://, https:// or a local file
	Format   string // TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE
	Trusted  bool
}
