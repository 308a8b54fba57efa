package ec2

import (
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// flowFlood returns n outbound records of packets packets each (40 bytes
// per packet) from the web server to dst, 10 seconds apart.
func flowFlood(n int, packets int64, dst string, opts ...flowOpt) []*event.Event {
	return flowEvs(n, func(i int) *event.Event {
		return flowEv(time.Duration(i)*10*time.Second, "eni-web", "10.0.1.10:"+strconv.Itoa(40000+i), dst,
			append([]flowOpt{flowPk(packets, 40*packets)}, opts...)...)
	})
}

func TestFlowDenialOfService(t *testing.T) {
	typ := func(kind int) string { return flowDoSTypes[kind] + " 8" }
	udp := flowProto(flowUDP)
	flowTable(t, []flowCase{
		{"TCP flood", flowFlood(2, 60000, "203.0.113.80:80"), []string{typ(flowDoSTCP)}, nil},
		{"TCP flood reports once a window", flowFlood(5, 60000, "203.0.113.80:80"), []string{typ(flowDoSTCP)}, nil},
		{"UDP flood", flowFlood(2, 60000, "203.0.113.80:27015", udp), []string{typ(flowDoSUDP)}, nil},
		{"UDP flood on a TCP port", flowFlood(2, 60000, "203.0.113.80:443", udp), []string{typ(flowDoSUDPOnTCP)}, nil},
		{"DNS flood over UDP", flowFlood(2, 60000, "203.0.113.80:53", udp), []string{typ(flowDoSDNS)}, nil},
		{"DNS flood over TCP", flowFlood(2, 60000, "203.0.113.80:53"), []string{typ(flowDoSDNS)}, nil},
		{"GRE flood", flowFlood(2, 60000, "203.0.113.80:0", flowProto(47)), []string{typ(flowDoSUnusual)}, nil},
		{"ICMP flood", flowFlood(2, 60000, "203.0.113.80:0", flowProto(flowICMP)), nil, nil},
		{"below min_packets", flowFlood(2, 40000, "203.0.113.80:80"), nil, nil},
		{"spread over minutes", flowEvs(4, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Minute, "eni-web", "10.0.1.10:40000", "203.0.113.80:80", flowPk(60000, 2400000))
		}), nil, nil},
		{"bulk TCP upload", flowFlood(2, 60000, "203.0.113.80:443", flowPk(60000, 60000*1400)), nil, nil},
		{"ten-minute record counts pro rata", flowOne(flowEv(0, "eni-web", "10.0.1.10:40000", "203.0.113.80:80",
			flowPk(200000, 8000000), flowLasting(10*time.Minute))), nil, nil},
		{"private target", flowFlood(2, 60000, "10.0.9.9:80", flowDir("egress")), nil, nil},
		{"inbound flood", flowEvs(2, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "203.0.113.80:"+strconv.Itoa(40000+i), "10.0.1.10:80", flowPk(60000, 2400000))
		}), nil, nil},
		{"server answering one client", flowEvs(2, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "10.0.1.10:80", "203.0.113.80:"+strconv.Itoa(40000+i), flowPk(60000, 2400000))
		}), nil, nil},
		{"NODATA", flowFlood(2, 60000, "203.0.113.80:80", flowNoData), nil, nil},
		{"Lambda interface", flowEvs(2, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-fn", "10.0.3.30:"+strconv.Itoa(40000+i), "203.0.113.80:80", flowPk(60000, 2400000))
		}), nil, nil},
		{"min_packets 1000", flowFlood(1, 1000, "203.0.113.80:80"), []string{typ(flowDoSTCP)},
			map[string]map[string]string{"ec2.denial_of_service": {"min_packets": "1000"}}},
		{"bulk upload with max_tcp_packet_bytes 1500", flowFlood(2, 60000, "203.0.113.80:443", flowPk(60000, 60000*1400)),
			[]string{typ(flowDoSTCP)}, map[string]map[string]string{"ec2.denial_of_service": {"max_tcp_packet_bytes": "1500"}}},
	})
}

func TestFlowDenialOfServiceFinding(t *testing.T) {
	later := func(f *event.Flow) { f.End = f.End.Add(time.Hour); f.Start = f.End.Add(-10 * time.Second) }
	fs := flowRun(t, nil, flowFlood(2, 60000, "203.0.113.80:80"), flowFlood(2, 60000, "203.0.113.80:80", later))
	if len(fs) != 2 || fs[0].ID != fs[1].ID {
		t.Fatalf("%d findings, want 2 with one id", len(fs))
	}
	f := fs[0]
	c := f.Service.Action.NetworkConnectionAction
	if f.Service.ResourceRole != finding.RoleActor || c.ConnectionDirection != Outbound || c.RemotePortDetails.Port != 80 ||
		c.RemoteIPDetails.IPAddressV4 != "203.0.113.80" || f.AggregationKey != "i-0web|203.0.113.80" {
		t.Errorf("role %q key %q action %+v", f.Service.ResourceRole, f.AggregationKey, c)
	}
}
