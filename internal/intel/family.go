package intel

import (
	"fmt"
	"strings"
)

// Family says which finding family a list feeds. A user's threat list
// (a ThreatIntelSet) feeds the ".Custom" findings; the open feeds and the
// built-in GuardDuty test domains feed the families GuardDuty fills from
// its own threat intelligence.
type Family string

// List families.
const (
	// FamilyCustom: a user's threat list → *MaliciousIPCaller.Custom,
	// Impact:EC2/MaliciousDomainRequest.Custom.
	FamilyCustom Family = "custom"
	// FamilyMalicious: known malicious hosts → *MaliciousIPCaller.
	FamilyMalicious Family = "malicious"
	// FamilyTor: Tor exit nodes → *TorIPCaller.
	FamilyTor Family = "tor"
	// FamilyC2: command-and-control servers → Backdoor:EC2/C&CActivity.B(!DNS).
	FamilyC2 Family = "c2"
	// FamilyBitcoin: cryptocurrency mining pools → CryptoCurrency:EC2/BitcoinTool.B(!DNS).
	FamilyBitcoin Family = "bitcoin"
	// FamilyBlackhole → Trojan:EC2/BlackholeTraffic(!DNS).
	FamilyBlackhole Family = "blackhole"
	// FamilyDropPoint → Trojan:EC2/DropPoint(!DNS).
	FamilyDropPoint Family = "drop_point"
	// FamilyPhishing → Trojan:EC2/PhishingDomainRequest!DNS.
	FamilyPhishing Family = "phishing"
	// FamilyDriveBy → Trojan:EC2/DriveBySourceTraffic!DNS.
	FamilyDriveBy Family = "drive_by"
	// FamilyDGA → Trojan:EC2/DGADomainRequest.C!DNS (known DGA domains).
	FamilyDGA Family = "dga"
	// Domain reputation → Impact:EC2/*DomainRequest.Reputation.
	FamilyAbusedDomain     Family = "abused_domain"
	FamilyBitcoinDomain    Family = "bitcoin_domain"
	FamilyMaliciousDomain  Family = "malicious_domain"
	FamilySuspiciousDomain Family = "suspicious_domain"
)

// Families lists every family.
var Families = []Family{
	FamilyCustom, FamilyMalicious, FamilyTor, FamilyC2, FamilyBitcoin,
	FamilyBlackhole, FamilyDropPoint, FamilyPhishing, FamilyDriveBy, FamilyDGA,
	FamilyAbusedDomain, FamilyBitcoinDomain, FamilyMaliciousDomain, FamilySuspiciousDomain,
}

// ParseFamily returns the family named s (case-insensitive).
func ParseFamily(s string) (Family, error) {
	f := Family(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Families {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown list family %q (one of %v)", s, Families)
}
