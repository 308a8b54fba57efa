package ec2

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/detect/detecttest"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// flowT0 is when test records start.
var flowT0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// flowTestInventory is an inventory backed by a map.
type flowTestInventory map[string]detect.NetworkInterface

func (inv flowTestInventory) Interface(eni string) (detect.NetworkInterface, bool) {
	ni, ok := inv[eni]
	return ni, ok
}

var _ detect.Inventory = flowTestInventory(nil)

// flowInv holds a web server, an EMR node and a Lambda function's ENI.
var flowInv = flowTestInventory{
	"eni-web": {ID: "eni-web", InstanceID: "i-0web", PrivateIPs: []string{"10.0.1.10"}, PublicIP: "54.0.0.10",
		SubnetID: "subnet-1", VpcID: "vpc-1", InstanceType: "m6i.large", ImageID: "ami-1", AZ: "us-east-1a",
		Tags: map[string]string{"Name": "web"}},
	"eni-emr": {ID: "eni-emr", InstanceID: "i-0emr", PrivateIPs: []string{"10.0.2.20"}, SubnetID: "subnet-2", VpcID: "vpc-1",
		Tags: map[string]string{flowEMRRoleTag: "MASTER"}},
	"eni-fn": {ID: "eni-fn", FunctionName: "payments", PrivateIPs: []string{"10.0.3.30"}, SubnetID: "subnet-3", VpcID: "vpc-1"},
}

// flowTestIntel lists scanners, a custom list, Tor nodes, C&C, mining,
// black-hole and drop-point addresses, and a trusted list.
func flowTestIntel(t testing.TB) *intel.Intel {
	t.Helper()
	return detecttest.Intel(t, map[string]string{
		"malicious:scanners":  "192.0.2.0/28\n",
		"custom:corp-list":    "198.51.100.66\n",
		"tor:tor-nodes":       "192.0.2.100\n192.0.2.101\n192.0.2.102\n192.0.2.103\n2001:db8::100\n",
		"c2:feodo":            "203.0.113.10\n203.0.113.99\n",
		"bitcoin:pools":       "203.0.113.20\n",
		"blackhole:holes":     "203.0.113.30\n",
		"drop_point:drops":    "203.0.113.40\n",
		"trusted:office-nats": "203.0.113.99\n192.0.2.5\n",
	}, "")
}

// flowOpt adjusts a test record.
type flowOpt func(*event.Flow)

func flowPk(packets, bytes int64) flowOpt {
	return func(f *event.Flow) { f.Packets, f.Bytes = packets, bytes }
}
func flowProto(p int) flowOpt    { return func(f *event.Flow) { f.Protocol = p } }
func flowFlags(fl int) flowOpt   { return func(f *event.Flow) { f.TCPFlags = fl } }
func flowDir(d string) flowOpt   { return func(f *event.Flow) { f.FlowDirection = d } }
func flowRejected(f *event.Flow) { f.Action = "REJECT" }
func flowNoData(f *event.Flow)   { f.LogStatus = "NODATA" }
func flowLasting(d time.Duration) flowOpt {
	return func(f *event.Flow) { f.Start = f.End.Add(-d) }
}

// flowEv returns a flow event of interface eni ending at flowT0+at from
// src to dst ("addr:port"): TCP, 10 packets, 1,000 bytes, ACCEPT, unless
// opts say otherwise.
func flowEv(at time.Duration, eni, src, dst string, opts ...flowOpt) *event.Event {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	end := flowT0.Add(at)
	f := &event.Flow{
		Version: 5, AccountID: "111122223333", InterfaceID: eni, SrcAddr: s.Addr(), DstAddr: d.Addr(),
		SrcPort: int(s.Port()), DstPort: int(d.Port()), Protocol: flowTCP, Packets: 10, Bytes: 1000,
		Start: end.Add(-10 * time.Second), End: end, Action: "ACCEPT", LogStatus: "OK",
	}
	for _, o := range opts {
		o(f)
	}
	return &event.Event{Kind: event.KindFlow, Time: f.Start, Account: "111122223333", Region: "us-east-1",
		Source: "vpcflowlogs", SourceIP: f.SrcAddr, Flow: f}
}

// flowEvs returns n records made by mk(i).
func flowEvs(n int, mk func(i int) *event.Event) []*event.Event {
	out := make([]*event.Event, n)
	for i := range out {
		out[i] = mk(i)
	}
	return out
}

