package ec2

import (
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// flowAttempts returns n short connections from src to dst ("addr:port"
// without the source port, which varies), step apart.
func flowAttempts(n int, step time.Duration, eni, src, dst string, opts ...flowOpt) []*event.Event {
	return flowEvs(n, func(i int) *event.Event {
		return flowEv(time.Duration(i)*step, eni, src+":"+strconv.Itoa(40000+i), dst, append([]flowOpt{flowPk(12, 2400)}, opts...)...)
	})
}

func TestFlowBruteForce(t *testing.T) {
	const sshLow, sshHigh = flowTypeSSHBrute + " 2", flowTypeSSHBrute + " 8"
	in := func(n int, step time.Duration, port string, opts ...flowOpt) []*event.Event {
		return flowAttempts(n, step, "eni-web", "198.51.100.9", "10.0.1.10:"+port, opts...)
	}
	out := func(n int, port string, opts ...flowOpt) []*event.Event {
		return flowAttempts(n, 10*time.Second, "eni-web", "10.0.1.10", "203.0.113.70:"+port, opts...)
	}
	flowTable(t, []flowCase{
		{"20 SSH attempts on the instance", in(20, 10*time.Second, "22"), []string{sshLow}, nil},
		{"30 SSH attempts report once", in(30, 10*time.Second, "22"), []string{sshLow}, nil},
		{"20 RDP attempts on the instance", in(20, 10*time.Second, "3389"), []string{flowTypeRDPBrute + " 2"}, nil},
		{"19 SSH attempts", in(19, 10*time.Second, "22"), nil, nil},
		{"20 SSH attempts over 20 minutes", in(20, time.Minute, "22"), nil, nil},
		{"20 blocked SSH attempts", in(20, 10*time.Second, "22", flowRejected), nil, nil},
		{"20 long SSH sessions", in(20, 10*time.Second, "22", flowPk(500, 90000)), nil, nil},
		{"20 attempts on another port", in(20, 10*time.Second, "2222"), nil, nil},
		{"20 UDP datagrams to 22", in(20, 10*time.Second, "22", flowProto(flowUDP)), nil, nil},
		{"instance attacks over SSH", out(20, "22"), []string{sshHigh}, nil},
		{"instance attacks over SSH, blocked", out(20, "22", flowRejected), []string{sshHigh}, nil},
		{"instance attacks over RDP", out(20, "3389"), []string{flowTypeRDPBrute + " 8"}, nil},
		{"answers of the instance's SSH server", flowEvs(20, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Second, "eni-web", "10.0.1.10:22", "198.51.100.9:"+strconv.Itoa(40000+i), flowPk(12, 2400))
		}), nil, nil},
		{"NODATA records", in(20, time.Second, "22", flowNoData), nil, nil},
		{"trusted attacker", flowAttempts(20, time.Second, "eni-web", "192.0.2.5", "10.0.1.10:22"), nil, nil},
		{"Lambda interface", flowAttempts(20, time.Second, "eni-fn", "10.0.3.30", "203.0.113.70:22"), nil, nil},
		{"two windows", flowCat(in(20, time.Second, "22"), flowAttempts(20, time.Second, "eni-web", "198.51.100.9", "10.0.1.10:22",
			func(f *event.Flow) { f.End = f.End.Add(time.Hour); f.Start = f.End })), []string{sshLow, sshLow}, nil},
		{"5 attempts with min_attempts 5", in(5, time.Second, "22"), []string{sshLow},
			map[string]map[string]string{"ec2.brute_force": {"min_attempts": "5"}}},
		{"20 long sessions with max_bytes 100000", in(20, time.Second, "22", flowPk(500, 90000)), []string{sshLow},
			map[string]map[string]string{"ec2.brute_force": {"max_bytes": "100000"}}},
	})
}

func TestFlowBruteForceFinding(t *testing.T) {
	fs := flowRun(t, nil, flowAttempts(20, time.Second, "eni-web", "10.0.1.10", "203.0.113.70:22"),
		flowAttempts(20, time.Second, "eni-web", "198.51.100.9", "10.0.1.10:22"))
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	out, in := fs[0], fs[1]
	if out.ID == in.ID || out.Service.ResourceRole != finding.RoleActor || in.Service.ResourceRole != finding.RoleTarget ||
		out.Severity != 8 || in.Severity != 2 {
		t.Errorf("outbound %s %s %v, inbound %s %s %v", out.ID, out.Service.ResourceRole, out.Severity, in.ID, in.Service.ResourceRole, in.Severity)
	}
	c := in.Service.Action.NetworkConnectionAction
	if c.ConnectionDirection != Inbound || c.LocalPortDetails.Port != 22 || c.LocalPortDetails.PortName != "SSH" ||
		c.RemoteIPDetails.IPAddressV4 != "198.51.100.9" || c.Blocked {
		t.Errorf("inbound action = %+v", c)
	}
	if out.AggregationKey != "i-0web|203.0.113.70|OUTBOUND" || in.AggregationKey != "i-0web|198.51.100.9|INBOUND" {
		t.Errorf("keys %q %q", out.AggregationKey, in.AggregationKey)
	}
}
