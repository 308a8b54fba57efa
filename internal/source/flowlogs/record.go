package flowlogs

import (
	"fmt"
	"math"
	"net/netip"
	"time"
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// rec holds an event, its flow and its Raw, allocated together: one
// allocation per record. Two sizes fill the allocator's 896- and
// 1152-byte classes (with the 8-byte header of objects holding pointers;
// rec is 720 bytes):
// the short one holds a default-format line, the long one most custom
// formats; a longer line gets its Raw apart.
type (
	rec struct {
		ev event.Event
		fl event.Flow
	}
	recShort struct {
		rec
		raw [168]byte
	}
	recLong struct {
		rec
		raw [424]byte
	}
)

// newRec returns a zeroed record with room for a Raw of n bytes.
func newRec(n int) (*rec, []byte) {
	switch {
	case n <= len(recShort{}.raw):
		r := new(recShort)
		return &r.rec, r.raw[:n:n]
	case n <= len(recLong{}.raw):
		r := new(recLong)
		return &r.rec, r.raw[:n:n]
	}
	return new(rec), make([]byte, n)
}

// Values the log repeats on every record are returned as these constants,
// so that they do not refer to the record's bytes.
const (
	resourceTGW = "TransitGateway"
	maxVersion  = math.MaxInt32
)

// decode turns the record in line, split into toks by l, into an event.
// The event owns a copy of line, its Raw: the strings of the flow refer
// to it (one allocation for all of them), and none to line, which the
// caller may reuse.
func decode(l *layout, line []byte, toks []span, hint pathHint) (*event.Event, error) {
	r, raw := newRec(len(line))
	copy(raw, line)
	fl := &r.fl
	fl.Protocol = -1
	for i, t := range toks {
		tok := raw[t.s:t.e]
		if len(tok) == 1 && tok[0] == '-' {
			continue
		}
		if err := setField(fl, l.cols[i], tok, hint.ids); err != nil {
			return nil, err
		}
	}
	if l.tgw && fl.ResourceType == "" {
		fl.ResourceType = resourceTGW
	}
	ev := &r.ev
	ev.Kind = event.KindFlow
	ev.Flow = fl
	ev.Raw = raw
	ev.Time = fl.Start
	if ev.Time.IsZero() {
		ev.Time = fl.End
	}
	ev.Account = fl.AccountID
	if ev.Account == "" || ev.Account == "unknown" {
		ev.Account = hint.account
	}
	ev.Region = fl.Region
	if ev.Region == "" {
		ev.Region = hint.region
	}
	ev.Source = sourceVPC
	if fl.ResourceType == resourceTGW {
		ev.Source = sourceTGW
	}
	ev.SourceIP = fl.SrcAddr
	return ev, nil
}

// setField stores the value tok of field f in fl. tok is not "-".
func setField(fl *event.Flow, f field, tok []byte, ids *interner) error {
	var err error
	switch f {
	case fVersion:
		fl.Version, err = number(f, tok, maxVersion)
	case fAccountID:
		fl.AccountID = ids.str(tok)
	case fInterfaceID:
		fl.InterfaceID = ids.str(tok)
	case fSrcAddr:
		fl.SrcAddr, err = addr(f, tok)
	case fDstAddr:
		fl.DstAddr, err = addr(f, tok)
	case fSrcPort:
		fl.SrcPort, err = number(f, tok, math.MaxUint16)
	case fDstPort:
		fl.DstPort, err = number(f, tok, math.MaxUint16)
	case fProtocol:
		fl.Protocol, err = number(f, tok, math.MaxUint8)
	case fPackets:
		fl.Packets, err = count(f, tok)
	case fBytes:
		fl.Bytes, err = count(f, tok)
	case fStart:
		fl.Start, err = unixTime(f, tok)
	case fEnd:
		fl.End, err = unixTime(f, tok)
	case fAction:
		fl.Action = action(tok)
	case fLogStatus:
		fl.LogStatus = logStatus(tok)
	case fVpcID:
		fl.VpcID = ids.str(tok)
	case fSubnetID:
		fl.SubnetID = ids.str(tok)
	case fInstanceID:
		fl.InstanceID = ids.str(tok)
	case fTCPFlags:
		fl.TCPFlags, err = number(f, tok, math.MaxUint16)
	case fType:
		fl.Type = trafficType(tok)
	case fPktSrcAddr:
		fl.PktSrcAddr, err = addr(f, tok)
	case fPktDstAddr:
		fl.PktDstAddr, err = addr(f, tok)
	case fRegion:
		fl.Region = ids.str(tok)
	case fAZID:
		fl.AZID = ids.str(tok)
	case fPktSrcService:
		fl.PktSrcService = ids.str(tok)
	case fPktDstService:
		fl.PktDstService = ids.str(tok)
	case fFlowDirection:
		fl.FlowDirection = direction(tok)
	case fTrafficPath:
		fl.TrafficPath, err = number(f, tok, math.MaxUint8)
	case fRejectReason:
		fl.RejectReason = str(tok)
	case fResourceType:
		fl.ResourceType = resourceType(tok)
	case fTGWID:
		fl.TGWID = ids.str(tok)
	case fTGWAttachmentID:
		fl.TGWAttachmentID = ids.str(tok)
	case fPacketsLostNoRoute, fPacketsLostBlackhole, fPacketsLostMTUExceeded, fPacketsLostTTLExpired:
		_, err = count(f, tok) // checked, not kept
	}
	return err
}

// interner returns one string per distinct identifier of a file (its
// accounts, interfaces, instances, VPCs...), so that the strings a
// detector keeps for long (ENI ids in its state) do not pin whole
// records in memory. It holds at most maxInterned values; beyond, values
// refer to the record's Raw.
type interner struct{ m map[string]string }

const maxInterned = 4096

func newInterner() *interner { return &interner{m: make(map[string]string)} }

func (in *interner) str(b []byte) string {
	if in == nil || len(b) == 0 {
		return str(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(in.m) >= maxInterned {
		return str(b)
	}
	s := string(b)
	in.m[s] = s
	return s
}

// str returns the bytes of a record's Raw as a string, without copying.
// Raw is never modified after decode, and the Event contract makes it
// read-only for everyone else, so the string stays immutable.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func action(b []byte) string {
	switch string(b) {
	case "ACCEPT":
		return "ACCEPT"
	case "REJECT":
		return "REJECT"
	}
	return str(b)
}

func logStatus(b []byte) string {
	switch string(b) {
	case "OK":
		return "OK"
	case "NODATA":
		return "NODATA"
	case "SKIPDATA":
		return "SKIPDATA"
	}
	return str(b)
}

func trafficType(b []byte) string {
	switch string(b) {
	case "IPv4":
		return "IPv4"
	case "IPv6":
		return "IPv6"
	case "EFA":
		return "EFA"
	}
	return str(b)
}

func direction(b []byte) string {
	switch string(b) {
	case "ingress":
		return "ingress"
	case "egress":
		return "egress"
	}
	return str(b)
}

func resourceType(b []byte) string {
	if string(b) == resourceTGW {
		return resourceTGW
	}
	return str(b)
}

// fieldError is a field value of the wrong form.
type fieldError struct {
	field field
	value string
	want  string
}

func (e *fieldError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.field, e.value, e.want)
}

// badValue returns the error for value tok of field f; the value is
// copied (and shortened), since tok belongs to a record being dropped.
func badValue(f field, tok []byte, want string) error {
	return &fieldError{field: f, value: shorten(tok), want: want}
}

// number parses a decimal number from 0 to limit.
func number(f field, tok []byte, limit uint64) (int, error) {
	n, ok := parseUint(tok, limit)
	if !ok {
		return 0, badValue(f, tok, fmt.Sprintf("want a number from 0 to %d", limit))
	}
	return int(n), nil
}

// count parses a packet or byte count.
func count(f field, tok []byte) (int64, error) {
	n, ok := parseUint(tok, math.MaxInt64)
	if !ok {
		return 0, badValue(f, tok, "want a count")
	}
	return int64(n), nil
}

// unixTime parses a time in Unix seconds.
func unixTime(f field, tok []byte) (time.Time, error) {
	n, ok := parseUint(tok, math.MaxInt64)
	if !ok {
		return time.Time{}, badValue(f, tok, "want a time in Unix seconds")
	}
	return time.Unix(int64(n), 0).UTC(), nil
}

// parseUint parses an unsigned decimal number of at most limit.
// Nineteen digits cannot overflow a uint64, so the bound is checked once.
func parseUint(b []byte, limit uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, n <= limit
}

// addr parses an IPv4 or IPv6 address: dotted quads by hand, the rest
// with netip. Zones are refused: flow logs never carry them.
func addr(f field, tok []byte) (netip.Addr, error) {
	if a, ok := parseIPv4(tok); ok {
		return a, nil
	}
	for _, c := range tok {
		if c == ':' {
			a, err := netip.ParseAddr(str(tok))
			if err != nil || a.Zone() != "" {
				break
			}
			return a, nil
		}
	}
	return netip.Addr{}, badValue(f, tok, "want an IP address")
}

// parseIPv4 parses a dotted-quad IPv4 address, refusing leading zeros as
// netip does.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	part, val, digits := 0, 0, 0
	for _, c := range b {
		if c == '.' {
			if digits == 0 || part == 3 {
				return netip.Addr{}, false
			}
			ip[part] = byte(val)
			part, val, digits = part+1, 0, 0
			continue
		}
		c -= '0'
		if c > 9 || (digits > 0 && val == 0) {
			return netip.Addr{}, false
		}
		val = val*10 + int(c)
		digits++
		if val > 255 {
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	ip[3] = byte(val)
	return netip.AddrFrom4(ip), true
}
