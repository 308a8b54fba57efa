package ec2

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestDNSMetadataRebind(t *testing.T) {
	a := func(rdata string) event.DNSAnswer { return event.DNSAnswer{Rdata: rdata, Type: "A", Class: "IN"} }
	aaaa := func(rdata string) event.DNSAnswer { return event.DNSAnswer{Rdata: rdata, Type: "AAAA", Class: "IN"} }
	cname := func(rdata string) event.DNSAnswer { return event.DNSAnswer{Rdata: rdata, Type: "CNAME", Class: "IN"} }
	one := []string{TypeDNSMetadataRebind + " 8"}
	tests := []struct {
		name string
		q    dnsQ
		want []string
	}{
		{"A record", dnsQ{name: "169.254.169.254.nip.example", answers: []event.DNSAnswer{a("169.254.169.254")}}, one},
		{"rebinding service", dnsQ{name: "7f000001.a9fea9fe.rbndr.example", answers: []event.DNSAnswer{a("169.254.169.254")}}, one},
		{"CNAME chain", dnsQ{name: "meta.attacker.example", answers: []event.DNSAnswer{cname("imds.attacker.example."), a("169.254.169.254")}}, one},
		{"AAAA IPv6 endpoint", dnsQ{name: "v6.attacker.example", qtype: "AAAA", answers: []event.DNSAnswer{aaaa("fd00:ec2::254")}}, one},
		{"AAAA expanded, upper case", dnsQ{name: "v6.attacker.example", qtype: "AAAA", answers: []event.DNSAnswer{aaaa("FD00:EC2:0:0:0:0:0:254")}}, one},
		{"AAAA IPv4-mapped", dnsQ{name: "v6.attacker.example", qtype: "AAAA", answers: []event.DNSAnswer{aaaa("::ffff:169.254.169.254")}}, one},
		{"look-alike of AWS's name", dnsQ{name: "instance-data.attacker.example", answers: []event.DNSAnswer{a("169.254.169.254")}}, one},
		{"through a Resolver endpoint", dnsQ{name: "meta.attacker.example", instance: "-", answers: []event.DNSAnswer{a("169.254.169.254")}}, one},
		{"instance-data", dnsQ{name: "instance-data", answers: []event.DNSAnswer{a("169.254.169.254")}}, nil},
		{"instance-data.ec2.internal", dnsQ{name: "instance-data.ec2.internal", answers: []event.DNSAnswer{a("169.254.169.254")}}, nil},
		{"regional internal name", dnsQ{name: "instance-data.eu-west-1.compute.internal", answers: []event.DNSAnswer{a("169.254.169.254")}}, nil},
		{"AWS private DNS name of the address", dnsQ{name: "ip-169-254-169-254.ec2.internal", answers: []event.DNSAnswer{a("169.254.169.254")}}, nil},
		{"Amazon DNS server", dnsQ{name: "resolver.attacker.example", answers: []event.DNSAnswer{a("169.254.169.253")}}, nil},
		{"ECS task metadata", dnsQ{name: "ecs.attacker.example", answers: []event.DNSAnswer{a("169.254.170.2")}}, nil},
		{"ordinary answer", dnsQ{name: "www.example.com", answers: []event.DNSAnswer{a("93.184.215.14")}}, nil},
		{"address as text", dnsQ{name: "txt.attacker.example", qtype: "TXT", answers: []event.DNSAnswer{{Rdata: "169.254.169.254", Type: "TXT", Class: "IN"}}}, nil},
		{"NXDOMAIN", dnsQ{name: "meta.attacker.example", rcode: "NXDOMAIN"}, nil},
		{"malformed AAAA", dnsQ{name: "v6.attacker.example", qtype: "AAAA", answers: []event.DNSAnswer{aaaa("fd00:ec2::zz")}}, nil},
	}
	e := dnsEngine(dnsEngineOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := dnsOfType(dnsRun(t, e, tt.q), TypeDNSMetadataRebind)
			if got := dnsSummary(fs); !slices.Equal(got, tt.want) {
				t.Errorf("query %s %v: findings %v, want %v", tt.q.name, tt.q.answers, got, tt.want)
			}
			for _, f := range fs {
				if a := f.Service.Action.DNSRequestAction; a.Domain != tt.q.name || !strings.Contains(f.Service.AdditionalInfo.Value, `"answer":`) {
					t.Errorf("action %+v info %s", a, f.Service.AdditionalInfo.Value)
				}
			}
		})
	}
}

func TestDNSMetadataRebindAggregation(t *testing.T) {
	imds := []event.DNSAnswer{{Rdata: "169.254.169.254", Type: "A", Class: "IN"}}
	e := dnsEngine(dnsEngineOptions{})
	fs := dnsRun(t, e,
		dnsQ{name: "meta.attacker.example", answers: imds},
		dnsQ{name: "meta.attacker.example", answers: imds, at: 3600e9},
		dnsQ{name: "other.attacker.example", answers: imds},
	)
	if len(fs) != 3 {
		t.Fatalf("findings = %v, want 3", dnsSummary(fs))
	}
	if fs[0].ID != fs[1].ID || fs[0].ID == fs[2].ID {
		t.Errorf("ids %s, %s, %s; want the repeat on the first id and another name on its own", fs[0].ID, fs[1].ID, fs[2].ID)
	}
}
