package intel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Format is a list format, named as in GuardDuty's API.
type Format string

// The list formats GuardDuty accepts for ThreatIntelSets and IPSets.
const (
	TXT        Format = "TXT"
	STIX       Format = "STIX"
	OTXCSV     Format = "OTX_CSV"
	AlienVault Format = "ALIEN_VAULT"
	ProofPoint Format = "PROOF_POINT"
	FireEye    Format = "FIRE_EYE"
)

// Formats lists the formats GuardDuty accepts. [FeedFormats] lists the
// open feed formats.
var Formats = []Format{TXT, STIX, OTXCSV, AlienVault, ProofPoint, FireEye}

// ErrUnknownFormat is returned for a format name this package does not define.
var ErrUnknownFormat = errors.New("unknown list format")

// ParseFormat returns the Format named s (case-insensitive): one of
// GuardDuty's (TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE) or
// an open feed format (TOR_EXIT_LIST, SPAMHAUS_DROP, FEODO_TRACKER, HOSTS).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToUpper(strings.TrimSpace(s)))
	if f.GuardDuty() || slices.Contains(FeedFormats, f) {
		return f, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownFormat, s)
}

// GuardDuty reports whether f is one of the formats GuardDuty's API accepts
// for ThreatIntelSets and IPSets; the open feed formats are not.
func (f Format) GuardDuty() bool {
	switch f {
	case TXT, STIX, OTXCSV, AlienVault, ProofPoint, FireEye:
		return true
	}
	return false
}
