package ec2

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Threat-list rules of flows, indexes into the tables below.
const (
	flowTICustom = iota
	flowTIC2
	flowTIBitcoin
	flowTIBlackhole
	flowTIDropPoint
	flowTITorClient
	flowTITorRelay
	flowTITorCaller
	flowTINum
)

// flowTIEC2 and flowTILambda are the finding types of each rule for an
// instance and a Lambda function ("" when the rule has no such type).
var (
	flowTIEC2 = [flowTINum]string{
		flowTICustom:    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
		flowTIC2:        "Backdoor:EC2/C&CActivity.B",
		flowTIBitcoin:   "CryptoCurrency:EC2/BitcoinTool.B",
		flowTIBlackhole: "Trojan:EC2/BlackholeTraffic",
		flowTIDropPoint: "Trojan:EC2/DropPoint",
		flowTITorClient: "UnauthorizedAccess:EC2/TorClient",
		flowTITorRelay:  "UnauthorizedAccess:EC2/TorRelay",
		flowTITorCaller: "UnauthorizedAccess:EC2/TorIPCaller",
	}
	flowTILambda = [flowTINum]string{
		flowTICustom:    "UnauthorizedAccess:Lambda/MaliciousIPCaller.Custom",
		flowTIC2:        "Backdoor:Lambda/C&CActivity.B",
		flowTIBitcoin:   "CryptoCurrency:Lambda/BitcoinTool.B",
		flowTIBlackhole: "Trojan:Lambda/BlackholeTraffic",
		flowTIDropPoint: "Trojan:Lambda/DropPoint",
		flowTITorClient: "UnauthorizedAccess:Lambda/TorClient",
		flowTITorRelay:  "UnauthorizedAccess:Lambda/TorRelay",
	}
	flowTIFamily = [flowTINum]intel.Family{
		flowTICustom: intel.FamilyCustom, flowTIC2: intel.FamilyC2, flowTIBitcoin: intel.FamilyBitcoin,
		flowTIBlackhole: intel.FamilyBlackhole, flowTIDropPoint: intel.FamilyDropPoint,
		flowTITorClient: intel.FamilyTor, flowTITorRelay: intel.FamilyTor, flowTITorCaller: intel.FamilyTor,
	}
	// flowTIWhat describes a listed address in titles.
	flowTIWhat = [flowTINum]string{
		flowTICustom:    "an address on a custom threat list",
		flowTIC2:        "a known command-and-control server",
		flowTIBitcoin:   "an address associated with cryptocurrency mining",
		flowTIBlackhole: "a known black hole",
		flowTIDropPoint: "a known drop point for stolen data",
		flowTITorClient: "a Tor node",
		flowTITorRelay:  "a Tor node",
		flowTITorCaller: "a Tor exit node",
	}
)

