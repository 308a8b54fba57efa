package ec2

import (
	"net/netip"
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// TypeDNSMetadataRebind is the finding of a name resolving to the
// instance metadata service, the mark of a DNS rebinding attack on it.
const TypeDNSMetadataRebind = "UnauthorizedAccess:EC2/MetadataDNSRebind"

func init() {
	detect.Register(&detect.Detector{
		Name: "ec2.dns_metadata_rebind", Kinds: queries, Sample: sampleDNSRebind, Detect: detectDNSRebind,
		Types: []detect.Definition{{
			Type: TypeDNSMetadataRebind, Severity: finding.SeverityHigh, Tactic: "Credential Access", DataSource: dnsSource,
			Logic: "An A or AAAA answer (CNAME chains included) resolves the queried name to the instance metadata service, " +
				"169.254.169.254 or fd00:ec2::254 (IPv4-mapped forms too). AWS's own names are exempt: instance-data and, under " +
				".internal, names whose first label is instance-data or ip-169-254-169-254. Domains deliberately mapped to the " +
				"metadata service also fire; suppress them by name. Trusted IP lists do not apply.",
			Key:         "querying instance (else VPC + source address) + queried name",
			Title:       "An EC2 instance is performing DNS lookups that resolve to the instance metadata service.",
			Description: "An EC2 instance resolved a domain name to the instance metadata service. A DNS rebinding attack uses such a name to make an application on the instance fetch metadata, including the instance role's credentials, for the attacker.",
		}},
	})
}

func detectDNSRebind(_ *detect.Context, ev *event.Event) []finding.Finding {
	q := ev.DNS
	if q == nil || len(q.Answers) == 0 {
		return nil
	}
	for i := range q.Answers {
		a := &q.Answers[i]
		if dnsIsIMDS(a) && !dnsAWSMetadataName(q.Name) {
			return []finding.Finding{dnsRebindFinding(ev, a)}
		}
	}
	return nil
}

// dnsIsIMDS reports whether an answer is an address of the instance
// metadata service. Only AAAA answers that could be one are parsed.
func dnsIsIMDS(a *event.DNSAnswer) bool {
	switch a.Type {
	case "A":
		return a.Rdata == "169.254.169.254"
	case "AAAA":
		r := a.Rdata
		if !dnsHasPrefixFold(r, "fd00:ec2") && !dnsHasPrefixFold(r, "::ffff:") && !dnsHasPrefixFold(r, "0:0:0:0:0:ffff:") {
			return false
		}
		ip, err := netip.ParseAddr(r)
		if err != nil {
			return false
		}
		ip = ip.Unmap()
		return ip == dnsIMDSv4 || ip == dnsIMDSv6
	}
	return false
}

func dnsHasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// dnsAWSMetadataName reports whether name is one of AWS's own names of
// the metadata service: "instance-data", or a name under .internal (AWS's
// private DNS: instance-data.ec2.internal,
// instance-data.eu-west-1.compute.internal) whose first label is
// instance-data or ip-169-254-169-254.
func dnsAWSMetadataName(name string) bool {
	if name == "instance-data" {
		return true
	}
	first, rest, ok := strings.Cut(name, ".")
	return ok && (first == "instance-data" || first == "ip-169-254-169-254") && (rest == "internal" || strings.HasSuffix(rest, ".internal"))
}

func dnsRebindFinding(ev *event.Event, a *event.DNSAnswer) finding.Finding {
	q := ev.DNS
	f := dnsFinding(TypeDNSMetadataRebind, ev, q.Name, q.Name)
	f.Title = dnsWho(q) + " resolved " + q.Name + " to the instance metadata service."
	f.Description = dnsWho(q) + " resolved " + q.Name + " to " + a.Rdata + ", the address of the instance metadata service. " +
		"A DNS rebinding attack uses such a name to make an application on the instance fetch metadata, including the instance role's credentials, for the attacker."
	f.Service.AdditionalInfo = dnsInfo(q, map[string]any{"answer": a.Rdata, "answerType": a.Type, "queryType": q.Type})
	return f
}

func sampleDNSRebind(string) finding.Finding {
	ev := dnsSampleEvent("metadata.rebind.example.net", "A", "NOERROR", event.DNSAnswer{Rdata: "169.254.169.254", Type: "A", Class: "IN"})
	return dnsRebindFinding(ev, &ev.DNS.Answers[0])
}
