package intel

// The lookup tables hold the segments from sweep: sorted starts and the
// set of each segment. index[b] is the first segment starting in bucket b
// or later (buckets are the top 16 bits), so a lookup binary-searches only
// the segments of one bucket.

type table4 struct {
	starts []uint32
	sets   []uint32
	index  []uint32 // 1<<16 + 1 entries
}

func newTable4(segs []segment) table4 {
	t := table4{starts: make([]uint32, len(segs)), sets: make([]uint32, len(segs)), index: make([]uint32, 1<<16+1)}
	for i, s := range segs {
		t.starts[i], t.sets[i] = uint32(s.start.lo), s.set
	}
	fillIndex(t.index, len(segs), func(i int) uint32 { return t.starts[i] >> 16 })
	return t
}

// fillIndex sets index[b] to the first segment whose bucket is >= b.
func fillIndex(index []uint32, n int, bucket func(int) uint32) {
	i := 0
	for b := range index {
		for i < n && bucket(i) < uint32(b) {
			i++
		}
		index[b] = uint32(i)
	}
}

// lookup returns the set of the segment holding k.
func (t *table4) lookup(k uint32) uint32 {
	b := k >> 16
	lo, hi := int(t.index[b]), int(t.index[b+1])
	// Find the first start > k in starts[lo:hi]; the segment before it holds k.
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.starts[m] <= k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return t.sets[lo-1]
}

type table6 struct {
	starts []u128
	sets   []uint32
	index  []uint32
}

func newTable6(segs []segment) table6 {
	t := table6{starts: make([]u128, len(segs)), sets: make([]uint32, len(segs)), index: make([]uint32, 1<<16+1)}
	for i, s := range segs {
		t.starts[i], t.sets[i] = s.start, s.set
	}
	fillIndex(t.index, len(segs), func(i int) uint32 { return uint32(t.starts[i].hi >> 48) })
	return t
}

func (t *table6) lookup(k u128) uint32 {
	b := k.hi >> 48
	lo, hi := int(t.index[b]), int(t.index[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.starts[m].cmp(k) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return t.sets[lo-1]
}
