package intel

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
)

// u128 is an address as a 128-bit integer; IPv4 uses the low 32 bits.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a u128) inc() u128 {
	if a.lo++; a.lo == 0 {
		a.hi++
	}
	return a
}

func addrKey(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// prefixEntry is a prefix as a closed range of addresses.
type prefixEntry struct {
	start, end u128
	bits       int
	id         uint32 // match id
}

func newPrefixEntry(p netip.Prefix, id uint32) prefixEntry {
	start := addrKey(p.Addr())
	host := p.Addr().BitLen() - p.Bits()
	end := start
	switch {
	case host >= 128:
		end = u128{^uint64(0), ^uint64(0)}
	case host >= 64:
		end.lo = ^uint64(0)
		end.hi |= 1<<(host-64) - 1
	default:
		end.lo |= 1<<host - 1
	}
	return prefixEntry{start: start, end: end, bits: p.Bits(), id: id}
}

// segment is a range starting at start and running to the next segment's
// start, all of whose addresses have the matches of set.
type segment struct {
	start u128
	set   uint32
}

// sweep turns prefixes into sorted, contiguous segments from 0 to max.
// Prefixes are nested or disjoint, never partly overlapping, so a stack of
// the prefixes enclosing the current position is enough.
func sweep(in *interner, ps []prefixEntry, max u128) []segment {
	slices.SortFunc(ps, func(a, b prefixEntry) int {
		if c := a.start.cmp(b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.bits, b.bits)
	})
	segs := []segment{{}}
	emit := func(start u128, set uint32) {
		last := &segs[len(segs)-1]
		if last.start == start {
			last.set = set
			if len(segs) > 1 && segs[len(segs)-2].set == set {
				segs = segs[:len(segs)-1]
			}
			return
		}
		if last.set != set {
			segs = append(segs, segment{start, set})
		}
	}
	type open struct {
		end u128
		set uint32
	}
	var stack []open
	pop := func() {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.end == max {
			return
		}
		var parent uint32
		if len(stack) > 0 {
			parent = stack[len(stack)-1].set
		}
		emit(top.end.inc(), parent)
	}
	var ids []uint32
	for i := 0; i < len(ps); {
		p := ps[i]
		ids = append(ids[:0], p.id)
		for i++; i < len(ps) && ps[i].start == p.start && ps[i].bits == p.bits; i++ {
			ids = append(ids, ps[i].id)
		}
		for len(stack) > 0 && stack[len(stack)-1].end.cmp(p.start) < 0 {
			pop()
		}
		if len(stack) > 0 {
			ids = append(ids, in.setIDs[stack[len(stack)-1].set]...)
		}
		set := in.set(ids)
		stack = append(stack, open{end: p.end, set: set})
		emit(p.start, set)
	}
	for len(stack) > 0 {
		pop()
	}
	return segs
}
