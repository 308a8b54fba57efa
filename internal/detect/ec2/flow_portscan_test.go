package ec2

import (
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// flowScanOut returns n outbound records from the web server to
// distinct ports of dst, step apart.
func flowScanOut(n int, step time.Duration, dst string, opts ...flowOpt) []*event.Event {
	return flowEvs(n, func(i int) *event.Event {
		return flowEv(time.Duration(i)*step, "eni-web", "10.0.1.10:45000", dst+":"+strconv.Itoa(1000+i),
			append([]flowOpt{flowPk(1, 60), flowFlags(2)}, opts...)...)
	})
}

func TestFlowPortscan(t *testing.T) {
	const scan = flowTypePortscan + " 5"
	flowTable(t, []flowCase{
		{"25 ports in 10 minutes", flowScanOut(25, 10*time.Second, "203.0.113.50"), []string{scan}, nil},
		{"40 ports report once", flowScanOut(40, 10*time.Second, "203.0.113.50"), []string{scan}, nil},
		{"blocked scan", flowScanOut(25, 10*time.Second, "203.0.113.50", flowRejected), []string{scan}, nil},
		{"internal scan (flow-direction logged)", flowScanOut(25, 10*time.Second, "10.0.9.9", flowDir("egress")), []string{scan}, nil},
		{"24 ports", flowScanOut(24, 10*time.Second, "203.0.113.50"), nil, nil},
		{"25 ports over 25 minutes", flowScanOut(25, time.Minute, "203.0.113.50"), nil, nil},
		{"25 ports of 25 hosts", flowEvs(25, func(i int) *event.Event {
			return flowEv(0, "eni-web", "10.0.1.10:45000", "203.0.113."+strconv.Itoa(100+i)+":"+strconv.Itoa(1000+i), flowPk(1, 60))
		}), nil, nil},
		{"same port 25 times", flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "10.0.1.10:"+strconv.Itoa(45000+i), "203.0.113.50:443", flowPk(1, 60))
		}), nil, nil},
		{"inbound scan of the instance", flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "203.0.113.50:45000", "10.0.1.10:"+strconv.Itoa(1000+i), flowPk(1, 60))
		}), nil, nil},
		{"server answering one client's many connections", flowEvs(30, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "10.0.1.10:443", "203.0.113.50:"+strconv.Itoa(50000+i), flowPk(2, 120))
		}), nil, nil},
		{"server answering, SYN-ACK logged", flowEvs(30, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "10.0.1.10:8443", "203.0.113.50:"+strconv.Itoa(1000+i), flowFlags(19), flowPk(2, 120))
		}), nil, nil},
		{"NODATA records", flowScanOut(25, time.Second, "203.0.113.50", flowNoData), nil, nil},
		{"Lambda interface", flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-fn", "10.0.3.30:45000", "203.0.113.50:"+strconv.Itoa(1000+i), flowPk(1, 60))
		}), nil, nil},
		{"two windows", flowCat(flowScanOut(25, time.Second, "203.0.113.50"), flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Hour+time.Duration(i)*time.Second, "eni-web", "10.0.1.10:45000", "203.0.113.50:"+strconv.Itoa(2000+i), flowPk(1, 60))
		})), []string{scan, scan}, nil},
		{"25 ports with full connections", flowScanOut(25, 10*time.Second, "203.0.113.50", flowPk(12, 2000)), nil, nil},
		{"25 ports with full connections and max_probe_packets 20", flowScanOut(25, 10*time.Second, "203.0.113.50", flowPk(12, 2000)),
			[]string{scan}, map[string]map[string]string{"ec2.port_scan": {"max_probe_packets": "20"}}},
		{"5 ports with min_ports 5", flowScanOut(5, time.Second, "203.0.113.50"), []string{scan},
			map[string]map[string]string{"ec2.port_scan": {"min_ports": "5"}}},
		{"25 ports over 25 minutes with window 30m", flowScanOut(25, time.Minute, "203.0.113.50"), []string{scan},
			map[string]map[string]string{"ec2.port_scan": {"window": "30m"}}},
	})
}

func TestFlowPortscanFinding(t *testing.T) {
	fs := flowRun(t, nil, flowScanOut(25, time.Second, "203.0.113.50"),
		flowScanOut(25, time.Second, "203.0.113.50", func(f *event.Flow) { f.End = f.End.Add(time.Hour); f.Start = f.End }))
	if len(fs) != 2 || fs[0].ID != fs[1].ID {
		t.Fatalf("findings = %d, want 2 with one id", len(fs))
	}
	f := fs[0]
	c := f.Service.Action.NetworkConnectionAction
	if f.Service.Action.ActionType != finding.ActionNetworkConnection || c == nil || c.ConnectionDirection != Outbound ||
		c.RemotePortDetails.Port != 1024 || c.RemoteIPDetails.IPAddressV4 != "203.0.113.50" || c.Protocol != "TCP" ||
		c.LocalNetworkInterface != "eni-web" {
		t.Errorf("action = %+v", c)
	}
	if f.Service.ResourceRole != finding.RoleActor || f.AggregationKey != "i-0web|203.0.113.50" {
		t.Errorf("role %q key %q", f.Service.ResourceRole, f.AggregationKey)
	}
}