// flowRun feeds events to a new engine running every registered
// detector with the test inventory and intel, and returns the findings.
func flowRun(t testing.TB, params map[string]map[string]string, evs ...[]*event.Event) []finding.Finding {
	t.Helper()
	in := flowTestIntel(t)
	e := detect.New(detect.Registered(), detect.Options{
		DetectorID: detecttest.DetectorID, Now: func() time.Time { return detecttest.Now },
		Intel: func() *intel.Intel { return in }, Inventory: flowInv, Params: params,
	})
	var out []finding.Finding
	for _, batch := range evs {
		for _, ev := range batch {
			e.Process(ev, func(f finding.Finding) { out = append(out, f) })
		}
	}
	if p := e.Stats().Panics; p != 0 {
		t.Fatalf("detectors panicked %d times", p)
	}
	return out
}

// flowCase is one row of a detector's table test.
type flowCase struct {
	name   string
	evs    []*event.Event
	want   []string // detecttest.Summary of the findings
	params map[string]map[string]string
}

func flowTable(t *testing.T, tests []flowCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flowRun(t, tt.params, tt.evs)
			if g := detecttest.Summary(fs); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
				for _, f := range fs {
					t.Logf("  %s: %s", f.Type, f.Title)
				}
			}
		})
	}
}

// flowCat concatenates record slices.
func flowCat(parts ...[]*event.Event) []*event.Event { return slices.Concat(parts...) }

// flowOne wraps records in a slice.
func flowOne(evs ...*event.Event) []*event.Event { return evs }

// flowMinutes returns d minutes.
func flowMinutes(d int) time.Duration { return time.Duration(d) * time.Minute }

func TestFlowIsReply(t *testing.T) {
	tests := []struct {
		name string
		ev   *event.Event
		want bool
	}{
		{"client opens to 443", flowEv(0, "eni-web", "10.0.1.10:40000", "93.184.216.34:443"), false},
		{"answer from 443", flowEv(0, "eni-web", "93.184.216.34:443", "10.0.1.10:40000"), true},
		{"server answers a client", flowEv(0, "eni-web", "10.0.1.10:443", "198.51.100.7:51000"), true},
		{"client connects to the server", flowEv(0, "eni-web", "198.51.100.7:51000", "10.0.1.10:443"), false},
		{"SYN-ACK wins over ports", flowEv(0, "eni-web", "198.51.100.7:80", "10.0.1.10:8080", flowFlags(18)), true},
		{"SYN wins over ports", flowEv(0, "eni-web", "10.0.1.10:40000", "198.51.100.7:50000", flowFlags(2)), false},
		{"NTP inbound is an answer", flowEv(0, "eni-web", "198.51.100.7:123", "10.0.1.10:123", flowProto(flowUDP)), true},
		{"NTP outbound is a request", flowEv(0, "eni-web", "10.0.1.10:123", "198.51.100.7:123", flowProto(flowUDP)), false},
	}
	for _, tt := range tests {
		v, ok := flowViewOf(tt.ev)
		if !ok || v.reply != tt.want {
			t.Errorf("%s: reply = %v (ok %v), want %v", tt.name, v.reply, ok, tt.want)
		}
	}
}

// TestFlowOutbound checks that the cheap direction test agrees with
// EndsOf on records of every kind.
func TestFlowOutbound(t *testing.T) {
	evs := flowBenchEvents(20000)
	for _, d := range []string{"", "ingress", "egress"} {
		for _, ev := range append(evs, flowEv(0, "eni-web", "10.0.1.10:0", "10.0.2.2:0", flowDir(d)),
			flowEv(0, "eni-web", "10.0.1.10:22", "10.0.2.2:22", flowDir(d)),
			flowEv(0, "eni-web", "203.0.113.1:40000", "198.51.100.1:443", flowDir(d))) {
			f := *ev.Flow
			f.FlowDirection = d
			e, ok := EndsOf(&f)
			if ok && flowOutbound(&f) != (e.Direction == Outbound) {
				t.Fatalf("flowOutbound(%+v) = %v, EndsOf says %s", f, flowOutbound(&f), e.Direction)
			}
		}
	}
}

func TestFlowSet(t *testing.T) {
	var s flowSet[uint16]
	for i := range 40 {
		if !s.add(uint16(i)) {
			t.Fatalf("add(%d) = false for a new value", i)
		}
		if i < flowSetCap && s.add(uint16(i)) {
			t.Fatalf("add(%d) again = true", i)
		}
	}
	if s.count() != 40 {
		t.Errorf("count = %d, want 40", s.count())
	}
	s.reset()
	if s.count() != 0 {
		t.Errorf("count after reset = %d", s.count())
	}
}

