package simulate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// IntelFiles are the lists WriteIntel writes, for the threat-intelligence
// attacks: a user's threat list (TXT), a Tor exit list (exit-addresses
// format), a Spamhaus DROP list, AWS's ip-ranges.json with the estate's
// EC2 ranges, and a vigil.yaml whose intel section uses them.
type IntelFiles struct {
	ThreatList string `json:"threatList"`
	TorExits   string `json:"torExits"`
	DROP       string `json:"drop"`
	IPRanges   string `json:"ipRanges"`
	Config     string `json:"config"`
}

// WriteIntel writes the lists that make the threat-intelligence attacks
// of a run with the given seed detectable into dir, and returns their
// paths (absolute).
func WriteIntel(dir string, seed uint64) (IntelFiles, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return IntelFiles{}, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return IntelFiles{}, fmt.Errorf("simulate: %w", err)
	}
	g := &gen{e: &estate{seed: seed}}
	f := IntelFiles{
		ThreatList: filepath.Join(abs, "threat-list.txt"),
		TorExits:   filepath.Join(abs, "tor-exit-addresses.txt"),
		DROP:       filepath.Join(abs, "drop.txt"),
		IPRanges:   filepath.Join(abs, "ip-ranges.json"),
		Config:     filepath.Join(abs, "vigil.yaml"),
	}
	tor := fmt.Sprintf("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2025-06-01 23:10:12\n"+
		"LastStatus 2025-06-02 00:00:00\nExitAddress %s 2025-06-01 23:55:01\n", torIP(g))
	files := map[string]string{
		f.ThreatList: "# Simulated ThreatIntelSet (TXT)\n" + customIP(g) + "\n198.18.0.0/15\n",
		f.TorExits:   tor,
		f.DROP:       "; Spamhaus DROP List (simulated)\n; Last-Modified: Mon, 02 Jun 2025 00:00:00 GMT\n192.0.2.64/26 ; SBL000001\n",
		f.IPRanges:   ipRanges(),
		f.Config: "# Threat intelligence for a simulated run: vigil analyze --config " + f.Config + " DIR\nintel:\n" +
			"  threat_lists:\n    - name: simulated-threat-list\n      location: " + f.ThreatList + "\n      format: TXT\n" +
			"  feeds:\n    - kind: tor\n      location: " + f.TorExits + "\n    - kind: spamhaus_drop\n      location: " + f.DROP + "\n" +
			"  aws_ip_ranges: " + f.IPRanges + "\n",
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return IntelFiles{}, fmt.Errorf("simulate: %w", err)
		}
	}
	return f, nil
}

// ipRanges returns an ip-ranges.json listing each EC2 prefix's /16 as
// AMAZON and EC2 in us-east-1.
func ipRanges() string {
	type prefix struct {
		IPPrefix string `json:"ip_prefix"`
		Region   string `json:"region"`
		Service  string `json:"service"`
		NBG      string `json:"network_border_group"`
	}
	doc := struct {
		SyncToken  string   `json:"syncToken"`
		CreateDate string   `json:"createDate"`
		Prefixes   []prefix `json:"prefixes"`
		V6         []any    `json:"ipv6_prefixes"`
	}{SyncToken: "1748822400", CreateDate: "2025-06-02-00-00-00", V6: []any{}}
	for _, p := range ec2Prefixes {
		o := strings.Split(p, ".")
		cidr := o[0] + "." + o[1] + ".0.0/16"
		for _, svc := range []string{"AMAZON", "EC2"} {
			doc.Prefixes = append(doc.Prefixes, prefix{cidr, "us-east-1", svc, "us-east-1"})
		}
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b) + "\n"
}
