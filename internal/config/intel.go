package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/intel"
)

// Intel configures threat intelligence and enrichment: users' threat and
// trusted lists (GuardDuty's ThreatIntelSets and IPSets), open feeds,
// GeoIP/ASN databases and AWS's ip-ranges.json.
type Intel struct {
	// ThreatLists feed the ".Custom" findings (or another family when
	// Family is set); TrustedLists stop CloudTrail and flow-log findings
	// for their addresses.
	ThreatLists  []IntelList `yaml:"threat_lists"`
	TrustedLists []IntelList `yaml:"trusted_lists"`
	// Feeds are open feeds in their native formats (kind: tor,
	// spamhaus_drop, spamhaus_edrop, feodo, urlhaus, threatfox,
	// mining_pools).
	Feeds []IntelFeed `yaml:"feeds"`
	// BuiltinTestDomains enables GuardDuty's test domains (default true).
	BuiltinTestDomains *bool `yaml:"builtin_test_domains"`
	// GeoIP names MaxMind-format databases (GeoLite2, GeoIP2 or DB-IP).
	GeoIP GeoIP `yaml:"geoip"`
	// AWSIPRanges is a copy of https://ip-ranges.amazonaws.com/ip-ranges.json
	// (a file, https:// URL or s3:// object).
	AWSIPRanges string `yaml:"aws_ip_ranges"`
	// AccountIPs lists addresses and CIDRs that belong to each account
	// (Elastic IPs, NAT gateways), besides those learnt from CloudTrail.
	AccountIPs map[string][]string `yaml:"account_ips"`
	// Refresh is how often lists are fetched again (default 1h); local
	// files are also reloaded within seconds of a change.
	Refresh time.Duration `yaml:"refresh"`
	Limits  IntelLimits   `yaml:"limits"`
}

// IntelList is one threat or trusted list.
type IntelList struct {
	Name     string `yaml:"name"`     // default: the location
	Location string `yaml:"location"` // a file, https:// URL or s3://bucket/key
	Format   string `yaml:"format"`   // TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE (default TXT)
	Family   string `yaml:"family"`   // threat lists only; default custom
}

// IntelFeed is an open feed.
type IntelFeed struct {
	Kind     string `yaml:"kind"`
	Name     string `yaml:"name"` // default: the kind
	Location string `yaml:"location"`
	Family   string `yaml:"family"` // default: the kind's
}

// GeoIP names the MMDB files; either may be empty.
type GeoIP struct {
	City string `yaml:"city"` // a City or Country database
	ASN  string `yaml:"asn"`  // an ASN or ISP database
}

// IntelLimits are GuardDuty's list limits by default.
type IntelLimits struct {
	ThreatLists        int `yaml:"threat_lists"`         // default 6
	ThreatListEntries  int `yaml:"threat_list_entries"`  // default 250,000
	TrustedLists       int `yaml:"trusted_lists"`        // default 1
	TrustedListEntries int `yaml:"trusted_list_entries"` // default 2,000
	FeedEntries        int `yaml:"feed_entries"`         // default 1,000,000
}

// Defaults of the intel section: GuardDuty's limits.
const (
	DefaultIntelRefresh       = time.Hour
	DefaultThreatLists        = 6
	DefaultThreatListEntries  = 250000
	DefaultTrustedLists       = 1
	DefaultTrustedListEntries = 2000
	DefaultFeedEntries        = 1000000
)

func (c *Intel) fill() {
	if c.Refresh == 0 {
		c.Refresh = DefaultIntelRefresh
	}
	if c.BuiltinTestDomains == nil {
		t := true
		c.BuiltinTestDomains = &t
	}
	l := &c.Limits
	for _, d := range []struct {
		v   *int
		def int
	}{
		{&l.ThreatLists, DefaultThreatLists}, {&l.ThreatListEntries, DefaultThreatListEntries},
		{&l.TrustedLists, DefaultTrustedLists}, {&l.TrustedListEntries, DefaultTrustedListEntries},
		{&l.FeedEntries, DefaultFeedEntries},
	} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, ls := range [][]IntelList{c.ThreatLists, c.TrustedLists} {
		for i := range ls {
			if ls[i].Format == "" {
				ls[i].Format = string(intel.TXT)
			}
			if ls[i].Name == "" {
				ls[i].Name = ls[i].Location
			}
		}
	}
	for i := range c.Feeds {
		if c.Feeds[i].Name == "" {
			c.Feeds[i].Name = c.Feeds[i].Kind
		}
	}
}

func (c *Intel) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("intel."+format, a...)) }
	if c.Refresh < time.Second {
		add("refresh: %v is below 1s", c.Refresh)
	}
	if len(c.ThreatLists) > c.Limits.ThreatLists {
		add("threat_lists: %d lists, more than the limit of %d (intel.limits.threat_lists)", len(c.ThreatLists), c.Limits.ThreatLists)
	}
	if len(c.TrustedLists) > c.Limits.TrustedLists {
		add("trusted_lists: %d lists, more than the limit of %d (intel.limits.trusted_lists)", len(c.TrustedLists), c.Limits.TrustedLists)
	}
	names := map[string]bool{}
	checkName := func(field, name string) {
		if names[name] {
			add("%s: the name %q is used twice", field, name)
		}
		names[name] = true
	}
	for kind, ls := range map[string][]IntelList{"threat_lists": c.ThreatLists, "trusted_lists": c.TrustedLists} {
		for i, l := range ls {
			field := fmt.Sprintf("%s[%d]", kind, i)
			if strings.TrimSpace(l.Location) == "" {
				add("%s.location: empty", field)
			}
			checkName(field, l.Name)
			if _, err := intel.ParseFormat(l.Format); err != nil {
				add("%s.format: %v", field, err)
			}
			if l.Family != "" {
				if kind == "trusted_lists" {
					add("%s.family: trusted lists have no family", field)
				} else if _, err := intel.ParseFamily(l.Family); err != nil {
					add("%s.family: %v", field, err)
				}
			}
		}
	}
	for i, f := range c.Feeds {
		field := fmt.Sprintf("feeds[%d]", i)
		if _, ok := intel.LookupFeedKind(f.Kind); !ok {
			add("%s.kind: unknown feed kind %q", field, f.Kind)
		}
		if strings.TrimSpace(f.Location) == "" {
			add("%s.location: empty (Vigil never downloads a feed it was not given)", field)
		}
		checkName(field, f.Name)
		if f.Family != "" {
			if _, err := intel.ParseFamily(f.Family); err != nil {
				add("%s.family: %v", field, err)
			}
		}
	}
	for acct, ips := range c.AccountIPs {
		if !accountRe.MatchString(acct) {
			add("account_ips: %q is not a 12-digit account id", acct)
		}
		for _, ip := range ips {
			if _, err := ParseAddrOrPrefix(ip); err != nil {
				add("account_ips[%s]: %v", acct, err)
			}
		}
	}
	l := c.Limits
	if l.ThreatLists < 0 || l.ThreatListEntries < 0 || l.TrustedLists < 0 || l.TrustedListEntries < 0 || l.FeedEntries < 0 {
		add("limits: negative")
	}
	return errors.Join(errs...)
}

// ParseAddrOrPrefix parses "192.0.2.1" or "192.0.2.0/24" as a prefix.
func ParseAddrOrPrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
