package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/testutil/mmdb"
)

// tiTypes are the threat-intelligence finding types "vigil simulate"
// injects, sorted.
var tiTypes = slices.Sorted(slices.Values([]string{
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
	"Discovery:S3/MaliciousIPCaller", "Discovery:S3/TorIPCaller", "Exfiltration:S3/MaliciousIPCaller", "Impact:S3/MaliciousIPCaller",
	"Recon:IAMUser/MaliciousIPCaller", "Recon:IAMUser/MaliciousIPCaller.Custom", "Recon:IAMUser/TorIPCaller",
	"UnauthorizedAccess:IAMUser/MaliciousIPCaller", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
	"UnauthorizedAccess:IAMUser/TorIPCaller",
}))

// writeGeo builds MaxMind-format City and ASN databases covering the
// simulator's listed (192.0.2.0/24) and attacker addresses.
func writeGeo(t *testing.T, dir string) (city, asn string) {
	t.Helper()
	city, asn = filepath.Join(dir, "city.mmdb"), filepath.Join(dir, "asn.mmdb")
	if err := mmdb.WriteCity(city, []mmdb.City{
		{Network: "192.0.2.0/24", CountryCode: "NL", CountryName: "Netherlands", City: "Amsterdam", Lat: 52.3759, Lon: 4.8975},
		{Network: "198.51.100.0/24", CountryCode: "BR", CountryName: "Brazil", City: "São Paulo", Lat: -23.5475, Lon: -46.6361},
		{Network: "203.0.113.0/24", CountryCode: "BR", CountryName: "Brazil", City: "São Paulo", Lat: -23.5475, Lon: -46.6361},
		{Network: "3.91.0.0/16", CountryCode: "US", CountryName: "United States", City: "Ashburn", Lat: 39.0438, Lon: -77.4874},
	}); err != nil {
		t.Fatal(err)
	}
	if err := mmdb.WriteASN(asn, []mmdb.ASN{
		{Network: "192.0.2.0/24", Number: 64500, Org: "Example Bulletproof Hosting"},
		{Network: "198.51.100.0/24", Number: 64501, Org: "Example Telecom"},
		{Network: "203.0.113.0/24", Number: 64501, Org: "Example Telecom"},
		{Network: "3.91.0.0/16", Number: 14618, Org: "AMAZON-AES"},
	}); err != nil {
		t.Fatal(err)
	}
	return city, asn
}

