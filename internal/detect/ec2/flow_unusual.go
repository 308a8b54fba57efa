package ec2

import (
	"math"
	"net/netip"
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Behaviour finding types.
const (
	flowTypePortUnusual   = "Behavior:EC2/NetworkPortUnusual"
	flowTypeVolumeUnusual = "Behavior:EC2/TrafficVolumeUnusual"
)

const (
	// flowMaxLearnedPorts caps max_ports_per_instance.
	flowMaxLearnedPorts = 128
)

func init() {
	const learning = "Baseline per interface: it learns for the duration learning (event time) from its first outbound " +
		"record, and until it has sent at least min_baseline_flows outbound records. "
	detect.Register(&detect.Detector{
		Name:  "ec2.unusual_traffic",
		Kinds: flows,
		Types: []detect.Definition{{
			Type: flowTypePortUnusual, Severity: finding.SeverityMedium, Tactic: "Command and Control", DataSource: flowSource,
			Logic: learning + "While learning, the remote ports of outbound ACCEPTed TCP/UDP connections the instance opens are " +
				"remembered (up to max_ports_per_instance, at most 128; an instance that used more is too diverse and never " +
				"reports). After learning, such a connection to a remote port not remembered and not 80, 443, 53 or 123 is " +
				"reported, at most once per window per instance and port. Lambda interfaces never match.",
			Key:         "instance (else ENI) + remote port",
			Title:       "An EC2 instance is communicating on an unusual remote port.",
			Description: "An EC2 instance connected to a remote host on a port it did not use while its baseline was learned.",
		}, {
			Type: flowTypeVolumeUnusual, Severity: finding.SeverityMedium, Tactic: "Exfiltration", DataSource: flowSource,
			Logic: learning + "Outbound bytes are summed in tumbling windows of length window, per instance and per remote " +
				"address (the 8 heaviest remotes per window, space-saving counts used as lower bounds). The baseline is an " +
				"exponential moving average of the instance's total outbound bytes per closed window (weight ema_weight for " +
				"the newest window, empty windows count as zero). After learning, bytes to one remote within a window of at " +
				"least min_bytes and at least factor times the baseline are reported, once per window per instance and remote. " +
				"Lambda interfaces never match.",
			Key:         "instance (else ENI) + remote address",
			Title:       "An EC2 instance is sending an unusually large amount of data to a remote host.",
			Description: "An EC2 instance sent far more data to one remote host than its usual outbound volume.",
		}},
		Params: []detect.Param{
			{Name: "learning", Default: "24h", Doc: "event time an instance is learned before it can report"},
			{Name: "min_baseline_flows", Default: "100", Doc: "outbound records an instance must have before it can report"},
			{Name: "max_ports_per_instance", Default: "64", Doc: "remote ports remembered per instance while learning (at most 128)"},
			{Name: "window", Default: "1h", Doc: "volume window; also the least time between reports of one port"},
			{Name: "min_bytes", Default: "1073741824", Doc: "bytes to one remote within a window below which nothing is unusual"},
			{Name: "factor", Default: "10", Doc: "how many times the baseline bytes to one remote must reach"},
			{Name: "ema_weight", Default: "0.1", Doc: "weight of the newest closed window in the moving average (0-1)"},
		},
		Sample: flowSampleUnusual,
		Detect: flowDetectUnusual,
	})
}

// flowUnusualState is the behaviour detector's working state.
type flowUnusualState struct {
	ifaces    *detect.LRU[string, flowBaseline]
	reported  *detect.LRU[flowPortKey, int64] // when an unusual port last reported
	learning  int64
	minFlows  uint32
	maxPorts  int
	window    int64
	minBytes  float64
	factor    float64
	emaWeight float64
}

// flowBaseline is what one interface learned, and its current window.
type flowBaseline struct {
	first    int64
	flows    uint32
	nports   uint8
	overflow bool // more ports than maxPorts while learning
	ports    [flowMaxLearnedPorts]uint16

	win    int64               // start of the current volume window
	total  float64             // outbound bytes in it
	ema    float64             // moving average of total over closed windows
	closed uint32              // windows closed
	top    flowTop[netip.Addr] // bytes per remote in the window
}

func flowUnusualLocal(ctx *detect.Context) *flowUnusualState {
	if s, ok := ctx.Local.(*flowUnusualState); ok {
		return s
	}
	s := &flowUnusualState{
		ifaces:    detect.NewLRUFor[string, flowBaseline](ctx, 1),
		reported:  detect.NewLRUFor[flowPortKey, int64](ctx, 1),
		learning:  flowParamDur(ctx, "learning"),
		minFlows:  uint32(ctx.Params.Int("min_baseline_flows")),
		maxPorts:  min(ctx.Params.Int("max_ports_per_instance"), flowMaxLearnedPorts),
		window:    flowParamDur(ctx, "window"),
		minBytes:  ctx.Params.Num("min_bytes"),
		factor:    ctx.Params.Num("factor"),
		emaWeight: min(ctx.Params.Num("ema_weight"), 1),
	}
	ctx.Local = s
	return s
}

func flowDetectUnusual(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || f.FunctionName != "" {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok || v.Direction != Outbound {
		return nil
	}
	s := flowUnusualLocal(ctx)
	b, created := s.ifaces.Upsert(v.iface)
	if created {
		b.first, b.win = v.t, v.t
	}
	if b.flows < math.MaxUint32 {
		b.flows++
	}
	learned := v.t-b.first >= s.learning && b.flows >= s.minFlows
	var out []finding.Finding
	if h := s.volume(b, &v, f.Bytes); h != nil && learned && b.closed > 0 && !h.fired &&
		h.low() >= s.minBytes && h.low() >= s.factor*b.ema {
		h.fired = true
		if o := OwnerOf(ctx, f); !o.IsLambda() {
			out = append(out, flowVolumeFinding(ev, o, v, h.low(), b.ema, s.window))
		}
	}
	if v.reply || f.Action != "ACCEPT" || (f.Protocol != flowTCP && f.Protocol != flowUDP) ||
		v.RemotePort <= 0 || v.RemotePort > 0xffff || flowCommonPort(v.RemotePort) {
		return out
	}
	port := uint16(v.RemotePort)
	if !learned {
		b.learn(port, s.maxPorts)
		return out
	}
	if b.overflow || b.knows(port) || !s.due(flowPortKey{v.iface, port}, v.t) {
		return out
	}
	if o := OwnerOf(ctx, f); !o.IsLambda() {
		out = append(out, flowPortFinding(ev, o, v, int(b.nports), s.learning))
	}
	return out
}

// flowCommonPort reports whether p is a port nearly every instance uses.
func flowCommonPort(p int) bool { return p == 80 || p == 443 || p == 53 || p == 123 }

func (b *flowBaseline) knows(p uint16) bool {
	for _, q := range b.ports[:b.nports] {
		if q == p {
			return true
		}
	}
	return false
}

func (b *flowBaseline) learn(p uint16, max int) {
	if b.overflow || b.knows(p) {
		return
	}
	if int(b.nports) >= max {
		b.overflow = true
		return
	}
	b.ports[b.nports] = p
	b.nports++
}

// volume adds a record's bytes to the interface's window (closing the
// windows t is past) and returns the remote's heavy-hitter entry.
func (s *flowUnusualState) volume(b *flowBaseline, v *flowView, bytes int64) *flowHeavy[netip.Addr] {
	if n := (v.t - b.win) / s.window; n > 0 {
		w := s.emaWeight
		if b.closed == 0 {
			b.ema = b.total
		} else {
			b.ema = w*b.total + (1-w)*b.ema
		}
		if n > 1 {
			b.ema *= math.Pow(1-w, float64(n-1))
		}
		b.closed += uint32(min(n, math.MaxUint32-int64(b.closed)))
		b.win += n * s.window
		b.total = 0
		b.top.reset()
	}
	if bytes <= 0 {
		return nil
	}
	b.total += float64(bytes)
	return b.top.add(v.Remote, float64(bytes))
}

// due reports whether an unusual port may report at t, and records it.
func (s *flowUnusualState) due(k flowPortKey, t int64) bool {
	last, created := s.reported.Upsert(k)
	if !created && t-*last < s.window {
		return false
	}
	*last = t
	return true
}

func flowPortFinding(ev *event.Event, o Owner, v flowView, learned int, learning int64) finding.Finding {
	f := flowConnFinding(ev, o, v, flowTypePortUnusual, finding.RoleActor)
	f.AggregationKey = o.Key() + "|" + strconv.Itoa(v.RemotePort)
	f.Title = flowKind(o) + " is communicating with " + v.Remote.String() + " on unusual port " + flowPort(v.RemotePort) + "."
	f.Description = flowKind(o) + " connected to port " + flowPort(v.RemotePort) + " of " + v.Remote.String() +
		", a remote port it did not use while learned (" + strconv.Itoa(learned) + " ports in " + flowDur(learning) + ")."
	return f
}

func flowVolumeFinding(ev *event.Event, o Owner, v flowView, bytes, ema float64, window int64) finding.Finding {
	f := flowConnFinding(ev, o, v, flowTypeVolumeUnusual, finding.RoleActor)
	f.AggregationKey = o.Key() + "|" + v.Remote.String()
	f.Title = flowKind(o) + " is sending an unusually large amount of data to " + v.Remote.String() + "."
	f.Description = flowKind(o) + " sent at least " + flowBytes(bytes) + " to " + v.Remote.String() + " within " +
		flowDur(window) + ", against a usual " + flowBytes(ema) + " of outbound traffic per window."
	return f
}

// flowBytes writes a byte count for people: "1.5 GiB".
func flowBytes(b float64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return strconv.FormatFloat(b, 'f', min(i, 1), 64) + " " + units[i]
}

func flowSampleUnusual(typ string) finding.Finding {
	if typ == flowTypeVolumeUnusual {
		ev, v, o := flowSample(Outbound, flowTCP, 40022, 443, false)
		return flowVolumeFinding(ev, o, v, 12<<30, 200<<20, 3600e9)
	}
	ev, v, o := flowSample(Outbound, flowTCP, 40022, 6667, false)
	return flowPortFinding(ev, o, v, 7, 24*3600e9)
}
