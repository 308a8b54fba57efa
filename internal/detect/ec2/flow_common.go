package ec2

// Shared pieces of the flow detectors (files flow_*.go): the oriented
// view of a record, tumbling windows, and the small fixed-size sets that
// keep per-key state bounded. Everything here is prefixed "flow" so as not
// to clash with the DNS detectors of the same package.

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Protocol numbers and TCP flags as flow logs write them.
const (
	flowTCP    = 6
	flowUDP    = 17
	flowICMP   = 1
	flowICMPv6 = 58

	flowSYN    = 0x02
	flowSYNACK = 0x12 // logged for the answer to a SYN
)

// flowView is a record seen from its interface: its ends, whether it is
// the answering half of a connection the receiver opened, the event time
// and the interface the per-key state is kept under.
type flowView struct {
	Ends
	reply bool
	t     int64  // event time, Unix nanoseconds
	iface string // the ENI, else the instance id
}

// flowViewOf orients ev's flow. ok is false for NODATA/SKIPDATA records,
// records without addresses and records that name no interface.
func flowViewOf(ev *event.Event) (v flowView, ok bool) {
	ok = v.of(ev)
	return v, ok
}

// of fills v with ev's flow, as flowViewOf does.
func (v *flowView) of(ev *event.Event) bool {
	f := ev.Flow
	var ok bool
	if v.Ends, ok = EndsOf(f); !ok {
		return false
	}
	if v.iface = f.InterfaceID; v.iface == "" {
		v.iface = f.InstanceID
	}
	if v.iface == "" {
		return false
	}
	v.Local, v.Remote = v.Local.Unmap(), v.Remote.Unmap()
	v.reply = flowIsReply(f, v.Ends)
	v.t = flowTime(ev)
	return true
}

// flowOutbound reports whether EndsOf orients f as outbound, without
// building its ends: a cheap test that lets a detector skip the records
// of the other direction.
func flowOutbound(f *event.Flow) bool {
	switch f.FlowDirection {
	case "ingress":
		return false
	case "egress":
		return true
	}
	srcPriv, dstPriv := private(f.SrcAddr), private(f.DstAddr)
	switch {
	case dstPriv && !srcPriv:
		return false
	case srcPriv && !dstPriv:
		return true
	}
	return f.DstPort == 0 || (f.SrcPort != 0 && f.DstPort > f.SrcPort)
}

// flowAnswersSYN reports whether a TCP record logged a SYN-ACK: the answer of
// a connection its receiver opened.
func flowAnswersSYN(f *event.Flow) bool {
	return f.Protocol == flowTCP && f.TCPFlags&flowSYNACK == flowSYNACK
}

// flowTime is when a record's traffic was last seen: the end of its
// capture window, else the event time.
func flowTime(ev *event.Event) int64 {
	if ev.Flow != nil && !ev.Flow.End.IsZero() {
		return ev.Flow.End.UnixNano()
	}
	if ev.Time.IsZero() {
		return 0
	}
	return ev.Time.UnixNano()
}

// flowIsReply reports whether a record carries the answers of a
// connection its receiver opened (a server's responses, or the responses
// a client gets), so that detectors count each connection once and in the
// direction it was opened. TCP flags decide when logged (SYN-ACK: reply;
// SYN alone: opening); otherwise the sender's port is compared with the
// receiver's, the lower port being the service. Equal ports (NTP, IKE,
// ICMP) count as the answer when inbound.
func flowIsReply(f *event.Flow, e Ends) bool {
	if f.Protocol == flowTCP && f.TCPFlags != 0 {
		if f.TCPFlags&flowSYNACK == flowSYNACK {
			return true
		}
		if f.TCPFlags&flowSYN != 0 {
			return false
		}
	}
	send, recv := e.RemotePort, e.LocalPort
	if e.Direction == Outbound {
		send, recv = e.LocalPort, e.RemotePort
	}
	if send == recv {
		return e.Direction == Inbound
	}
	return send < recv
}

// flowWin is a per-key tumbling window: it opens with the key's first
// event and a new one opens with the first event past its end. fired
// records that the key already reported in this window.
type flowWin struct {
	start int64
	fired bool
}

// roll opens a new window at t when the key is new or t is past the
// current window, and reports whether it did (the caller then resets its
// counters). Late events (t before the start) count in the current window.
func (w *flowWin) roll(t, width int64, created bool) bool {
	if created || t-w.start >= width {
		w.start, w.fired = t, false
		return true
	}
	return false
}

// fire reports whether the window may report, at most once.
func (w *flowWin) fire() bool {
	if w.fired {
		return false
	}
	w.fired = true
	return true
}

// flowSetCap is how many distinct values a flowSet holds exactly.
const flowSetCap = 32

// flowSet counts distinct values with a fixed footprint: the first
// flowSetCap distinct values are kept and deduplicated; once it is full,
// each value not among them counts as new. Counts are therefore exact up
// to flowSetCap and may overcount beyond it.
type flowSet[T comparable] struct {
	v     [flowSetCap]T
	n     uint8
	extra uint32
}

// add counts x and reports whether it was new (or the set was full).
func (s *flowSet[T]) add(x T) bool {
	for i := range s.n {
		if s.v[i] == x {
			return false
		}
	}
	if int(s.n) < flowSetCap {
		s.v[s.n] = x
		s.n++
		return true
	}
	if s.extra < 1<<31 {
		s.extra++
	}
	return true
}

func (s *flowSet[T]) count() int { return int(s.n) + int(s.extra) }

func (s *flowSet[T]) reset() { s.n, s.extra = 0, 0 }