// TestThreatIntelEndToEnd runs the simulator's threat-intelligence attacks
// through "vigil analyze" with its lists, GeoIP databases and AWS ranges:
// every injected type is found with its evidence and an enriched remote
// address, and a trusted list silences CloudTrail findings for its address.
func TestThreatIntelEndToEnd(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	args := []string{"simulate", "--out", logs, "--events", "6000", "--accounts", "1", "--seed", "21"}
	for _, typ := range tiTypes {
		args = append(args, "--attack", typ)
	}
	mustVigil(t, args...)
	city, asn := writeGeo(t, dir)
	cfg := intelConfig(logs)
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	geoCfg := filepath.Join(dir, "geo.yaml")
	writeFile(t, geoCfg, strings.Replace(string(base), "intel:\n", "intel:\n  geoip:\n    city: "+city+"\n    asn: "+asn+"\n", 1))

	fs := decodeFindings(t, mustVigil(t, "analyze", "--json", "--quiet", "--config", geoCfg, logs))
	// What the databases say of each caller's /8 or /16.
	where := map[string][3]string{
		"192.0.2.": {"NL", "Amsterdam", "64500"}, "198.51.100.": {"BR", "São Paulo", "64501"},
		"203.0.113.": {"BR", "São Paulo", "64501"}, "3.91.": {"US", "Ashburn", "14618"},
	}
	var types []string
	for _, f := range fs {
		types = append(types, f.Type)
		d := f.Service.Action.AwsAPICallAction.RemoteIPDetails
		var want [3]string
		for p, w := range where {
			if d != nil && strings.HasPrefix(d.IPAddressV4, p) {
				want = w
			}
		}
		if d == nil || want[0] == "" || d.Country == nil || d.Country.CountryCode != want[0] || d.City == nil || d.City.CityName != want[1] ||
			d.GeoLocation == nil || d.Organization == nil || d.Organization.Asn != want[2] || d.Organization.AsnOrg == "" {
			raw, _ := json.Marshal(d)
			t.Errorf("%s: remoteIpDetails not enriched as %v: %s", f.Type, want, raw)
		}
		if strings.Contains(f.Type, "InstanceCredentialExfiltration") {
			continue // not a threat-list finding
		}
		ev := f.Service.Evidence
		if ev == nil || len(ev.ThreatIntelligenceDetails) == 0 || f.Service.AdditionalInfo == nil ||
			!strings.Contains(f.Service.AdditionalInfo.Value, `"threatListName":"`+ev.ThreatIntelligenceDetails[0].ThreatListName+`"`) {
			t.Errorf("%s: evidence %+v, additionalInfo %+v; want the list named in both", f.Type, ev, f.Service.AdditionalInfo)
		}
	}
	slices.Sort(types)
	if !slices.Equal(types, tiTypes) {
		t.Fatalf("found %v, want %v", types, tiTypes)
	}
	wantList := map[string]string{
		"Recon:IAMUser/MaliciousIPCaller.Custom": "simulated-threat-list",
		"Recon:IAMUser/TorIPCaller":              "tor",
		"Impact:S3/MaliciousIPCaller":            "spamhaus_drop",
	}
	for _, f := range fs {
		if want, ok := wantList[f.Type]; ok && f.Service.Evidence.ThreatIntelligenceDetails[0].ThreatListName != want {
			t.Errorf("%s: threatListName %q, want %q", f.Type, f.Service.Evidence.ThreatIntelligenceDetails[0].ThreatListName, want)
		}
	}

	// Trust the Tor exit node: its findings go, the others stay.
	torIP := remoteIP(t, fs, "Recon:IAMUser/TorIPCaller")
	trusted := filepath.Join(dir, "trusted.txt")
	writeFile(t, trusted, "# office egress\n"+torIP+"\n")
	fs2 := decodeFindings(t, mustVigil(t, "analyze", "--json", "--quiet", "--config", geoCfg, "--trusted-list", trusted, logs))
	var left []string
	for _, f := range fs2 {
		left = append(left, f.Type)
	}
	slices.Sort(left)
	want := slices.DeleteFunc(slices.Clone(tiTypes), func(s string) bool { return strings.Contains(s, "TorIPCaller") })
	if !slices.Equal(left, want) {
		t.Errorf("with %s trusted: found %v, want %v", torIP, left, want)
	}
}