func init() {
	type rule struct {
		sev           float64
		tactic, logic string
	}
	const once = " Answers to connections opened by the other side do not count; trusted-list addresses never match. " +
		"Reported at most once per window per interface, remote and type."
	rules := [flowTINum]rule{
		flowTICustom: {finding.SeverityMedium, "Initial Access", "A flow between the interface and a remote address on a list of " +
			"family custom (a ThreatIntelSet): outbound (ACCEPTed or REJECTed; ACTOR) or inbound ACCEPTed (TARGET)." + once},
		flowTIC2: {finding.SeverityHigh, "Command and Control", "An outbound flow (ACCEPTed or REJECTed) to a remote address " +
			"on a list of family c2." + once},
		flowTIBitcoin: {finding.SeverityHigh, "Impact", "An outbound flow (ACCEPTed or REJECTed) to a remote address on a " +
			"list of family bitcoin (mining pools)." + once},
		flowTIBlackhole: {finding.SeverityMedium, "Command and Control", "An outbound flow (ACCEPTed or REJECTed) to a remote " +
			"address on a list of family blackhole." + once},
		flowTIDropPoint: {finding.SeverityMedium, "Exfiltration", "An outbound flow (ACCEPTed or REJECTed) to a remote address " +
			"on a list of family drop_point." + once},
		flowTITorClient: {finding.SeverityHigh, "Command and Control", "An outbound flow (ACCEPTed or REJECTed) to a remote " +
			"address on a list of family tor." + once},
		flowTITorRelay: {finding.SeverityHigh, "Command and Control", "Inbound ACCEPTed flows (not answers) from at least " +
			"min_tor_peers distinct addresses on lists of family tor to one local port within window: the interface serves " +
			"Tor. Reported at most once per window per interface and port."},
		flowTITorCaller: {finding.SeverityMedium, "Initial Access", "An inbound ACCEPTed flow from a remote address on a list " +
			"of family tor (Tor exit nodes)." + once},
	}
	var defs []detect.Definition
	for i, r := range rules {
		for _, lambda := range []bool{false, true} {
			typ, src, res := flowTIEC2[i], flowSource, "An EC2 instance"
			if lambda {
				typ, src, res = flowTILambda[i], lambdaSource, "A Lambda function"
			}
			if typ == "" {
				continue
			}
			title := res + " is communicating with " + flowTIWhat[i] + "."
			if i == flowTITorRelay {
				title = res + " is acting as a Tor relay."
			}
			defs = append(defs, detect.Definition{
				Type: typ, Severity: r.sev, Tactic: r.tactic, DataSource: src, Logic: r.logic,
				Key:   "instance (else function, else ENI) + remote address (TorRelay: + local port)",
				Title: title,
				Description: res + " exchanged traffic with " + flowTIWhat[i] +
					"; the resource may be compromised or used against policy.",
			})
		}
	}
	detect.Register(&detect.Detector{
		Name:  "ec2.flow_threat_intel",
		Kinds: flows,
		Types: defs,
		Params: []detect.Param{
			{Name: "window", Default: "1h", Doc: "least time between two reports of one key; TorRelay's counting window"},
			{Name: "min_tor_peers", Default: "3", Doc: "distinct Tor nodes connecting to one local port that make a relay"},
		},
		Sample: flowSampleTI,
		Detect: flowDetectTI,
	})
}

// flowTIState is the threat-list detector's working state: when each
// interface, remote and rule last reported, and the Tor peers of each
// local port.
type flowTIState struct {
	last        *detect.LRU[flowTIKey, int64]
	relays      *detect.LRU[flowPortKey, flowRelay]
	window      int64
	minTorPeers int
}

type flowTIKey struct {
	iface  string
	remote netip.Addr
	rule   uint8
}

type flowRelay struct {
	win   flowWin
	peers flowSet[uint64]
}

func flowTILocal(ctx *detect.Context) *flowTIState {
	if s, ok := ctx.Local.(*flowTIState); ok {
		return s
	}
	s := &flowTIState{
		last:        detect.NewLRUFor[flowTIKey, int64](ctx, 1),
		relays:      detect.NewLRUFor[flowPortKey, flowRelay](ctx, 1),
		window:      flowParamDur(ctx, "window"),
		minTorPeers: ctx.Params.Int("min_tor_peers"),
	}
	ctx.Local = s
	return s
}

// due reports whether key may report at t, and records that it does.
func (s *flowTIState) due(k flowTIKey, t int64) bool {
	last, created := s.last.Upsert(k)
	if !created && t-*last < s.window {
		return false
	}
	*last = t
	return true
}

// flowTIApplies reports whether rule i looks at a record of this
// direction and action.
func flowTIApplies(i int, outbound, accepted bool) bool {
	switch i {
	case flowTICustom:
		return outbound || accepted
	case flowTITorCaller:
		return !outbound && accepted
	case flowTITorRelay:
		return false // counted apart
	}
	return outbound
}

