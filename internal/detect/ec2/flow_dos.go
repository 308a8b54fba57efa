package ec2

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Denial-of-service finding types, indexed by flowDoSKind.
var flowDoSTypes = [...]string{
	flowDoSTCP:      "Backdoor:EC2/DenialOfService.Tcp",
	flowDoSUDP:      "Backdoor:EC2/DenialOfService.Udp",
	flowDoSUDPOnTCP: "Backdoor:EC2/DenialOfService.UdpOnTcpPorts",
	flowDoSUnusual:  "Backdoor:EC2/DenialOfService.UnusualProtocol",
	flowDoSDNS:      "Backdoor:EC2/DenialOfService.Dns",
}

// Kinds of flood.
const (
	flowDoSTCP = iota
	flowDoSUDP
	flowDoSUDPOnTCP
	flowDoSUnusual
	flowDoSDNS
	flowDoSNone
)

// flowDoSWhat names each kind of flood in titles.
var flowDoSWhat = [...]string{
	flowDoSTCP: "TCP", flowDoSUDP: "UDP", flowDoSUDPOnTCP: "UDP on a TCP port", flowDoSUnusual: "an unusual protocol", flowDoSDNS: "DNS",
}

// flowTCPServicePort reports whether p is a port normally served over
// TCP only, where UDP traffic is a flood rather than a service.
func flowTCPServicePort(p int) bool {
	switch p {
	case 21, 22, 23, 25, 80, 110, 143, 443, 445, 587, 993, 995, 1433, 3306, 3389, 5432, 8080, 8443:
		return true
	}
	return false
}

func init() {
	const tail = " Counts outbound records opened by the instance (not answers to inbound connections) to one public remote " +
		"address; a record longer than window counts pro rata. Windows are tumbling per instance; within one, the 8 " +
		"heaviest remote addresses are counted with a space-saving table whose lower bound is used (exact up to 8 remotes). " +
		"Reported at most once per window per instance, remote and type; Lambda interfaces never match."
	def := func(kind int, what, tcpNote string) detect.Definition {
		return detect.Definition{
			Type: flowDoSTypes[kind], Severity: finding.SeverityHigh, Tactic: "Impact", DataSource: flowSource,
			Logic: "At least min_packets packets " + what + " sent by the instance to one public remote address within window." + tcpNote + tail,
			Key:   "instance (else ENI) + remote address",
			Title: "An EC2 instance is behaving as if used for a denial-of-service attack over " + flowDoSWhat[kind] + ".",
			Description: "An EC2 instance is sending a flood of " + flowDoSWhat[kind] +
				" packets to one remote host; it may be compromised and used in a denial-of-service attack.",
		}
	}
	const small = " TCP records count only when their mean packet size (bytes/packets) is at most max_tcp_packet_bytes, " +
		"so that bulk transfers (uploads) are not floods."
	detect.Register(&detect.Detector{
		Name:  "ec2.denial_of_service",
		Kinds: flows,
		Types: []detect.Definition{
			def(flowDoSTCP, "over TCP to a remote port other than 53", small),
			def(flowDoSUDP, "over UDP to a remote port other than 53 and the TCP service ports", ""),
			def(flowDoSUDPOnTCP, "over UDP to a port normally served over TCP (21, 22, 23, 25, 80, 110, 143, 443, 445, 587, 993, 995, 1433, 3306, 3389, 5432, 8080, 8443)", ""),
			def(flowDoSUnusual, "of an IP protocol other than TCP, UDP, ICMP and ICMPv6", ""),
			def(flowDoSDNS, "over UDP or TCP to remote port 53", small),
		},
		Params: []detect.Param{
			{Name: "window", Default: "1m", Doc: "window in which packets are summed"},
			{Name: "min_packets", Default: "100000", Doc: "packets to one remote that make a flood"},
			{Name: "max_tcp_packet_bytes", Default: "256", Doc: "mean packet size above which a TCP record is bulk transfer, not flood"},
		},
		Sample: func(typ string) finding.Finding {
			proto, port := flowTCP, 80
			switch typ {
			case flowDoSTypes[flowDoSUDP]:
				proto, port = flowUDP, 27015
			case flowDoSTypes[flowDoSUDPOnTCP]:
				proto, port = flowUDP, 443
			case flowDoSTypes[flowDoSUnusual]:
				proto, port = 47, 0
			case flowDoSTypes[flowDoSDNS]:
				proto, port = flowUDP, 53
			}
			ev, v, o := flowSample(Outbound, proto, 40123, port, false)
			return flowDoSFinding(ev, o, v, flowDoSKindOf(ev.Flow, &v), 150000, 60e9)
		},
		Detect: flowDetectDoS,
	})
}

