package intel

import (
	"errors"
	"fmt"
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

// Formats lists every supported format.
var Formats = []Format{TXT, STIX, OTXCSV, AlienVault, ProofPoint, FireEye}

// ErrUnknownFormat is returned for a format name GuardDuty does not define.
var ErrUnknownFormat = errors.New("unknown list format")

// ParseFormat returns the Format named s (case-insensitive, as in
// GuardDuty's API: TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Formats {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownFormat, s)
}