// flowTopN is the number of slots of a flowTop.
const flowTopN = 8

// flowTop finds the heaviest keys of a window (by packets or bytes) in
// flowTopN slots with the space-saving algorithm: a key not held takes
// the slot of the lightest one and inherits its sum as possible error.
// Every key whose true sum exceeds 1/flowTopN of the window's total is
// held, and low() never overestimates; sums are exact while the window
// has at most flowTopN keys.
type flowTop[K comparable] struct {
	n    uint8
	slot [flowTopN]flowHeavy[K]
}

// flowHeavy is one slot: a key's sum, which may overestimate by err, and
// whether it reported in this window.
type flowHeavy[K comparable] struct {
	key      K
	sum, err float64
	fired    bool
}

// low is a lower bound of the key's true sum.
func (h *flowHeavy[K]) low() float64 { return h.sum - h.err }

// add adds x to k and returns its slot.
func (t *flowTop[K]) add(k K, x float64) *flowHeavy[K] {
	for i := range t.n {
		if h := &t.slot[i]; h.key == k {
			h.sum += x
			return h
		}
	}
	if t.n < flowTopN {
		t.slot[t.n] = flowHeavy[K]{key: k, sum: x}
		t.n++
		return &t.slot[t.n-1]
	}
	m := 0
	for i := 1; i < flowTopN; i++ {
		if t.slot[i].sum < t.slot[m].sum {
			m = i
		}
	}
	h := &t.slot[m]
	*h = flowHeavy[K]{key: k, sum: h.sum + x, err: h.sum}
	return h
}

func (t *flowTop[K]) reset() { t.n = 0 }

// flowAddrID is a 64-bit fingerprint of an address for flowSets: exact
// for IPv4, a hash for IPv6.
func flowAddrID(a netip.Addr) uint64 {
	b := a.As16()
	return binary.BigEndian.Uint64(b[8:]) ^ binary.BigEndian.Uint64(b[:8])*0x9e3779b97f4a7c15
}

// flowPairKey is the state key of an interface and a remote address.
type flowPairKey struct {
	iface  string
	remote netip.Addr
}

// flowPortKey is the state key of an interface and one of its ports.
type flowPortKey struct {
	iface string
	port  uint16
}

// flowParamDur reads a duration parameter in nanoseconds.
func flowParamDur(ctx *detect.Context, name string) int64 { return int64(ctx.Params.Duration(name)) }

// flowConnFinding starts a finding on a flow: the owner's resource and a
// NETWORK_CONNECTION action for the record, with the given role.
func flowConnFinding(ev *event.Event, o Owner, v flowView, typ, role string) finding.Finding {
	return finding.Finding{
		Type:     typ,
		Resource: o.Resource(ev, v.Local),
		Service: finding.Service{
			Action:       ConnectionAction(ev.Flow, v.Ends),
			ResourceRole: role,
		},
	}
}

// flowKind names the owner for titles: "EC2 instance i-..." or "Lambda
// function f".
func flowKind(o Owner) string {
	if o.IsLambda() {
		return "Lambda function " + o.Name()
	}
	if o.InstanceID == "" {
		return "network interface " + o.Name()
	}
	return "EC2 instance " + o.Name()
}

// flowPort writes a port with its well-known name: "22 (SSH)".
func flowPort(p int) string {
	if n := PortName(p); n != "Unknown" {
		return strconv.Itoa(p) + " (" + n + ")"
	}
	return strconv.Itoa(p)
}

// flowDur writes a window length in titles: "10m0s".
func flowDur(ns int64) string { return time.Duration(ns).String() }

// Sample values of flow findings (documentation addresses, AWS-style ids).
const (
	flowSampleInstance = "i-99999999"
	flowSampleENI      = "eni-bfcffe88"
	flowSampleFunction = "sample-function"
)

var (
	flowSampleLocal  = netip.MustParseAddr("10.0.0.23")
	flowSampleRemote = detect.SampleIP
)

// flowSample returns a sample event and its view: one record between the
// sample instance (or function) and the sample remote address.
func flowSample(dir string, proto, localPort, remotePort int, lambda bool) (*event.Event, flowView, Owner) {
	t := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
	f := &event.Flow{
		Version: 5, AccountID: detect.SampleAccount, InterfaceID: flowSampleENI, VpcID: "vpc-0a1b2c3d", SubnetID: "subnet-0a1b2c3d",
		Protocol: proto, Packets: 3, Bytes: 180, Start: t.Add(-time.Minute), End: t, Action: "ACCEPT", LogStatus: "OK",
	}
	e := Ends{Local: flowSampleLocal, Remote: flowSampleRemote, LocalPort: localPort, RemotePort: remotePort, Direction: dir}
	if dir == Inbound {
		f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.FlowDirection = e.Remote, e.Local, remotePort, localPort, "ingress"
	} else {
		f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.FlowDirection = e.Local, e.Remote, localPort, remotePort, "egress"
	}
	o := Owner{InstanceID: flowSampleInstance, ENI: flowSampleENI}
	if lambda {
		f.FunctionName = flowSampleFunction
		o = Owner{FunctionName: flowSampleFunction, ENI: flowSampleENI}
	} else {
		f.InstanceID = flowSampleInstance
	}
	ev := &event.Event{Kind: event.KindFlow, Time: t, Account: detect.SampleAccount, Region: detect.SampleRegion, Source: "vpcflowlogs", SourceIP: f.SrcAddr, Flow: f}
	return ev, flowView{Ends: e, t: t.UnixNano(), iface: flowSampleENI}, o
}
