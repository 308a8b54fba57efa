package ec2

import (
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

const flowTypePortscan = "Recon:EC2/Portscan"

func init() {
	detect.Register(&detect.Detector{
		Name:  "ec2.port_scan",
		Kinds: flows,
		Types: []detect.Definition{{
			Type: flowTypePortscan, Severity: finding.SeverityMedium, Tactic: "Discovery", DataSource: flowSource,
			Logic: "Outbound TCP/UDP probes opened by the instance (flows of at most max_probe_packets packets, ACCEPTed or " +
				"REJECTed; answers to inbound connections do not count) reach at least min_ports distinct destination ports of " +
				"one remote address within window. Distinct ports " +
				"are counted exactly up to 32 per remote and window. Reported at most once per window per instance and remote; " +
				"Lambda interfaces never match.",
			Key:         "instance (else ENI) + remote address",
			Title:       "An EC2 instance is performing outbound port scans.",
			Description: "An EC2 instance connected to many ports of one remote host in a short time, as a port scanner does.",
		}},
		Params: []detect.Param{
			{Name: "window", Default: "10m", Doc: "window in which distinct ports are counted"},
			{Name: "min_ports", Default: "25", Doc: "distinct ports of one remote that make a scan"},
			{Name: "max_probe_packets", Default: "3", Doc: "packets a flow may carry and still count as a probe"},
		},
		Sample: func(string) finding.Finding {
			ev, v, o := flowSample(Outbound, flowTCP, 48211, 3306, false)
			return flowScanFinding(ev, o, v, 25, 600e9)
		},
		Detect: flowDetectScan,
	})
}

// flowScanState is the port-scan detector's working state.
type flowScanState struct {
	pairs      *detect.LRU[flowPairKey, flowScan]
	window     int64
	minPorts   int
	maxPackets int64
}

// flowScan is the distinct ports an interface reached on one remote in
// the current window.
type flowScan struct {
	win   flowWin
	ports flowSet[uint16]
}

func flowScanLocal(ctx *detect.Context) *flowScanState {
	if s, ok := ctx.Local.(*flowScanState); ok {
		return s
	}
	s := &flowScanState{
		pairs:      detect.NewLRUFor[flowPairKey, flowScan](ctx, 1),
		window:     flowParamDur(ctx, "window"),
		minPorts:   ctx.Params.Int("min_ports"),
		maxPackets: int64(ctx.Params.Int("max_probe_packets")),
	}
	ctx.Local = s
	return s
}

func flowDetectScan(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	s := flowScanLocal(ctx)
	if f == nil || f.Packets > s.maxPackets || (f.Protocol != flowTCP && f.Protocol != flowUDP) || f.FunctionName != "" ||
		flowAnswersSYN(f) || !flowOutbound(f) {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok || v.Direction != Outbound || v.reply || v.RemotePort <= 0 || v.RemotePort > 0xffff {
		return nil
	}
	p, created := s.pairs.Upsert(flowPairKey{v.iface, v.Remote})
	if p.win.roll(v.t, s.window, created) {
		p.ports.reset()
	}
	if !p.ports.add(uint16(v.RemotePort)) || p.ports.count() < s.minPorts || !p.win.fire() {
		return nil
	}
	o := OwnerOf(ctx, f)
	if o.IsLambda() {
		return nil
	}
	return []finding.Finding{flowScanFinding(ev, o, v, p.ports.count(), s.window)}
}

func flowScanFinding(ev *event.Event, o Owner, v flowView, n int, window int64) finding.Finding {
	f := flowConnFinding(ev, o, v, flowTypePortscan, finding.RoleActor)
	f.AggregationKey = o.Key() + "|" + v.Remote.String()
	f.Title = flowKind(o) + " is performing outbound port scans against remote host " + v.Remote.String() + "."
	f.Description = flowKind(o) + " connected to " + strconv.Itoa(n) + " distinct ports of " + v.Remote.String() +
		" within " + flowDur(window) + " (latest port " + flowPort(v.RemotePort) + "), as a port scanner does."
	return f
}