// flowDoSState is the denial-of-service detector's working state: per
// interface, the packets of its heaviest targets in the current window.
type flowDoSState struct {
	ifaces     *detect.LRU[string, flowDoS]
	window     int64
	minPackets float64
	maxTCPSize int64
}

// flowDoSTarget is a remote address and the kind of flood it receives.
type flowDoSTarget struct {
	remote netip.Addr
	kind   uint8
}

type flowDoS struct {
	win flowWin
	top flowTop[flowDoSTarget]
}

func flowDoSLocal(ctx *detect.Context) *flowDoSState {
	if s, ok := ctx.Local.(*flowDoSState); ok {
		return s
	}
	s := &flowDoSState{
		ifaces:     detect.NewLRUFor[string, flowDoS](ctx, 1),
		window:     flowParamDur(ctx, "window"),
		minPackets: ctx.Params.Num("min_packets"),
		maxTCPSize: int64(ctx.Params.Int("max_tcp_packet_bytes")),
	}
	ctx.Local = s
	return s
}

// flowDoSKindOf classifies a record by the flood it would be part of.
func flowDoSKindOf(f *event.Flow, v *flowView) int {
	switch f.Protocol {
	case flowTCP:
		if v.RemotePort == 53 {
			return flowDoSDNS
		}
		return flowDoSTCP
	case flowUDP:
		switch {
		case v.RemotePort == 53:
			return flowDoSDNS
		case flowTCPServicePort(v.RemotePort):
			return flowDoSUDPOnTCP
		}
		return flowDoSUDP
	case flowICMP, flowICMPv6:
		return flowDoSNone
	}
	if f.Protocol <= 0 {
		return flowDoSNone
	}
	return flowDoSUnusual
}

func flowDetectDoS(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || f.Packets <= 0 || f.FunctionName != "" || f.Protocol <= 0 || f.Protocol == flowICMP ||
		f.Protocol == flowICMPv6 || !intel.IsPublic(f.DstAddr) || flowAnswersSYN(f) {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok || v.Direction != Outbound || v.reply || !intel.IsPublic(v.Remote) {
		return nil
	}
	kind := flowDoSKindOf(f, &v)
	if kind == flowDoSNone {
		return nil
	}
	s := flowDoSLocal(ctx)
	if f.Protocol == flowTCP && f.Bytes > s.maxTCPSize*f.Packets {
		return nil
	}
	packets := float64(f.Packets)
	if d := f.End.Sub(f.Start).Nanoseconds(); d > s.window && !f.Start.IsZero() {
		packets *= float64(s.window) / float64(d)
	}
	p, created := s.ifaces.Upsert(v.iface)
	if p.win.roll(v.t, s.window, created) {
		p.top.reset()
	}
	h := p.top.add(flowDoSTarget{v.Remote, uint8(kind)}, packets)
	if h.fired || h.low() < s.minPackets {
		return nil
	}
	h.fired = true
	o := OwnerOf(ctx, f)
	if o.IsLambda() {
		return nil
	}
	return []finding.Finding{flowDoSFinding(ev, o, v, kind, int64(h.low()), s.window)}
}

func flowDoSFinding(ev *event.Event, o Owner, v flowView, kind int, packets, window int64) finding.Finding {
	f := flowConnFinding(ev, o, v, flowDoSTypes[kind], finding.RoleActor)
	f.AggregationKey = o.Key() + "|" + v.Remote.String()
	what := flowDoSWhat[kind]
	if kind == flowDoSUnusual {
		what = "IP protocol " + ProtocolName(ev.Flow.Protocol)
	}
	f.Title = flowKind(o) + " is flooding " + v.Remote.String() + " over " + what + ", as in a denial-of-service attack."
	f.Description = flowKind(o) + " sent about " + strconv.FormatInt(packets, 10) + " packets over " + what + " to " +
		v.Remote.String() + " within " + flowDur(window) + "; it may be compromised and used in a denial-of-service attack."
	return f
}
