package ec2

import (
	"strconv"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

const flowTypeSpambot = "Backdoor:EC2/Spambot"

func init() {
	detect.Register(&detect.Detector{
		Name:  "ec2.spambot",
		Kinds: flows,
		Types: []detect.Definition{{
			Type: flowTypeSpambot, Severity: finding.SeverityMedium, Tactic: "Impact", DataSource: flowSource,
			Logic: "Outbound TCP flows opened by the instance to remote port 25 (ACCEPTed or REJECTed) reach at least " +
				"min_destinations distinct public remote addresses within window (counted exactly up to 32). Reported at most " +
				"once per window per instance; Lambda interfaces never match.",
			Key:         "instance (else ENI)",
			Title:       "An EC2 instance is sending mail to many hosts on port 25.",
			Description: "An EC2 instance is connecting to many remote mail servers on port 25, as a spam bot does.",
		}},
		Params: []detect.Param{
			{Name: "window", Default: "1h", Doc: "window in which mail servers are counted"},
			{Name: "min_destinations", Default: "25", Doc: "distinct remote mail servers that make a finding"},
		},
		Sample: func(string) finding.Finding {
			ev, v, o := flowSample(Outbound, flowTCP, 49152, 25, false)
			return flowSpamFinding(ev, o, v, 25, 3600e9)
		},
		Detect: flowDetectSpam,
	})
}

// flowSpamState is the spam-bot detector's working state: per interface,
// the distinct mail servers it reached in the current window.
type flowSpamState struct {
	ifaces  *detect.LRU[string, flowSpam]
	window  int64
	minDest int
}

type flowSpam struct {
	win   flowWin
	dests flowSet[uint64]
}

func flowSpamLocal(ctx *detect.Context) *flowSpamState {
	if s, ok := ctx.Local.(*flowSpamState); ok {
		return s
	}
	s := &flowSpamState{
		ifaces:  detect.NewLRUFor[string, flowSpam](ctx, 1),
		window:  flowParamDur(ctx, "window"),
		minDest: ctx.Params.Int("min_destinations"),
	}
	ctx.Local = s
	return s
}

func flowDetectSpam(ctx *detect.Context, ev *event.Event) []finding.Finding {
	f := ev.Flow
	if f == nil || f.Protocol != flowTCP || f.FunctionName != "" || (f.DstPort != 25 && f.SrcPort != 25) {
		return nil
	}
	v, ok := flowViewOf(ev)
	if !ok || v.Direction != Outbound || v.reply || v.RemotePort != 25 || !intel.IsPublic(v.Remote) {
		return nil
	}
	s := flowSpamLocal(ctx)
	p, created := s.ifaces.Upsert(v.iface)
	if p.win.roll(v.t, s.window, created) {
		p.dests.reset()
	}
	if !p.dests.add(flowAddrID(v.Remote)) || p.dests.count() < s.minDest || !p.win.fire() {
		return nil
	}
	o := OwnerOf(ctx, f)
	if o.IsLambda() {
		return nil
	}
	return []finding.Finding{flowSpamFinding(ev, o, v, p.dests.count(), s.window)}
}

func flowSpamFinding(ev *event.Event, o Owner, v flowView, n int, window int64) finding.Finding {
	f := flowConnFinding(ev, o, v, flowTypeSpambot, finding.RoleActor)
	f.AggregationKey = o.Key()
	f.Title = flowKind(o) + " is sending mail to many hosts on port 25."
	f.Description = flowKind(o) + " connected to port 25 of " + strconv.Itoa(n) + " distinct remote hosts within " +
		flowDur(window) + " (latest " + v.Remote.String() + "), as a spam bot does."
	return f
}
