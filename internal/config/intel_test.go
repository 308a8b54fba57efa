package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
)

// defaultIntel is the intel section with nothing configured: GuardDuty's
// limits, built-in test domains on, hourly refresh.
func defaultIntel() config.Intel {
	return config.Intel{
		BuiltinTestDomains: &yes,
		Refresh:            config.DefaultIntelRefresh,
		Limits: config.IntelLimits{ThreatLists: 6, ThreatListEntries: 250000, TrustedLists: 1, TrustedListEntries: 2000,
			FeedEntries: 1000000},
	}
}

const intelYAML = `intel:
  threat_lists:
    - name: corp-blocklist
      location: s3://intel-bucket/lists/blocklist.txt
    - location: https://intel.example.com/iocs.json
      format: stix
      family: c2
  trusted_lists:
    - name: office
      location: /etc/vigil/trusted.txt
  feeds:
    - kind: tor
      location: /var/lib/vigil/feeds/exit-addresses
    - kind: spamhaus_drop
      name: drop
      location: https://mirror.example.com/drop.txt
  builtin_test_domains: false
  geoip:
    city: /var/lib/GeoIP/GeoLite2-City.mmdb
    asn: /var/lib/GeoIP/GeoLite2-ASN.mmdb
  aws_ip_ranges: /var/lib/vigil/ip-ranges.json
  account_ips:
    "111122223333": [198.51.100.7, 203.0.113.0/28]
  refresh: 15m
  limits:
    threat_list_entries: 500000
`

func TestParseIntel(t *testing.T) {
	got, err := config.Parse([]byte(intelYAML), "vigil.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := config.Intel{
		ThreatLists: []config.IntelList{
			{Name: "corp-blocklist", Location: "s3://intel-bucket/lists/blocklist.txt", Format: "TXT"},
			{Name: "https://intel.example.com/iocs.json", Location: "https://intel.example.com/iocs.json", Format: "stix", Family: "c2"},
		},
		TrustedLists: []config.IntelList{{Name: "office", Location: "/etc/vigil/trusted.txt", Format: "TXT"}},
		Feeds: []config.IntelFeed{
			{Kind: "tor", Name: "tor", Location: "/var/lib/vigil/feeds/exit-addresses"},
			{Kind: "spamhaus_drop", Name: "drop", Location: "https://mirror.example.com/drop.txt"},
		},
		BuiltinTestDomains: &no,
		GeoIP:              config.GeoIP{City: "/var/lib/GeoIP/GeoLite2-City.mmdb", ASN: "/var/lib/GeoIP/GeoLite2-ASN.mmdb"},
		AWSIPRanges:        "/var/lib/vigil/ip-ranges.json",
		AccountIPs:         map[string][]string{"111122223333": {"198.51.100.7", "203.0.113.0/28"}},
		Refresh:            15 * time.Minute,
		Limits: config.IntelLimits{ThreatLists: 6, ThreatListEntries: 500000, TrustedLists: 1, TrustedListEntries: 2000,
			FeedEntries: 1000000},
	}
	if diff := cmp.Diff(want, got.Intel); diff != "" {
		t.Errorf("intel section differs (-want +got):\n%s", diff)
	}
}

func TestIntelErrors(t *testing.T) {
	list := func(extra string) string {
		return "intel:\n  threat_lists:\n    - location: /x.txt\n" + extra
	}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"unknown format", list("      format: CSV\n"), []string{"intel.threat_lists[0].format", "CSV"}},
		{"unknown family", list("      family: evil\n"), []string{"intel.threat_lists[0].family", "evil"}},
		{"no location", "intel:\n  trusted_lists:\n    - name: t\n", []string{"intel.trusted_lists[0].location: empty"}},
		{"trusted list with a family", "intel:\n  trusted_lists:\n    - location: /t\n      family: tor\n", []string{"trusted lists have no family"}},
		{"unknown feed kind", "intel:\n  feeds:\n    - kind: abuseipdb\n      location: /f\n", []string{"intel.feeds[0].kind", "abuseipdb"}},
		{"feed without location", "intel:\n  feeds:\n    - kind: tor\n", []string{"intel.feeds[0].location: empty"}},
		{"duplicate names", "intel:\n  threat_lists:\n    - {name: a, location: /a}\n    - {name: a, location: /b}\n", []string{`"a" is used twice`}},
		{"more threat lists than the limit", "intel:\n  limits: {threat_lists: 1}\n  threat_lists:\n    - location: /a\n    - location: /b\n",
			[]string{"2 lists, more than the limit of 1"}},
		{"two trusted lists", "intel:\n  trusted_lists:\n    - location: /a\n    - location: /b\n", []string{"intel.trusted_lists: 2 lists"}},
		{"bad account", "intel:\n  account_ips:\n    \"1234\": [192.0.2.1]\n", []string{`"1234" is not a 12-digit account id`}},
		{"bad account ip", "intel:\n  account_ips:\n    \"111122223333\": [192.0.2.300]\n", []string{"account_ips[111122223333]"}},
		{"refresh too fast", "intel:\n  refresh: 10ms\n", []string{"intel.refresh"}},
		{"negative limit", "intel:\n  limits: {feed_entries: -1}\n", []string{"intel.limits: negative"}},
		{"unknown key", "intel:\n  lists: []\n", []string{"lists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.in), "vigil.yaml")
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tt.in)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}