func TestFlowWin(t *testing.T) {
	var w flowWin
	if !w.roll(100, 10, true) || !w.fire() || w.fire() {
		t.Fatal("a new window must fire once")
	}
	if w.roll(109, 10, false) || w.roll(50, 10, false) {
		t.Error("events inside (or before) the window rolled it")
	}
	if !w.roll(110, 10, false) || !w.fire() {
		t.Error("an event past the window must open a new one that may fire")
	}
}

// TestFlowSamples checks that every flow finding type has a sample of
// its own type with a network resource and action.
func TestFlowSamples(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dets := flowDetectors()
	n := 0
	for _, def := range detect.Definitions(dets) {
		n++
		_, d, _ := detect.Lookup(dets, def.Type)
		f := detect.SampleFinding(d, def, "111122223333", "eu-west-1", detect.DefaultDetectorID, now)
		if f.Type != def.Type || f.Severity == 0 || f.Title == detect.SamplePrefix {
			t.Errorf("%s: sample type %q severity %v title %q", def.Type, f.Type, f.Severity, f.Title)
		}
		r := f.Resource
		switch r.ResourceType {
		case finding.ResourceInstance:
			if r.InstanceDetails == nil || r.InstanceDetails.InstanceID == "" || len(r.InstanceDetails.NetworkInterfaces) != 1 {
				t.Errorf("%s: instance resource %+v", def.Type, r.InstanceDetails)
			}
		case finding.ResourceLambda:
			if r.LambdaDetails == nil || r.LambdaDetails.FunctionName == "" {
				t.Errorf("%s: lambda resource %+v", def.Type, r.LambdaDetails)
			}
		default:
			t.Errorf("%s: resource type %q", def.Type, r.ResourceType)
		}
		a := f.Service.Action
		if a == nil || (a.NetworkConnectionAction == nil && a.PortProbeAction == nil) {
			t.Errorf("%s: action %+v", def.Type, a)
		}
	}
	if n != 28 {
		t.Errorf("%d flow finding types, want 28", n)
	}
}

// TestFlowTypes checks every finding type of the flow detectors with its
// default severity and data source.
func TestFlowTypes(t *testing.T) {
	want := map[string]float64{
		"Recon:EC2/PortProbeUnprotectedPort": 2, "Recon:EC2/PortProbeEMRUnprotectedPort": 8, "Recon:EC2/Portscan": 5,
		"UnauthorizedAccess:EC2/SSHBruteForce": 2, "UnauthorizedAccess:EC2/RDPBruteForce": 2,
		"Backdoor:EC2/DenialOfService.Tcp": 8, "Backdoor:EC2/DenialOfService.Udp": 8,
		"Backdoor:EC2/DenialOfService.UdpOnTcpPorts": 8, "Backdoor:EC2/DenialOfService.UnusualProtocol": 8,
		"Backdoor:EC2/DenialOfService.Dns": 8, "Backdoor:EC2/Spambot": 5,
		"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom": 5, "Backdoor:EC2/C&CActivity.B": 8,
		"CryptoCurrency:EC2/BitcoinTool.B": 8, "Trojan:EC2/BlackholeTraffic": 5, "Trojan:EC2/DropPoint": 5,
		"UnauthorizedAccess:EC2/TorIPCaller": 5, "UnauthorizedAccess:EC2/TorClient": 8, "UnauthorizedAccess:EC2/TorRelay": 8,
		"Backdoor:Lambda/C&CActivity.B": 8, "CryptoCurrency:Lambda/BitcoinTool.B": 8, "Trojan:Lambda/BlackholeTraffic": 5,
		"Trojan:Lambda/DropPoint": 5, "UnauthorizedAccess:Lambda/MaliciousIPCaller.Custom": 5,
		"UnauthorizedAccess:Lambda/TorClient": 8, "UnauthorizedAccess:Lambda/TorRelay": 8,
		"Behavior:EC2/NetworkPortUnusual": 5, "Behavior:EC2/TrafficVolumeUnusual": 5,
	}
	dets := flowDetectors()
	for typ, sev := range want {
		def, _, ok := detect.Lookup(dets, typ)
		switch {
		case !ok:
			t.Errorf("%s is not registered", typ)
		case def.Severity != sev:
			t.Errorf("%s: severity %v, want %v", typ, def.Severity, sev)
		case (def.DataSource == lambdaSource) != strings.Contains(typ, "Lambda/"):
			t.Errorf("%s: data source %q", typ, def.DataSource)
		}
	}
}

// flowDetectors returns the registered detectors that consume flows.
func flowDetectors() []*detect.Detector {
	var out []*detect.Detector
	for _, d := range detect.Registered() {
		if slices.Contains(d.Kinds, event.KindFlow) {
			out = append(out, d)
		}
	}
	return out
}
