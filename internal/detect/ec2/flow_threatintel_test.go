package ec2

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

func TestFlowThreatIntel(t *testing.T) {
	out := func(eni, local, remote string, opts ...flowOpt) *event.Event {
		return flowEv(0, eni, local+":43210", remote+":443", opts...)
	}
	in := func(remote, port string, opts ...flowOpt) *event.Event {
		return flowEv(0, "eni-web", remote+":43210", "10.0.1.10:"+port, opts...)
	}
	ec2 := func(i int) string { return flowTIEC2[i] + " " + map[bool]string{true: "8", false: "5"}[flowTISev(i)] }
	lambda := func(i int) string {
		return flowTILambda[i] + " " + map[bool]string{true: "8", false: "5"}[flowTISev(i)]
	}
	const probe = flowTypeProbe + " 2" // any listed address reaching an open port probes it
	torPeers := flowEvs(3, func(i int) *event.Event {
		return flowEv(time.Duration(i)*time.Minute, "eni-web", "192.0.2.10"+string(rune('0'+i))+":43210", "10.0.1.10:9001")
	})
	flowTable(t, []flowCase{
		{"unlisted remote", flowOne(out("eni-web", "10.0.1.10", "203.0.113.50")), nil, nil},
		{"C&C server", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10")), []string{ec2(flowTIC2)}, nil},
		{"C&C server, blocked", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10", flowRejected)), []string{ec2(flowTIC2)}, nil},
		{"mining pool", flowOne(out("eni-web", "10.0.1.10", "203.0.113.20")), []string{ec2(flowTIBitcoin)}, nil},
		{"black hole", flowOne(out("eni-web", "10.0.1.10", "203.0.113.30")), []string{ec2(flowTIBlackhole)}, nil},
		{"drop point", flowOne(out("eni-web", "10.0.1.10", "203.0.113.40")), []string{ec2(flowTIDropPoint)}, nil},
		{"custom list, outbound", flowOne(out("eni-web", "10.0.1.10", "198.51.100.66")), []string{ec2(flowTICustom)}, nil},
		{"custom list, inbound (a probe too)", flowOne(in("198.51.100.66", "22")), []string{ec2(flowTICustom), probe}, nil},
		{"custom list, inbound blocked", flowOne(in("198.51.100.66", "22", flowRejected)), nil, nil},
		{"Tor client", flowOne(out("eni-web", "10.0.1.10", "192.0.2.100")), []string{ec2(flowTITorClient)}, nil},
		{"Tor client over IPv6", flowOne(flowEv(0, "eni-web", "[2001:db8:1::10]:43210", "[2001:db8::100]:443", flowDir("egress"))),
			[]string{ec2(flowTITorClient)}, nil},
		{"Tor exit calls in (a probe too)", flowOne(in("192.0.2.100", "443")), []string{ec2(flowTITorCaller), probe}, nil},
		{"Tor exit blocked", flowOne(in("192.0.2.100", "443", flowRejected)), nil, nil},
		{"Tor relay", torPeers, []string{ec2(flowTITorCaller), probe, ec2(flowTITorCaller), ec2(flowTITorCaller), ec2(flowTITorRelay)}, nil},
		{"two Tor peers", torPeers[:2], []string{ec2(flowTITorCaller), probe, ec2(flowTITorCaller)}, nil},
		{"Tor relay with min_tor_peers 2", torPeers[:2], []string{ec2(flowTITorCaller), probe, ec2(flowTITorCaller), ec2(flowTITorRelay)},
			map[string]map[string]string{"ec2.flow_threat_intel": {"min_tor_peers": "2"}}},
		{"C&C answer to the instance's connection", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10", flowFlags(2)),
			flowEv(time.Second, "eni-web", "203.0.113.10:443", "10.0.1.10:43210", flowFlags(18))), []string{ec2(flowTIC2)}, nil},
		{"instance answers a C&C server", flowOne(flowEv(0, "eni-web", "10.0.1.10:443", "203.0.113.10:43210")), nil, nil},
		{"C&C server calls in: only a probe", flowOne(in("203.0.113.10", "443")), []string{probe}, nil},
		{"C&C and trusted", flowOne(out("eni-web", "10.0.1.10", "203.0.113.99")), nil, nil},
		{"NODATA", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10", flowNoData)), nil, nil},
		{"repeats in a window", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10"),
			flowEv(30*time.Minute, "eni-web", "10.0.1.10:43211", "203.0.113.10:443")), []string{ec2(flowTIC2)}, nil},
		{"repeats in two windows", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10"),
			flowEv(61*time.Minute, "eni-web", "10.0.1.10:43211", "203.0.113.10:443")), []string{ec2(flowTIC2), ec2(flowTIC2)}, nil},
		{"repeats with window 2h", flowOne(out("eni-web", "10.0.1.10", "203.0.113.10"),
			flowEv(61*time.Minute, "eni-web", "10.0.1.10:43211", "203.0.113.10:443")), []string{ec2(flowTIC2)},
			map[string]map[string]string{"ec2.flow_threat_intel": {"window": "2h"}}},
		{"Lambda C&C", flowOne(out("eni-fn", "10.0.3.30", "203.0.113.10")), []string{lambda(flowTIC2)}, nil},
		{"Lambda mining pool", flowOne(out("eni-fn", "10.0.3.30", "203.0.113.20")), []string{lambda(flowTIBitcoin)}, nil},
		{"Lambda black hole", flowOne(out("eni-fn", "10.0.3.30", "203.0.113.30")), []string{lambda(flowTIBlackhole)}, nil},
		{"Lambda drop point", flowOne(out("eni-fn", "10.0.3.30", "203.0.113.40")), []string{lambda(flowTIDropPoint)}, nil},
		{"Lambda custom list", flowOne(out("eni-fn", "10.0.3.30", "198.51.100.66")), []string{lambda(flowTICustom)}, nil},
		{"Lambda Tor client", flowOne(out("eni-fn", "10.0.3.30", "192.0.2.101")), []string{lambda(flowTITorClient)}, nil},
		{"Lambda Tor relay", flowEvs(3, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Minute, "eni-fn", "192.0.2.10"+string(rune('0'+i))+":43210", "10.0.3.30:9001")
		}), []string{lambda(flowTITorRelay)}, nil},
	})
}

