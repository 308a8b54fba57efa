package ec2

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

func TestDNSThreatIntelTestDomains(t *testing.T) {
	e := dnsEngine(dnsEngineOptions{intel: dnsBuiltinIntel(t, nil)})
	tests := []struct {
		name string
		want []string
	}{
		{"guarddutyc2activityb.com", []string{TypeDNSC2Activity + " 8"}},
		{"c2.guarddutyc2activityb.com", []string{TypeDNSC2Activity + " 8"}},
		{"www.guarddutyc2activityb.com", []string{TypeDNSC2Activity + " 8"}},
		{"crypto.guarddutyc2activityb.com", []string{TypeDNSBitcoinTool + " 8"}},
		{"pool.crypto.guarddutyc2activityb.com", []string{TypeDNSBitcoinTool + " 8"}},
		{"guarddutyblackholeactivity.com", []string{TypeDNSBlackholeTraffic + " 5"}},
		{"guarddutydroppointactivity.com", []string{TypeDNSDropPoint + " 5"}},
		{"guarddutydgaactivity.com", []string{TypeDNSDGAKnown + " 8"}},
		{"guarddutydrivebyactivity.com", []string{TypeDNSDriveBySourceTraffic + " 8"}},
		{"guarddutyphishingactivity.com", []string{TypeDNSPhishingDomain + " 8"}},
		{"abused-rep.guarddutyc2activityb.com", []string{TypeDNSAbusedDomain + " 5"}},
		{"bitcoin-rep.guarddutyc2activityb.com", []string{TypeDNSBitcoinDomain + " 8"}},
		{"malicious-rep.guarddutyc2activityb.com", []string{TypeDNSMaliciousDomain + " 8"}},
		{"suspicious-rep.guarddutyc2activityb.com", []string{TypeDNSSuspiciousDomain + " 2"}},
		{"example.com", nil},
		{"guarddutyc2activityb.com.example.net", nil},
		{"notguarddutyc2activityb.com", nil},
		{"s3.us-east-1.amazonaws.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dnsSummary(dnsRun(t, e, dnsQ{name: tt.name}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("query %s: findings %v, want %v", tt.name, got, tt.want)
			}
		})
	}
	// Every built-in test domain makes exactly one finding.
	for _, l := range intel.BuiltinTestDomains() {
		for _, en := range l.Entries {
			if got := dnsRun(t, e, dnsQ{name: en.Domain}); len(got) != 1 {
				t.Errorf("query %s (%s): %v, want one finding", en.Domain, l.Family, dnsSummary(got))
			}
		}
	}
}

func TestDNSThreatIntelLists(t *testing.T) {
	in := dnsBuiltinIntel(t, map[string]string{
		"custom:corp-blocklist":       "evil.example\nshared.example\n",
		"malicious:urlhaus":           "bad.example\nshared.example\nboth.example\n",
		"malicious_domain:reputation": "both.example\n",
		"trusted:office":              "198.51.100.7\n",
		"c2:feed":                     "cnc.example\n",
		"bitcoin:pools":               "pool.cnc.example\n",
	})
	e := dnsEngine(dnsEngineOptions{intel: in})
	tests := []struct {
		name string
		q    dnsQ
		want []string
	}{
		{"custom list", dnsQ{name: "evil.example"}, []string{TypeDNSMaliciousDomainCustom + " 5"}},
		{"custom list subdomain", dnsQ{name: "a.b.evil.example"}, []string{TypeDNSMaliciousDomainCustom + " 5"}},
		{"open feed", dnsQ{name: "bad.example"}, []string{TypeDNSMaliciousDomain + " 8"}},
		{"custom list and feed", dnsQ{name: "shared.example"}, []string{TypeDNSMaliciousDomainCustom + " 5", TypeDNSMaliciousDomain + " 8"}},
		{"feed and reputation: one finding", dnsQ{name: "both.example"}, []string{TypeDNSMaliciousDomain + " 8"}},
		{"most specific list wins", dnsQ{name: "x.pool.cnc.example"}, []string{TypeDNSBitcoinTool + " 8"}},
		{"parent list", dnsQ{name: "x.cnc.example"}, []string{TypeDNSC2Activity + " 8"}},
		{"trusted source address still reported", dnsQ{name: "evil.example", src: "198.51.100.7", instance: "-"}, []string{TypeDNSMaliciousDomainCustom + " 5"}},
		{"unlisted", dnsQ{name: "example.org"}, nil},
		{"blocked by DNS Firewall still reported", dnsQ{name: "evil.example", blocked: true}, []string{TypeDNSMaliciousDomainCustom + " 5"}},
		{"NXDOMAIN still reported", dnsQ{name: "cnc.example", rcode: "NXDOMAIN"}, []string{TypeDNSC2Activity + " 8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dnsSummary(dnsRun(t, e, tt.q))
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("query %s: findings %v, want %v", tt.q.name, got, want)
			}
		})
	}
	if !in.TrustedIP(dnsEvent(dnsQ{src: "198.51.100.7"}).DNS.SrcAddr) {
		t.Fatal("198.51.100.7 is not trusted: the trusted-list case tests nothing")
	}
}

