// Package intel reads threat lists and trusted lists in the formats
// GuardDuty accepts for ThreatIntelSets and IPSets (TXT, STIX, OTX_CSV,
// ALIEN_VAULT, PROOF_POINT, FIRE_EYE) and matches IP addresses and
// domains against them.
//
// A list is parsed from an io.Reader with [Parse]; invalid lines are
// reported as [*LineError] and skipped. A [Set] combines lists and answers
// which of them contain an address (exactly or inside a CIDR) or a domain
// (the domain itself or any parent domain that is listed).
//
// This package never fetches anything over the network and never produces
// findings: loading from URLs, refreshing and detection belong to callers.
package intel
