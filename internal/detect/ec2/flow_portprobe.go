package ec2

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Port-probe finding types.
const (
	flowTypeProbe    = "Recon:EC2/PortProbeUnprotectedPort"
	flowTypeProbeEMR = "Recon:EC2/PortProbeEMRUnprotectedPort"
)

// flowEMRRoleTag is the tag EMR puts on its cluster nodes.
const flowEMRRoleTag = "aws:elasticmapreduce:instance-group-role"

// flowMaxProbers bounds the probers listed in portProbeDetails.
const flowMaxProbers = 10

// flowEMRPort reports whether p is a port of an EMR web UI or service
// that must not be reachable from the internet.
func flowEMRPort(p int) bool {
	switch p {
	case 8088, 8042, 8890, 18080, 20888, 50070, 16010, 9443:
		return true
	}
	return false
}

func init() {
	const common = "An ACCEPTed inbound TCP/UDP flow (not the answer to a connection the instance opened) to a local port " +
		"from a public address on any threat list (any family); or, without a listed address, at least min_probers distinct " +
		"public addresses each sending a flow of at most max_probe_packets packets to that port within window, while no " +
		"unlisted flow to the port in that window carried more (a port serving real traffic is not probed). "
	detect.Register(&detect.Detector{
		Name:  "ec2.port_probe",
		Kinds: flows,
		Types: []detect.Definition{{
			Type: flowTypeProbe, Severity: finding.SeverityLow, Tactic: "Reconnaissance", DataSource: flowSource,
			Logic: common + "Severity High (8) when the port is 9200 or 9300 (Elasticsearch). Reported at most once per window " +
				"per instance and port; EMR nodes' EMR ports make PortProbeEMRUnprotectedPort instead; Lambda interfaces never match.",
			Key:         "instance (else ENI) + local port",
			Title:       "An unprotected port on an EC2 instance is being probed.",
			Description: "A port of an EC2 instance that security groups and network ACLs leave open is being probed from the internet.",
		}, {
			Type: flowTypeProbeEMR, Severity: finding.SeverityHigh, Tactic: "Reconnaissance", DataSource: flowSource,
			Logic: common + "The instance carries the tag " + flowEMRRoleTag + " (inventory) and the port is an EMR port " +
				"(8088, 8042, 8890, 18080, 20888, 50070, 16010, 9443). Reported at most once per window per instance and port.",
			Key:         "instance (else ENI) + local port",
			Title:       "An unprotected EMR port on an EC2 instance is being probed.",
			Description: "An EMR cluster node leaves a sensitive EMR port open to the internet, and it is being probed.",
		}},
		Params: []detect.Param{
			{Name: "window", Default: "1h", Doc: "window in which probers are counted and a port reports once"},
			{Name: "min_probers", Default: "3", Doc: "distinct unlisted public probers that make a finding"},
			{Name: "max_probe_packets", Default: "3", Doc: "packets a flow may carry and still count as a probe"},
		},
		Sample: flowSampleProbe,
		Detect: flowDetectProbe,
	})
}

// flowProbeState is the port-probe detector's working state.
type flowProbeState struct {
	ports      *detect.LRU[flowPortKey, flowProbe]
	window     int64
	minProbers int
	maxPackets int64
}

// flowProbe is one local port's window: its distinct probers (the first
// flowMaxProbers kept for the finding) and whether it serves traffic.
type flowProbe struct {
	win     flowWin
	probers flowSet[uint64]
	first   [flowMaxProbers]netip.Addr
	nfirst  uint8
	serving bool
}

func flowProbeLocal(ctx *detect.Context) *flowProbeState {
	if s, ok := ctx.Local.(*flowProbeState); ok {
		return s
	}
	s := &flowProbeState{
		ports:      detect.NewLRUFor[flowPortKey, flowProbe](ctx, 1),
		window:     flowParamDur(ctx, "window"),
		minProbers: ctx.Params.Int("min_probers"),
		maxPackets: int64(ctx.Params.Int("max_probe_packets")),
	}
	ctx.Local = s
	return s
}

