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
	ThreatList  string `json:"threatList"`
	TorExits    string `json:"torExits"`
	DROP        string `json:"drop"`
	Feodo       string `json:"feodo"`
	MiningIPs   string `json:"miningIPs"`
	MiningPools string `json:"miningPools"`
	IPRanges    string `json:"ipRanges"`
	Inventory   string `json:"inventory"`
	Config      string `json:"config"`
}

// WriteIntel writes the lists that make the threat-intelligence attacks
// of a run with options o detectable into dir, the estate's network
// interfaces as "aws ec2 describe-network-interfaces" JSON (so network
// findings name instances and Lambda functions), and a vigil.yaml using
// them; it returns their paths (absolute).
func WriteIntel(dir string, o Options) (IntelFiles, error) {
	if o.Out == "" {
		o.Out = dir
	}
	o, err := o.withDefaults()
	if err != nil {
		return IntelFiles{}, err
	}
	seed := o.Seed
	abs, err := filepath.Abs(dir)
	if err != nil {
		return IntelFiles{}, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return IntelFiles{}, fmt.Errorf("simulate: %w", err)
	}
	g := &gen{e: &estate{seed: seed}}
	f := IntelFiles{
		ThreatList:  filepath.Join(abs, "threat-list.txt"),
		TorExits:    filepath.Join(abs, "tor-exit-addresses.txt"),
		DROP:        filepath.Join(abs, "drop.txt"),
		Feodo:       filepath.Join(abs, "feodo-ipblocklist.csv"),
		MiningIPs:   filepath.Join(abs, "mining-pool-ips.txt"),
		MiningPools: filepath.Join(abs, "mining-pools.txt"),
		IPRanges:    filepath.Join(abs, "ip-ranges.json"),
		Inventory:   filepath.Join(abs, "describe-network-interfaces.json"),
		Config:      filepath.Join(abs, "vigil.yaml"),
	}
	tor := fmt.Sprintf("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2025-06-01 23:10:12\n"+
		"LastStatus 2025-06-02 00:00:00\nExitAddress %s 2025-06-01 23:55:01\n", torIP(g))
	files := map[string]string{
		f.ThreatList: "# Simulated ThreatIntelSet (TXT)\n" + customIP(g) + "\n198.18.0.0/15\n",
		f.TorExits:   tor,
		f.DROP:       "; Spamhaus DROP List (simulated)\n; Last-Modified: Mon, 02 Jun 2025 00:00:00 GMT\n192.0.2.64/26 ; SBL000001\n",
		f.Feodo: "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (simulated)\n" +
			"# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n" +
			"\"2025-05-30 08:00:00\",\"" + c2IP + "\",\"443\",\"online\",\"2025-06-01\",\"QakBot\"\n",
		f.MiningIPs:   "# mining pool addresses (simulated)\n" + miningIP + "\n",
		f.MiningPools: "# mining pool domains (simulated)\n" + miningDNS + "\n",
		f.IPRanges:    ipRanges(),
		f.Inventory:   inventoryJSON(newEstate(o)),
		f.Config: "# Threat intelligence for a simulated run: vigil analyze --config " + f.Config + " DIR\nintel:\n" +
			"  threat_lists:\n    - name: simulated-threat-list\n      location: " + f.ThreatList + "\n      format: TXT\n" +
			"    - name: mining-pool-ips\n      location: " + f.MiningIPs + "\n      family: bitcoin\n" +
			"  feeds:\n    - kind: tor\n      location: " + f.TorExits + "\n    - kind: spamhaus_drop\n      location: " + f.DROP + "\n" +
			"    - kind: feodo\n      location: " + f.Feodo + "\n    - kind: mining_pools\n      location: " + f.MiningPools + "\n" +
			"  aws_ip_ranges: " + f.IPRanges + "\ninventory:\n  files: [" + f.Inventory + "]\n",
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return IntelFiles{}, fmt.Errorf("simulate: %w", err)
		}
	}
	return f, nil
}

// inventoryJSON lists every instance's and Lambda function's network
// interface as "aws ec2 describe-network-interfaces" prints them.
func inventoryJSON(e *estate) string {
	type attachment struct {
		InstanceID string `json:"InstanceId"`
	}
	type iface struct {
		NetworkInterfaceID string      `json:"NetworkInterfaceId"`
		Description        string      `json:"Description"`
		InterfaceType      string      `json:"InterfaceType"`
		PrivateIPAddress   string      `json:"PrivateIpAddress"`
		Attachment         *attachment `json:"Attachment,omitempty"`
		AvailabilityZone   string      `json:"AvailabilityZone"`
		VpcID              string      `json:"VpcId"`
		OwnerID            string      `json:"OwnerId"`
	}
	var doc struct {
		NetworkInterfaces []iface `json:"NetworkInterfaces"`
	}
	for _, a := range e.accounts {
		for ri, insts := range a.instances {
			az, vpc := e.regions[ri]+"a", vpcOf(a.id, ri)
			for _, in := range insts {
				doc.NetworkInterfaces = append(doc.NetworkInterfaces, iface{NetworkInterfaceID: eni(in.tag), InterfaceType: "interface",
					PrivateIPAddress: in.privateIP, Attachment: &attachment{in.id}, AvailabilityZone: az, VpcID: vpc, OwnerID: a.id})
			}
			for _, fn := range a.lambdas[ri] {
				doc.NetworkInterfaces = append(doc.NetworkInterfaces, iface{NetworkInterfaceID: eni(fn.tag), InterfaceType: "lambda",
					Description: lambdaPrefix + fn.name, PrivateIPAddress: lambdaIP(fn.tag), AvailabilityZone: az, VpcID: vpc, OwnerID: a.id})
			}
		}
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b) + "\n"
}

// lambdaPrefix starts the description of a Lambda function's ENI.
const lambdaPrefix = "AWS Lambda VPC ENI-"

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
	doc.Prefixes = append(doc.Prefixes, prefix{"52.94.0.0/22", "us-east-1", "AMAZON", "us-east-1"})
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