// flowTISev reports whether rule i is High.
func flowTISev(i int) bool {
	return i == flowTIC2 || i == flowTIBitcoin || i == flowTITorClient || i == flowTITorRelay
}

func TestFlowThreatIntelFinding(t *testing.T) {
	fs := flowRun(t, nil, flowOne(
		flowEv(0, "eni-web", "198.51.100.66:43210", "10.0.1.10:22"),
		flowEv(0, "eni-fn", "10.0.3.30:43210", "203.0.113.10:8443", flowRejected),
	))
	if len(fs) != 3 || fs[1].Type != flowTypeProbe {
		t.Fatalf("%d findings, want 3 (custom, port probe, Lambda C&C)", len(fs))
	}
	in, fn := fs[0], fs[2]
	c := in.Service.Action.NetworkConnectionAction
	if in.Service.ResourceRole != finding.RoleTarget || c.ConnectionDirection != Inbound || c.LocalPortDetails.Port != 22 ||
		in.AggregationKey != "i-0web|198.51.100.66" {
		t.Errorf("inbound custom: role %q key %q action %+v", in.Service.ResourceRole, in.AggregationKey, c)
	}
	if e := in.Service.Evidence; e == nil || len(e.ThreatIntelligenceDetails) != 1 || e.ThreatIntelligenceDetails[0].ThreatListName != "corp-list" {
		t.Errorf("evidence = %+v", in.Service.Evidence)
	}
	if in.Service.AdditionalInfo == nil || in.Service.AdditionalInfo.Value != `{"threatListName":"corp-list"}` {
		t.Errorf("additionalInfo = %+v", in.Service.AdditionalInfo)
	}
	l := fn.Resource.LambdaDetails
	if fn.Resource.ResourceType != finding.ResourceLambda || l == nil || l.FunctionName != "payments" ||
		l.FunctionArn != "arn:aws:lambda:us-east-1:111122223333:function:payments" || l.VpcConfig == nil || l.VpcConfig.VpcID != "vpc-1" {
		t.Errorf("lambda resource = %+v", fn.Resource)
	}
	fc := fn.Service.Action.NetworkConnectionAction
	if fn.Service.ResourceRole != finding.RoleActor || !fc.Blocked || fc.RemotePortDetails.Port != 8443 || fn.AggregationKey != "payments|203.0.113.10" {
		t.Errorf("lambda C&C: role %q key %q action %+v", fn.Service.ResourceRole, fn.AggregationKey, fc)
	}
}
