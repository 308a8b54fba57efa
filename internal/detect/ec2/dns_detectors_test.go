package ec2

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// dnsDetectorNames are the DNS detectors of this package.
var dnsDetectorNames = []string{"ec2.dns_dga", "ec2.dns_exfiltration", "ec2.dns_metadata_rebind", "ec2.dns_threat_intel"}

// dnsDetectors returns the registered detectors that consume DNS queries.
func dnsDetectors() []*detect.Detector {
	var out []*detect.Detector
	for _, d := range detect.Registered() {
		if slices.Contains(d.Kinds, event.KindDNS) {
			out = append(out, d)
		}
	}
	return out
}

func TestDNSDetectorsRegistered(t *testing.T) {
	var names []string
	for _, d := range dnsDetectors() {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, dnsDetectorNames) {
		t.Errorf("DNS detectors = %v, want %v", names, dnsDetectorNames)
	}
}

// TestDNSTypes checks every DNS finding type against GuardDuty's catalogue
// severity and that its definition is complete.
func TestDNSTypes(t *testing.T) {
	want := map[string]float64{
		TypeDNSC2Activity: 8, TypeDNSBitcoinTool: 8, TypeDNSBlackholeTraffic: 5, TypeDNSDropPoint: 5, TypeDNSDGAKnown: 8,
		TypeDNSDriveBySourceTraffic: 8, TypeDNSPhishingDomain: 8, TypeDNSAbusedDomain: 5, TypeDNSBitcoinDomain: 8,
		TypeDNSMaliciousDomain: 8, TypeDNSSuspiciousDomain: 2, TypeDNSMaliciousDomainCustom: 5,
		TypeDNSDGAHeuristic: 8, TypeDNSDataExfiltration: 8, TypeDNSMetadataRebind: 8,
	}
	defs := detect.Definitions(dnsDetectors())
	if len(defs) != len(want) {
		t.Errorf("%d DNS finding types, want %d", len(defs), len(want))
	}
	for _, def := range defs {
		if sev, ok := want[def.Type]; !ok || def.Severity != sev {
			t.Errorf("%s: severity %v, want %v (known %v)", def.Type, def.Severity, sev, ok)
		}
		for field, v := range map[string]string{"Tactic": def.Tactic, "DataSource": def.DataSource, "Logic": def.Logic,
			"Key": def.Key, "Title": def.Title, "Description": def.Description} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", def.Type, field)
			}
		}
	}
}

// TestDNSSamples checks that every DNS detector's sample of each of its
// types is a finding of that type on an instance with a DNS_REQUEST.
func TestDNSSamples(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, d := range dnsDetectors() {
		for _, def := range d.Types {
			t.Run(def.Type, func(t *testing.T) {
				if d.Sample == nil {
					t.Fatal("no Sample")
				}
				f := d.Sample(def.Type)
				if f.Type != def.Type {
					t.Errorf("Sample(%q).Type = %q", def.Type, f.Type)
				}
				checkDNSFinding(t, f)
				s := detect.SampleFinding(d, def, "111122223333", "eu-west-1", detect.DefaultDetectorID, now)
				if s.Type != def.Type || !strings.HasPrefix(s.Title, detect.SamplePrefix) || s.Resource.ResourceType != finding.ResourceInstance ||
					!strings.Contains(s.Service.AdditionalInfo.Value, `"sample":true`) {
					t.Errorf("SampleFinding: type %q title %q resource %q info %s", s.Type, s.Title, s.Resource.ResourceType, s.Service.AdditionalInfo.Value)
				}
			})
		}
	}
}

func checkDNSFinding(t *testing.T, f finding.Finding) {
	t.Helper()
	d := f.Resource.InstanceDetails
	if f.Resource.ResourceType != finding.ResourceInstance || d == nil || d.InstanceID == "" || len(d.NetworkInterfaces) != 1 {
		t.Errorf("resource = %+v (details %+v)", f.Resource, d)
	}
	a := f.Service.Action
	if a == nil || a.ActionType != finding.ActionDNSRequest || a.DNSRequestAction == nil || a.DNSRequestAction.Domain == "" ||
		!strings.HasSuffix(a.DNSRequestAction.DomainWithSuffix, a.DNSRequestAction.Domain) {
		t.Errorf("action = %+v", a)
	}
	if f.Service.ResourceRole != finding.RoleActor || f.Title == "" || f.Description == "" || f.AggregationKey == "" {
		t.Errorf("role %q title %q description %q key %q", f.Service.ResourceRole, f.Title, f.Description, f.AggregationKey)
	}
}

func TestDNSParams(t *testing.T) {
	dets := dnsDetectors()
	valid := map[string]map[string]string{
		"ec2.dns_dga":          {"min_score": "0.7", "min_label_len": "10", "min_dga_names": "8", "min_nxdomain_ratio": "0.8", "window": "30m"},
		"ec2.dns_exfiltration": {"min_label_len": "30", "min_entropy": "3.5", "min_label_score": "0", "min_subdomain_len": "80", "min_queries": "50", "min_encoded_bytes": "5000", "window": "1h"},
	}
	if err := detect.CheckParams(dets, valid); err != nil {
		t.Errorf("CheckParams(%v) = %v", valid, err)
	}
	for _, bad := range []map[string]map[string]string{
		{"ec2.dns_dga": {"min_names": "3"}},
		{"ec2.dns_dga": {"window": "10"}},
		{"ec2.dns_exfiltration": {"min_queries": "many"}},
		{"ec2.dns_metadata_rebind": {"window": "1m"}},
	} {
		if err := detect.CheckParams(dets, bad); err == nil {
			t.Errorf("CheckParams(%v) = nil, want an error", bad)
		}
	}
}
