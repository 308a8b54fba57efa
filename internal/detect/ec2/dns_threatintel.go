package ec2

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Finding types of queries for listed domains.
const (
	TypeDNSC2Activity            = "Backdoor:EC2/C&CActivity.B!DNS"
	TypeDNSBitcoinTool           = "CryptoCurrency:EC2/BitcoinTool.B!DNS"
	TypeDNSBlackholeTraffic      = "Trojan:EC2/BlackholeTraffic!DNS"
	TypeDNSDropPoint             = "Trojan:EC2/DropPoint!DNS"
	TypeDNSDGAKnown              = "Trojan:EC2/DGADomainRequest.C!DNS"
	TypeDNSDriveBySourceTraffic  = "Trojan:EC2/DriveBySourceTraffic!DNS"
	TypeDNSPhishingDomain        = "Trojan:EC2/PhishingDomainRequest!DNS"
	TypeDNSAbusedDomain          = "Impact:EC2/AbusedDomainRequest.Reputation"
	TypeDNSBitcoinDomain         = "Impact:EC2/BitcoinDomainRequest.Reputation"
	TypeDNSMaliciousDomain       = "Impact:EC2/MaliciousDomainRequest.Reputation"
	TypeDNSSuspiciousDomain      = "Impact:EC2/SuspiciousDomainRequest.Reputation"
	TypeDNSMaliciousDomainCustom = "Impact:EC2/MaliciousDomainRequest.Custom"
)

// dnsTIRule maps list families to the finding type of a query for one of
// their domains.
type dnsTIRule struct {
	typ      string
	severity float64
	families []intel.Family
	tactic   string
	what     string // the domain's kind, for titles: "a known command and control server"
}

// dnsTIRules are in the order findings are returned. Severities follow
// GuardDuty's finding catalogue.
var dnsTIRules = []dnsTIRule{
	{TypeDNSC2Activity, finding.SeverityHigh, []intel.Family{intel.FamilyC2}, "Command and Control",
		"associated with a known command and control server"},
	{TypeDNSBitcoinTool, finding.SeverityHigh, []intel.Family{intel.FamilyBitcoin}, "Impact",
		"associated with cryptocurrency-related activity"},
	{TypeDNSBlackholeTraffic, finding.SeverityMedium, []intel.Family{intel.FamilyBlackhole}, "Command and Control",
		"redirected to a black hole IP address"},
	{TypeDNSDropPoint, finding.SeverityMedium, []intel.Family{intel.FamilyDropPoint}, "Exfiltration",
		"of a host known to hold credentials and other data stolen by malware"},
	{TypeDNSDGAKnown, finding.SeverityHigh, []intel.Family{intel.FamilyDGA}, "Command and Control",
		"known to be algorithmically generated"},
	{TypeDNSDriveBySourceTraffic, finding.SeverityHigh, []intel.Family{intel.FamilyDriveBy}, "Initial Access",
		"of a host known as a source of drive-by download attacks"},
	{TypeDNSPhishingDomain, finding.SeverityHigh, []intel.Family{intel.FamilyPhishing}, "Initial Access",
		"involved in phishing attacks"},
	{TypeDNSAbusedDomain, finding.SeverityMedium, []intel.Family{intel.FamilyAbusedDomain}, "Impact",
		"of low reputation, associated with known abused domains"},
	{TypeDNSBitcoinDomain, finding.SeverityHigh, []intel.Family{intel.FamilyBitcoinDomain}, "Impact",
		"of low reputation, associated with cryptocurrency-related activity"},
	{TypeDNSMaliciousDomain, finding.SeverityHigh, []intel.Family{intel.FamilyMaliciousDomain, intel.FamilyMalicious}, "Impact",
		"of low reputation, associated with known malicious domains"},
	{TypeDNSSuspiciousDomain, finding.SeverityLow, []intel.Family{intel.FamilySuspiciousDomain}, "Impact",
		"of low reputation, suspicious because of its age or low popularity"},
	{TypeDNSMaliciousDomainCustom, finding.SeverityMedium, []intel.Family{intel.FamilyCustom}, "Impact",
		"on a custom threat list"},
}

func init() {
	var defs []detect.Definition
	for _, r := range dnsTIRules {
		defs = append(defs, detect.Definition{
			Type: r.typ, Severity: r.severity, Tactic: r.tactic, DataSource: dnsSource,
			Logic: "A DNS query (Route 53 Resolver query log) whose name, or its nearest listed parent domain, is on a threat list of family " +
				dnsFamilies(r.families) + ". Only the most specific listed suffix counts: a name listed under a listed parent matches its own " +
				"lists, not the parent's (crypto.guarddutyc2activityb.com is a mining domain, not a C&C one). The query's answer and rcode " +
				"do not matter; queries blocked by DNS Firewall still match (dnsRequestAction.blocked is true). Trusted IP lists do not apply.",
			Key:         "querying instance (else VPC + source address) + the listed domain",
			Title:       "An EC2 instance is querying a domain name " + r.what + ".",
			Description: "An EC2 instance is querying a domain name " + r.what + ". The instance might be compromised.",
		})
	}
	detect.Register(&detect.Detector{
		Name: "ec2.dns_threat_intel", Kinds: queries, Types: defs, Sample: sampleDNSThreatIntel, Detect: detectDNSThreatIntel,
	})
}

func dnsFamilies(fs []intel.Family) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += " or "
		}
		s += string(f)
	}
	return s
}

func detectDNSThreatIntel(ctx *detect.Context, ev *event.Event) []finding.Finding {
	q := ev.DNS
	if q == nil || q.Name == "" {
		return nil
	}
	suffix, ms := ctx.Intel.ThreatDomainMostSpecific(q.Name)
	if len(ms) == 0 {
		return nil
	}
	return dnsThreatFindings(ev, suffix, ms)
}

// dnsThreatFindings returns one finding per rule that ms match.
func dnsThreatFindings(ev *event.Event, suffix string, ms []intel.Match) []finding.Finding {
	var out []finding.Finding
	for i := range dnsTIRules {
		r := &dnsTIRules[i]
		var fm []intel.Match
		for _, fam := range r.families {
			fm = append(fm, detect.OfFamily(ms, fam)...)
		}
		if len(fm) > 0 {
			out = append(out, dnsThreatFinding(r, ev, suffix, fm))
		}
	}
	return out
}

func dnsThreatFinding(r *dnsTIRule, ev *event.Event, suffix string, ms []intel.Match) finding.Finding {
	q := ev.DNS
	f := dnsFinding(r.typ, ev, suffix, suffix)
	f.Title = dnsWho(q) + " queried " + q.Name + ", a domain name " + r.what + "."
	f.Description = dnsWho(q) + " queried " + q.Name + ", a domain name " + r.what + " (" + suffix + " is on threat list " +
		ms[0].ListName + "). The instance might be compromised."
	detect.WithThreatIntel(&f, ms, dnsEndpointInfo(q, nil))
	return f
}

func sampleDNSThreatIntel(typ string) finding.Finding {
	for i := range dnsTIRules {
		r := &dnsTIRules[i]
		if r.typ != typ {
			continue
		}
		name := "sample-" + strings.ReplaceAll(string(r.families[0]), "_", "-") + ".example.com"
		ev := dnsSampleEvent("www."+name, "A", "NOERROR", event.DNSAnswer{Rdata: "198.51.100.77", Type: "A", Class: "IN"})
		return dnsThreatFinding(r, ev, name, []intel.Match{{ListName: "SampleThreatList", ThreatName: "Sample", Family: r.families[0]}})
	}
	return finding.Finding{}
}