func TestDNSThreatIntelFinding(t *testing.T) {
	in := dnsBuiltinIntel(t, map[string]string{"malicious:urlhaus": "both.example\n", "malicious_domain:reputation": "both.example\n"})
	e := dnsEngine(dnsEngineOptions{intel: in})
	fs := dnsRun(t, e, dnsQ{name: "cdn.both.example", blocked: true})
	if len(fs) != 1 {
		t.Fatalf("findings = %v, want one", dnsSummary(fs))
	}
	f := fs[0]
	r := f.Resource
	if r.ResourceType != finding.ResourceInstance || r.InstanceDetails == nil || r.InstanceDetails.InstanceID != dnsTestInstance ||
		len(r.InstanceDetails.NetworkInterfaces) != 1 || r.InstanceDetails.NetworkInterfaces[0].PrivateIPAddress != "10.0.1.25" ||
		r.InstanceDetails.NetworkInterfaces[0].VpcID != "vpc-0123456789abcdef0" {
		t.Errorf("resource = %+v (details %+v)", r, r.InstanceDetails)
	}
	a := f.Service.Action
	if a == nil || a.ActionType != finding.ActionDNSRequest || a.DNSRequestAction.Domain != "both.example" ||
		a.DNSRequestAction.DomainWithSuffix != "cdn.both.example" || !a.DNSRequestAction.Blocked || a.DNSRequestAction.Protocol != "UDP" ||
		a.DNSRequestAction.VpcOwnerAccountID != dnsTestAccount {
		t.Errorf("action = %+v", a.DNSRequestAction)
	}
	if f.Service.ResourceRole != finding.RoleActor || f.AccountID != dnsTestAccount || f.Region != "us-east-1" {
		t.Errorf("role %q account %q region %q", f.Service.ResourceRole, f.AccountID, f.Region)
	}
	ev := f.Service.Evidence
	if ev == nil || len(ev.ThreatIntelligenceDetails) != 2 {
		t.Fatalf("evidence = %+v, want two lists", ev)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(f.Service.AdditionalInfo.Value), &info); err != nil || info["threatListName"] == nil {
		t.Errorf("additionalInfo = %s (%v)", f.Service.AdditionalInfo.Value, err)
	}
	if !strings.Contains(f.Title, dnsTestInstance) || !strings.Contains(f.Title, "cdn.both.example") {
		t.Errorf("title = %q", f.Title)
	}
}

func TestDNSThreatIntelResolverEndpoint(t *testing.T) {
	e := dnsEngine(dnsEngineOptions{intel: dnsBuiltinIntel(t, nil)})
	fs := dnsRun(t, e, dnsQ{name: "guarddutyc2activityb.com", instance: "-", src: "172.16.4.20"})
	if len(fs) != 1 {
		t.Fatalf("findings = %v, want one", dnsSummary(fs))
	}
	f := fs[0]
	d := f.Resource.InstanceDetails
	if f.Resource.ResourceType != finding.ResourceInstance || d == nil || d.InstanceID != "" ||
		len(d.NetworkInterfaces) != 1 || d.NetworkInterfaces[0].PrivateIPAddress != "172.16.4.20" {
		t.Errorf("resource = %+v (details %+v)", f.Resource, d)
	}
	if !strings.Contains(f.Title, "Host 172.16.4.20") || !strings.Contains(f.Title, "rslvr-in-0123456789abcdef0") {
		t.Errorf("title = %q, want the source address and the endpoint", f.Title)
	}
	if !strings.Contains(f.Service.AdditionalInfo.Value, `"resolverEndpoint":"rslvr-in-0123456789abcdef0"`) {
		t.Errorf("additionalInfo = %s", f.Service.AdditionalInfo.Value)
	}
	if f.AggregationKey != "vpc-0123456789abcdef0/172.16.4.20|guarddutyc2activityb.com" {
		t.Errorf("aggregation key = %q", f.AggregationKey)
	}
}

func TestDNSThreatIntelAggregation(t *testing.T) {
	e := dnsEngine(dnsEngineOptions{intel: dnsBuiltinIntel(t, nil)})
	fs := dnsRun(t, e,
		dnsQ{name: "guarddutyc2activityb.com"},
		dnsQ{name: "guarddutyc2activityb.com", at: 3600e9},
		dnsQ{name: "c2.guarddutyc2activityb.com"}, // another listed name: its own finding
		dnsQ{name: "www.guarddutyc2activityb.com"},
		dnsQ{name: "guarddutyc2activityb.com", instance: "i-0fedcba9876543210"},
	)
	if len(fs) != 5 {
		t.Fatalf("findings = %v, want 5", dnsSummary(fs))
	}
	if fs[0].ID != fs[1].ID || fs[0].ID != fs[3].ID {
		t.Errorf("repeat queries of one instance for one listed domain have ids %s, %s, %s; want one", fs[0].ID, fs[1].ID, fs[3].ID)
	}
	if fs[2].ID == fs[0].ID || fs[4].ID == fs[0].ID {
		t.Errorf("another listed name or instance shares id %s", fs[0].ID)
	}
}
