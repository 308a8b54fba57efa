package ec2

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// flowProbeFrom returns one small inbound record from src to the web
// server's port.
func flowProbeFrom(at time.Duration, src string, port string, opts ...flowOpt) *event.Event {
	return flowEv(at, "eni-web", src, "10.0.1.10:"+port, append([]flowOpt{flowPk(1, 60)}, opts...)...)
}

func TestFlowPortProbe(t *testing.T) {
	const low, high = flowTypeProbe + " 2", flowTypeProbe + " 8"
	probers := func(n int, step time.Duration, port string) []*event.Event {
		addrs := []string{"198.51.100.21", "198.51.100.22", "198.51.100.23", "198.51.100.24"}
		return flowEvs(n, func(i int) *event.Event { return flowProbeFrom(time.Duration(i)*step, addrs[i]+":40000", port) })
	}
	flowTable(t, []flowCase{
		{"listed scanner probes SSH", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "22")), []string{low}, nil},
		{"listed scanner probes Elasticsearch", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "9200")), []string{high}, nil},
		{"listed scanner probes 9300 with a long flow", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "9300", flowPk(40, 9000))), []string{high}, nil},
		{"listed scanner probes an EMR port of an EMR node",
			flowOne(flowEv(0, "eni-emr", "192.0.2.3:40000", "10.0.2.20:8088", flowPk(1, 60))), []string{flowTypeProbeEMR + " 8"}, nil},
		{"listed scanner probes another port of an EMR node",
			flowOne(flowEv(0, "eni-emr", "192.0.2.3:40000", "10.0.2.20:22", flowPk(1, 60))), []string{low}, nil},
		{"EMR port of a node that is not EMR", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "8088")), []string{low}, nil},
		{"listed scanner blocked", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "22", flowRejected)), nil, nil},
		{"listed scanner's answer to the instance", flowOne(flowProbeFrom(0, "192.0.2.3:443", "50000", flowFlags(18))), nil, nil},
		{"outbound to a listed scanner", flowOne(flowEv(0, "eni-web", "10.0.1.10:50000", "192.0.2.3:22")), nil, nil},
		{"NODATA record", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "22", flowNoData)), nil, nil},
		{"listed but trusted", flowOne(flowProbeFrom(0, "192.0.2.5:40000", "22")), nil, nil},
		{"Lambda interface", flowOne(flowEv(0, "eni-fn", "192.0.2.3:40000", "10.0.3.30:22", flowPk(1, 60))), nil, nil},
		{"listed scanner probes twice in a window", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "22"),
			flowProbeFrom(time.Minute, "192.0.2.4:40000", "22")), []string{low}, nil},
		{"listed scanner probes in two windows", flowOne(flowProbeFrom(0, "192.0.2.3:40000", "22"),
			flowProbeFrom(61*time.Minute, "192.0.2.3:40000", "22")), []string{low, low}, nil},
		{"three unlisted probers", probers(3, time.Minute, "6379"), []string{low}, nil},
		{"four unlisted probers report once", probers(4, time.Minute, "6379"), []string{low}, nil},
		{"two unlisted probers", probers(2, time.Minute, "6379"), nil, nil},
		{"three probers in three windows", probers(3, 61*time.Minute, "6379"), nil, nil},
		{"three probers of a serving port", flowCat(flowOne(flowProbeFrom(0, "198.51.100.30:40000", "443", flowPk(20, 4000))),
			probers(3, time.Minute, "443")), nil, nil},
		{"three probers sending too much", flowEvs(3, func(i int) *event.Event {
			return flowProbeFrom(time.Duration(i)*time.Minute, "198.51.100.2"+string(rune('1'+i))+":40000", "6379", flowPk(4, 240))
		}), nil, nil},
		{"three private probers", flowEvs(3, func(i int) *event.Event {
			return flowProbeFrom(time.Duration(i)*time.Minute, "10.9.0."+string(rune('1'+i))+":40000", "6379")
		}), nil, nil},
		{"two probers with min_probers 2", probers(2, time.Minute, "6379"), []string{low},
			map[string]map[string]string{"ec2.port_probe": {"min_probers": "2"}}},
		{"three probers over 2h with window 3h", probers(3, time.Hour, "6379"), []string{low},
			map[string]map[string]string{"ec2.port_probe": {"window": "3h"}}},
	})
}

func TestFlowPortProbeFinding(t *testing.T) {
	fs := flowRun(t, nil, flowOne(
		flowProbeFrom(0, "198.51.100.21:40000", "6379"),
		flowProbeFrom(time.Minute, "198.51.100.22:40000", "6379"),
		flowProbeFrom(2*time.Minute, "192.0.2.3:40000", "6379"),
		flowProbeFrom(70*time.Minute, "192.0.2.3:40000", "6379"),
	))
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	f := fs[0]
	if f.ID != fs[1].ID {
		t.Errorf("ids %s and %s differ; a later window must update the same finding", f.ID, fs[1].ID)
	}
	a := f.Service.Action
	if a.ActionType != finding.ActionPortProbe || a.PortProbeAction == nil || len(a.PortProbeAction.PortProbeDetails) != 3 {
		t.Fatalf("action = %+v", a)
	}
	d := a.PortProbeAction.PortProbeDetails
	if d[0].RemoteIPDetails.IPAddressV4 != "192.0.2.3" || d[1].RemoteIPDetails.IPAddressV4 != "198.51.100.21" ||
		d[0].LocalPortDetails.Port != 6379 || d[0].LocalPortDetails.PortName != "Redis" || d[0].LocalIPDetails.IPAddressV4 != "10.0.1.10" {
		t.Errorf("details = %+v %+v %+v", d[0].RemoteIPDetails, d[1].RemoteIPDetails, d[0].LocalPortDetails)
	}
	if f.Service.ResourceRole != finding.RoleTarget || f.Service.Evidence == nil ||
		f.Service.Evidence.ThreatIntelligenceDetails[0].ThreatListName != "scanners" {
		t.Errorf("role %q evidence %+v", f.Service.ResourceRole, f.Service.Evidence)
	}
	r := f.Resource.InstanceDetails
	if f.Resource.ResourceType != finding.ResourceInstance || r == nil || r.InstanceID != "i-0web" ||
		len(r.NetworkInterfaces) != 1 || r.NetworkInterfaces[0].NetworkInterfaceID != "eni-web" {
		t.Errorf("resource = %+v", f.Resource)
	}
	if !strings.Contains(f.Title, "6379") || !strings.Contains(f.Title, "i-0web") || !strings.Contains(f.Description, "192.0.2.3") {
		t.Errorf("title %q description %q", f.Title, f.Description)
	}
	if f.AggregationKey != "i-0web|6379" || f.Severity != 2 || f.AccountID != "111122223333" || f.Region != "us-east-1" {
		t.Errorf("key %q severity %v account %q region %q", f.AggregationKey, f.Severity, f.AccountID, f.Region)
	}
}