func remoteIP(t *testing.T, fs []finding.Finding, typ string) string {
	t.Helper()
	for _, f := range fs {
		if f.Type == typ {
			return f.Service.Action.AwsAPICallAction.RemoteIPDetails.IPAddressV4
		}
	}
	t.Fatalf("no %s finding", typ)
	return ""
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestIntelCheckAndLists: "vigil intel" answers from every feed format and
// the built-in test domains, and reports invalid lines with their numbers.
func TestIntelCheckAndLists(t *testing.T) {
	feeds := filepath.Join("..", "..", "internal", "intel", "testdata", "feeds")
	dir := t.TempDir()
	stix := filepath.Join(dir, "iocs.json")
	writeFile(t, stix, `{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
	  {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2025-01-01T00:00:00Z",
	   "modified": "2025-01-01T00:00:00Z", "name": "C2 server", "pattern": "[ipv4-addr:value = '198.18.7.7']", "pattern_type": "stix",
	   "valid_from": "2025-01-01T00:00:00Z", "indicator_types": ["malicious-activity"]}]}`)
	args := []string{"intel", "check", "--json",
		"--feed", "tor=" + filepath.Join(feeds, "tor-exit-addresses.txt"),
		"--feed", "spamhaus_drop=" + filepath.Join(feeds, "drop.txt"),
		"--feed", "feodo=" + filepath.Join(feeds, "feodo-ipblocklist.csv"),
		"--feed", "mining_pools=" + filepath.Join(feeds, "mining-pools.txt"),
		"--threat-list", "STIX:" + stix,
		"--aws-ip-ranges", filepath.Join("..", "..", "internal", "intel", "testdata", "ip-ranges.json"),
		"198.51.100.8", "198.18.7.7", "3.80.1.2", "guarddutyc2activityb.com", "c2.guarddutyc2activityb.com"}
	out := mustVigil(t, args...)
	var res []struct {
		Value   string
		Matches []struct{ ListName, ThreatName, Family string }
		AWS     *struct {
			Region   string
			Services []string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("intel check --json: %v\n%s", err, out)
	}
	families := map[string][]string{}
	for _, r := range res {
		for _, m := range r.Matches {
			families[r.Value] = append(families[r.Value], m.Family+":"+m.ListName)
		}
	}
	for value, want := range map[string]string{
		"198.51.100.8":                "c2:feodo",
		"198.18.7.7":                  "custom:iocs.json",
		"guarddutyc2activityb.com":    "c2:Vigil built-in: GuardDuty test domains (c2)",
		"c2.guarddutyc2activityb.com": "c2:Vigil built-in: GuardDuty test domains (c2)",
	} {
		if !slices.Contains(families[value], want) {
			t.Errorf("intel check %s = %v, want %s among them", value, families[value], want)
		}
	}
	if aws := res[2].AWS; aws == nil || aws.Region != "us-east-1" || !slices.Contains(aws.Services, "EC2") {
		t.Errorf("intel check 3.80.1.2: AWS = %+v, want us-east-1 EC2", res[2].AWS)
	}

	// lists: entries and invalid lines with their numbers; a missing list fails.
	out, errOut, code := vigil(t, "intel", "lists", "--feed", "tor="+filepath.Join(feeds, "tor-exit-addresses.txt"),
		"--threat-list", filepath.Join(dir, "missing.txt"))
	if code != 1 || !strings.Contains(errOut, "1 list could not be read") {
		t.Errorf("intel lists with a missing list: exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "TOR_EXIT_LIST") || !strings.Contains(errOut, "tor:17:") {
		t.Errorf("intel lists: want the Tor feed and its invalid line 17 reported\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}

	// A corrupt GeoIP database is named; analysis goes on without it.
	corrupt := filepath.Join(dir, "GeoLite2-City.mmdb")
	writeFile(t, corrupt, "this is not a MaxMind database")
	city, asn := writeGeo(t, dir)
	out, errOut, code = vigil(t, "intel", "lists", "--geoip-city", corrupt)
	if code != 1 || !strings.Contains(out+errOut, corrupt) {
		t.Errorf("intel lists with a corrupt MMDB: exit %d, want 1 and the file named\n%s%s", code, out, errOut)
	}
	out, _, code = vigil(t, "intel", "lists", "--geoip-city", city, "--geoip-asn", asn)
	if code != 0 || !strings.Contains(out, "GeoLite2-City") || !strings.Contains(out, "GeoLite2-ASN") {
		t.Errorf("intel lists with GeoIP databases: exit %d\n%s", code, out)
	}
	_, errOut, code = vigil(t, "analyze", "--geoip-city", corrupt, filepath.Join("..", "..", "examples", "cloudtrail"))
	if code != 0 || !strings.Contains(errOut, "GeoIP databases not loaded") {
		t.Errorf("analyze with a corrupt MMDB: exit %d, want 0 with a warning\n%s", code, errOut)
	}
}