func flowDetectTI(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || len(ctx.Intel.ThreatIP(f.SrcAddr)) == 0 && len(ctx.Intel.ThreatIP(f.DstAddr)) == 0 {
		return nil // the common case: neither end is listed
	}
	v, ok := flowViewOf(ev)
	if !ok || v.reply {
		return nil
	}
	ms := ctx.Intel.ThreatIP(v.Remote)
	if len(ms) == 0 {
		return nil
	}
	s := flowTILocal(ctx)
	outbound, accepted := v.Direction == Outbound, f.Action == "ACCEPT"
	o := OwnerOf(ctx, f)
	var out []finding.Finding
	for i := range flowTINum {
		typ := flowTIType(i, o)
		if typ == "" || !flowTIApplies(i, outbound, accepted) {
			continue
		}
		fm := detect.OfFamily(ms, flowTIFamily[i])
		if len(fm) == 0 || !s.due(flowTIKey{v.iface, v.Remote, uint8(i)}, v.t) {
			continue
		}
		out = append(out, flowTIFinding(ev, o, v, i, fm))
	}
	if !outbound && accepted && v.LocalPort > 0 && v.LocalPort <= 0xffff {
		if fm := detect.OfFamily(ms, intel.FamilyTor); len(fm) > 0 {
			p, created := s.relays.Upsert(flowPortKey{v.iface, uint16(v.LocalPort)})
			if p.win.roll(v.t, s.window, created) {
				p.peers.reset()
			}
			if p.peers.add(flowAddrID(v.Remote)) && p.peers.count() >= s.minTorPeers && p.win.fire() {
				out = append(out, flowRelayFinding(ev, o, v, p.peers.count(), s.window, fm))
			}
		}
	}
	return out
}

// flowTIType is rule i's finding type for the owner, "" if none.
func flowTIType(i int, o Owner) string {
	if o.IsLambda() {
		return flowTILambda[i]
	}
	return flowTIEC2[i]
}

func flowTIFinding(ev *event.Event, o Owner, v flowView, i int, ms []intel.Match) finding.Finding {
	role := finding.RoleActor
	if v.Direction == Inbound {
		role = finding.RoleTarget
	}
	f := flowConnFinding(ev, o, v, flowTIType(i, o), role)
	f.AggregationKey = o.Key() + "|" + v.Remote.String()
	what := flowTIWhat[i]
	if i == flowTICustom {
		what = "an address on custom threat list " + ms[0].ListName
	}
	if v.Direction == Inbound {
		f.Title = flowKind(o) + " accepted a connection from " + v.Remote.String() + ", " + what + "."
		f.Description = flowKind(o) + " accepted a connection on port " + flowPort(v.LocalPort) + " from " +
			v.Remote.String() + ", " + what + " (list " + ms[0].ListName + ")."
	} else {
		f.Title = flowKind(o) + " is communicating with " + v.Remote.String() + ", " + what + "."
		f.Description = flowKind(o) + " connected to port " + flowPort(v.RemotePort) + " of " + v.Remote.String() +
			", " + what + " (list " + ms[0].ListName + ")."
		if ev.Flow.Action == "REJECT" {
			f.Description += " The connection was blocked."
		}
	}
	detect.WithThreatIntel(&f, ms, nil)
	return f
}

func flowRelayFinding(ev *event.Event, o Owner, v flowView, n int, window int64, ms []intel.Match) finding.Finding {
	f := flowConnFinding(ev, o, v, flowTIType(flowTITorRelay, o), finding.RoleActor)
	f.AggregationKey = o.Key() + "|" + strconv.Itoa(v.LocalPort)
	f.Title = flowKind(o) + " is acting as a Tor relay on port " + flowPort(v.LocalPort) + "."
	f.Description = flowKind(o) + " accepted connections on port " + flowPort(v.LocalPort) + " from " + strconv.Itoa(n) +
		" distinct Tor nodes within " + flowDur(window) + " (latest " + v.Remote.String() + "), as a Tor relay does."
	detect.WithThreatIntel(&f, ms, nil)
	return f
}

func flowSampleTI(typ string) finding.Finding {
	for i := range flowTINum {
		for _, lambda := range []bool{false, true} {
			if (lambda && flowTILambda[i] != typ) || (!lambda && flowTIEC2[i] != typ) {
				continue
			}
			dir, localPort, remotePort := Outbound, 43210, 443
			if i == flowTITorCaller || i == flowTITorRelay {
				dir, localPort, remotePort = Inbound, 9001, 43210
			}
			ev, v, o := flowSample(dir, flowTCP, localPort, remotePort, lambda)
			ms := []intel.Match{{ListName: "SampleThreatList", ThreatName: "Sample", Family: flowTIFamily[i]}}
			if i == flowTITorRelay {
				return flowRelayFinding(ev, o, v, 3, 3600e9, ms)
			}
			return flowTIFinding(ev, o, v, i, ms)
		}
	}
	return finding.Finding{}
}