func flowDetectProbe(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || f.Action != "ACCEPT" || (f.Protocol != flowTCP && f.Protocol != flowUDP) || f.FunctionName != "" ||
		!intel.IsPublic(f.SrcAddr) || flowAnswersSYN(f) {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok || v.Direction != Inbound || v.reply || v.LocalPort <= 0 || v.LocalPort > 0xffff || !intel.IsPublic(v.Remote) {
		return nil
	}
	s := flowProbeLocal(ctx)
	ms := ctx.Intel.ThreatIP(v.Remote)
	p, created := s.ports.Upsert(flowPortKey{v.iface, uint16(v.LocalPort)})
	if p.win.roll(v.t, s.window, created) {
		p.probers.reset()
		p.nfirst, p.serving = 0, false
	}
	if len(ms) == 0 && f.Packets > s.maxPackets {
		p.serving = true
		return nil
	}
	if p.probers.add(flowAddrID(v.Remote)) && int(p.nfirst) < flowMaxProbers {
		p.first[p.nfirst] = v.Remote
		p.nfirst++
	}
	if len(ms) == 0 && (p.serving || p.probers.count() < s.minProbers) || !p.win.fire() {
		return nil
	}
	o := OwnerOf(ctx, f)
	if o.IsLambda() {
		return nil
	}
	return []finding.Finding{flowProbeFinding(ev, o, v, p.first[:p.nfirst], p.probers.count(), s.window, ms)}
}

// flowProbeFinding reports a probed port: the latest prober first, then the
// others of the window (at most flowMaxProbers in all).
func flowProbeFinding(ev *event.Event, o Owner, v flowView, probers []netip.Addr, n int, window int64, ms []intel.Match) finding.Finding {
	port := v.LocalPort
	typ, sev := flowTypeProbe, 0.0
	if _, emr := o.iface.Tags[flowEMRRoleTag]; emr && flowEMRPort(port) {
		typ = flowTypeProbeEMR
	} else if port == 9200 || port == 9300 {
		sev = finding.SeverityHigh
	}
	details := []finding.PortProbeDetail{PortProbeDetail(v.Ends)}
	for _, a := range probers {
		if a != v.Remote && len(details) < flowMaxProbers {
			details = append(details, PortProbeDetail(Ends{Local: v.Local, LocalPort: port, Remote: a}))
		}
	}
	f := finding.Finding{
		Type:           typ,
		Severity:       sev,
		AggregationKey: o.Key() + "|" + strconv.Itoa(port),
		Resource:       o.Resource(ev, v.Local),
		Service: finding.Service{
			Action: &finding.Action{ActionType: finding.ActionPortProbe, PortProbeAction: &finding.PortProbeAction{
				PortProbeDetails: details,
			}},
			ResourceRole: finding.RoleTarget,
		},
	}
	what := "Unprotected port "
	if typ == flowTypeProbeEMR {
		what = "Unprotected EMR port "
	}
	f.Title = what + flowPort(port) + " on " + flowKind(o) + " is being probed."
	if len(ms) > 0 {
		f.Description = flowKind(o) + " accepts inbound traffic on port " + flowPort(port) + ", which is being probed by " +
			v.Remote.String() + ", an address on threat list " + ms[0].ListName + "."
		detect.WithThreatIntel(&f, ms, nil)
		return f
	}
	f.Description = flowKind(o) + " accepts inbound traffic on port " + flowPort(port) + ", which " + strconv.Itoa(n) +
		" public addresses probed with small flows within " + flowDur(window) + " (latest " + v.Remote.String() + ")."
	return f
}

func flowSampleProbe(typ string) finding.Finding {
	port := 22
	ev, v, o := flowSample(Inbound, flowTCP, port, 47812, false)
	if typ == flowTypeProbeEMR {
		port = 8088
		ev, v, o = flowSample(Inbound, flowTCP, port, 47812, false)
		o.iface.Tags = map[string]string{flowEMRRoleTag: "CORE", "aws:elasticmapreduce:job-flow-id": "j-2AXXXXXXGAPLF"}
	}
	ms := []intel.Match{{ListName: "SampleThreatList", ThreatName: "Scanner", Family: intel.FamilyMalicious}}
	f := flowProbeFinding(ev, o, v, nil, 1, 3600e9, ms)
	f.Type = typ
	return f
}
