package ec2

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// TestFlowStateBounded floods one instance with 2,000,000 distinct remote
// addresses (probes, SSH attempts, Tor and custom-list traffic, outbound
// scans, floods and mail) under a state limit of 10,000 and checks that every
// LRU of every flow detector stays within its bound and that evictions
// are counted.
func TestFlowStateBounded(t *testing.T) {
	const limit = 10_000
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	// The first 131,072 remotes are Tor nodes, the next on a custom list.
	in := &intel.Intel{Threats: intel.NewSet(
		&intel.List{Name: "tor", Family: intel.FamilyTor, Entries: []intel.Entry{{Prefix: netip.MustParsePrefix("11.0.0.0/15")}}},
		&intel.List{Name: "corp", Family: intel.FamilyCustom, Entries: []intel.Entry{{Prefix: netip.MustParsePrefix("11.2.0.0/15")}}},
	)}
	ctxs := map[string]*detect.Context{}
	var dets []*detect.Detector
	for _, d := range flowDetectors() {
		w := *d
		w.Detect = func(ctx *detect.Context, ev *event.Event) []finding.Finding {
			ctxs[d.Name] = ctx
			return d.Detect(ctx, ev)
		}
		dets = append(dets, &w)
	}
	e := detect.New(dets, detect.Options{
		StateLimit: limit, Intel: func() *intel.Intel { return in }, Inventory: flowInv,
		// A short learning period, so that unusual ports report (and are remembered).
		Params: map[string]map[string]string{"ec2.unusual_traffic": {"learning": "1s", "min_baseline_flows": "1"}},
	})
	local := netip.MustParseAddr("10.0.1.10")
	f := event.Flow{Version: 5, InterfaceID: "eni-web", Action: "ACCEPT", LogStatus: "OK"}
	ev := event.Event{Kind: event.KindFlow, Account: "111122223333", Region: "us-east-1", Flow: &f}
	findings := 0
	for i := range n {
		remote := netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)})
		port := 1 + i%60000
		f.End = flowT0.Add(time.Duration(i) * time.Millisecond)
		f.Start, ev.Time = f.End, f.End
		f.Protocol, f.Packets, f.Bytes, f.TCPFlags = flowTCP, 1, 60, flowSYN
		switch i % 4 {
		case 0: // a probe of a port
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection = remote, 40000, local, port, "ingress"
		case 1: // an SSH attempt
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection = remote, 40000, local, 22, "ingress"
		case 2: // a scan probe or a new port
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection = local, 40000, remote, port, "egress"
			if i < 4000 {
				f.DstPort = 443 // nothing learned while learning
			}
		case 3: // a flood packet, or mail
			f.SrcAddr, f.SrcPort, f.DstAddr, f.DstPort, f.FlowDirection = local, 40000, remote, 80, "egress"
			f.Protocol, f.Packets = flowUDP, 10
			if i%8 == 7 {
				f.Protocol, f.DstPort = flowTCP, 25
			}
		}
		e.Process(&ev, func(finding.Finding) { findings++ })
	}
	if p := e.Stats().Panics; p != 0 {
		t.Fatalf("detectors panicked %d times", p)
	}
	t.Logf("%d records, %d findings", n, findings)
	for _, d := range dets {
		ctx := ctxs[d.Name]
		if ctx == nil || ctx.Local == nil {
			t.Errorf("%s: never ran or kept no state", d.Name)
			continue
		}
		sizes := flowLRUSizes(ctx.Local)
		if len(sizes) == 0 {
			t.Errorf("%s: unknown state %T", d.Name, ctx.Local)
		}
		for name, l := range sizes {
			t.Logf("%s.%s: %d keys", d.Name, name, l)
			if l > limit {
				t.Errorf("%s.%s holds %d keys, more than the limit %d", d.Name, name, l, limit)
			}
		}
		st, _ := e.State(d.Name)
		t.Logf("%s: %d evictions", d.Name, st.Evicted())
		// The spam-bot and denial-of-service detectors keep one key per
		// interface.
		if d.Name != "ec2.spambot" && d.Name != "ec2.denial_of_service" && st.Evicted() == 0 {
			t.Errorf("%s: no eviction counted", d.Name)
		}
	}
}

// flowLRUSizes returns the number of keys of each LRU of a flow
// detector's state.
func flowLRUSizes(local any) map[string]int {
	switch s := local.(type) {
	case *flowProbeState:
		return map[string]int{"ports": s.ports.Len()}
	case *flowScanState:
		return map[string]int{"pairs": s.pairs.Len()}
	case *flowBruteState:
		return map[string]int{"attempts": s.attempts.Len()}
	case *flowDoSState:
		return map[string]int{"ifaces": s.ifaces.Len()}
	case *flowSpamState:
		return map[string]int{"ifaces": s.ifaces.Len()}
	case *flowTIState:
		return map[string]int{"last": s.last.Len(), "relays": s.relays.Len()}
	case *flowUnusualState:
		return map[string]int{"ifaces": s.ifaces.Len(), "reported": s.reported.Len()}
	}
	return nil
}
