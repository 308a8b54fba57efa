package ec2

import (
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Brute-force finding types.
const (
	flowTypeSSHBrute = "UnauthorizedAccess:EC2/SSHBruteForce"
	flowTypeRDPBrute = "UnauthorizedAccess:EC2/RDPBruteForce"
)

func init() {
	logic := func(port string) string {
		return "At least min_attempts TCP flows of at most max_bytes bytes each between one remote address and port " + port +
			" within window: inbound ACCEPTed flows to local port " + port + " (the instance is the TARGET, Low) or outbound " +
			"flows to remote port " + port + ", ACCEPTed or REJECTed (the instance is the ACTOR, High 8). Answers to connections " +
			"opened by the other side do not count. Reported at most once per window per instance, remote and direction; " +
			"Lambda interfaces never match."
	}
	detect.Register(&detect.Detector{
		Name:  "ec2.brute_force",
		Kinds: flows,
		Types: []detect.Definition{{
			Type: flowTypeSSHBrute, Severity: finding.SeverityLow, Tactic: "Credential Access", DataSource: flowSource,
			Logic: logic("22"), Key: "instance (else ENI) + remote address + direction",
			Title:       "An EC2 instance is involved in SSH brute force attacks.",
			Description: "Many short SSH connections between an EC2 instance and one remote host suggest password guessing.",
		}, {
			Type: flowTypeRDPBrute, Severity: finding.SeverityLow, Tactic: "Credential Access", DataSource: flowSource,
			Logic: logic("3389"), Key: "instance (else ENI) + remote address + direction",
			Title:       "An EC2 instance is involved in RDP brute force attacks.",
			Description: "Many short RDP connections between an EC2 instance and one remote host suggest password guessing.",
		}},
		Params: []detect.Param{
			{Name: "window", Default: "10m", Doc: "window in which attempts are counted"},
			{Name: "min_attempts", Default: "20", Doc: "short connections that make a brute force"},
			{Name: "max_bytes", Default: "10000", Doc: "bytes a flow may carry and still count as an attempt"},
		},
		Sample: func(typ string) finding.Finding {
			port := 22
			if typ == flowTypeRDPBrute {
				port = 3389
			}
			ev, v, o := flowSample(Inbound, flowTCP, port, 51234, false)
			return flowBruteFinding(ev, o, v, port, 20, 600e9)
		},
		Detect: flowDetectBrute,
	})
}

// flowBruteState is the brute-force detector's working state.
type flowBruteState struct {
	attempts    *detect.LRU[flowBruteKey, flowBrute]
	window      int64
	minAttempts uint32
	maxBytes    int64
}

// flowBruteKey is an interface, a remote, the service port and the
// direction of the attempts.
type flowBruteKey struct {
	iface    string
	remote   netip.Addr
	port     uint16
	outbound bool
}

type flowBrute struct {
	win flowWin
	n   uint32
}

func flowBruteLocal(ctx *detect.Context) *flowBruteState {
	if s, ok := ctx.Local.(*flowBruteState); ok {
		return s
	}
	s := &flowBruteState{
		attempts:    detect.NewLRUFor[flowBruteKey, flowBrute](ctx, 1),
		window:      flowParamDur(ctx, "window"),
		minAttempts: uint32(ctx.Params.Int("min_attempts")),
		maxBytes:    int64(ctx.Params.Int("max_bytes")),
	}
	ctx.Local = s
	return s
}

// flowBrutePort returns the attacked service port of a flow, 0 if none.
func flowBrutePort(f *event.Flow, v *flowView) int {
	switch {
	case v.reply || f.Protocol != flowTCP:
		return 0
	case v.Direction == Inbound && (v.LocalPort == 22 || v.LocalPort == 3389) && f.Action == "ACCEPT":
		return v.LocalPort
	case v.Direction == Outbound && (v.RemotePort == 22 || v.RemotePort == 3389):
		return v.RemotePort
	}
	return 0
}

func flowDetectBrute(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || f.Protocol != flowTCP || f.FunctionName != "" ||
		(f.SrcPort != 22 && f.DstPort != 22 && f.SrcPort != 3389 && f.DstPort != 3389) {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok {
		return nil
	}
	port := flowBrutePort(ev.Flow, &v)
	if port == 0 {
		return nil
	}
	s := flowBruteLocal(ctx)
	if ev.Flow.Bytes > s.maxBytes {
		return nil
	}
	b, created := s.attempts.Upsert(flowBruteKey{v.iface, v.Remote, uint16(port), v.Direction == Outbound})
	if b.win.roll(v.t, s.window, created) {
		b.n = 0
	}
	b.n++
	if b.n < s.minAttempts || !b.win.fire() {
		return nil
	}
	o := OwnerOf(ctx, ev.Flow)
	if o.IsLambda() {
		return nil
	}
	return []finding.Finding{flowBruteFinding(ev, o, v, port, int(b.n), s.window)}
}

func flowBruteFinding(ev *event.Event, o Owner, v flowView, port, n int, window int64) finding.Finding {
	typ, proto := flowTypeSSHBrute, "SSH"
	if port == 3389 {
		typ, proto = flowTypeRDPBrute, "RDP"
	}
	role := finding.RoleTarget
	if v.Direction == Outbound {
		role = finding.RoleActor
	}
	f := flowConnFinding(ev, o, v, typ, role)
	f.AggregationKey = o.Key() + "|" + v.Remote.String() + "|" + v.Direction
	attempts := strconv.Itoa(n) + " short " + proto + " connections"
	if v.Direction == Outbound {
		f.Severity = finding.SeverityHigh
		f.Title = flowKind(o) + " is performing " + proto + " brute force attacks against " + v.Remote.String() + "."
		f.Description = flowKind(o) + " opened " + attempts + " to " + v.Remote.String() + " within " + flowDur(window) +
			"; the instance may be compromised and used to guess passwords."
		return f
	}
	f.Title = v.Remote.String() + " is performing " + proto + " brute force attacks against " + flowKind(o) + "."
	f.Description = v.Remote.String() + " opened " + attempts + " to " + flowKind(o) + " within " + flowDur(window) +
		", as a password-guessing attack does."
	return f
}
