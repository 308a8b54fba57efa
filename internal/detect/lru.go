package detect

import "sync/atomic"

// LRU is a bounded map for detectors whose per-key state must stay fast
// at millions of events per second (per ENI, per source address, per
// parent domain). When full, the least recently used key is evicted and
// counted, so a flood of distinct keys cannot exhaust memory. Entries live
// in one slice, so an insert allocates nothing once the slice has grown.
//
// Like State, an LRU is used from the engine's goroutine only. It is not
// snapshotted: detectors that use it keep short-window state that is
// rebuilt from new events after a restart.
type LRU[K comparable, V any] struct {
	limit   int
	idx     map[K]int32
	nodes   []lruNode[K, V]
	head    int32 // most recently used; -1 when empty
	tail    int32 // least recently used
	evicted *atomic.Uint64
	onEvict func(K, *V)
}

type lruNode[K comparable, V any] struct {
	prev, next int32
	key        K
	val        V
}

// NewLRU returns an LRU holding at most limit keys; limit <= 0 means
// 10,000. Evictions are added to ctx's eviction count (see Context.LRU).
func NewLRU[K comparable, V any](limit int, evicted *atomic.Uint64) *LRU[K, V] {
	if limit <= 0 {
		limit = 10000
	}
	if evicted == nil {
		evicted = new(atomic.Uint64)
	}
	return &LRU[K, V]{limit: limit, idx: map[K]int32{}, head: -1, tail: -1, evicted: evicted}
}

// OnEvict sets a function called with each evicted entry (before its
// slot is reused), for detectors that report on expiry.
func (l *LRU[K, V]) OnEvict(f func(K, *V)) { l.onEvict = f }

// Get returns the value of k and marks it recently used. The pointer is
// valid until the next Upsert.
func (l *LRU[K, V]) Get(k K) (*V, bool) {
	i, ok := l.idx[k]
	if !ok {
		return nil, false
	}
	l.touch(i)
	return &l.nodes[i].val, true
}

// Peek returns the value of k without marking it used.
func (l *LRU[K, V]) Peek(k K) (*V, bool) {
	i, ok := l.idx[k]
	if !ok {
		return nil, false
	}
	return &l.nodes[i].val, true
}

// Upsert returns the value of k, adding a zero value (evicting the least
// recently used key when full) if k is absent; created reports whether it
// was added. The pointer is valid until the next Upsert.
func (l *LRU[K, V]) Upsert(k K) (v *V, created bool) {
	if i, ok := l.idx[k]; ok {
		l.touch(i)
		return &l.nodes[i].val, false
	}
	var i int32
	if len(l.nodes) < l.limit {
		l.nodes = append(l.nodes, lruNode[K, V]{})
		i = int32(len(l.nodes) - 1)
	} else {
		i = l.tail
		n := &l.nodes[i]
		if l.onEvict != nil {
			l.onEvict(n.key, &n.val)
		}
		delete(l.idx, n.key)
		l.unlink(i)
		l.evicted.Add(1)
	}
	n := &l.nodes[i]
	var zero V
	n.key, n.val = k, zero
	l.idx[k] = i
	l.pushFront(i)
	return &n.val, true
}

// Delete removes k. Its slot is reused by a later Upsert only when the
// LRU is full, so Delete suits rare removals.
func (l *LRU[K, V]) Delete(k K) {
	i, ok := l.idx[k]
	if !ok {
		return
	}
	delete(l.idx, k)
	l.unlink(i)
	// Move the last slot into the hole so the slice stays dense.
	last := int32(len(l.nodes) - 1)
	if i != last {
		l.nodes[i] = l.nodes[last]
		l.idx[l.nodes[i].key] = i
		n := &l.nodes[i]
		if n.prev >= 0 {
			l.nodes[n.prev].next = i
		} else {
			l.head = i
		}
		if n.next >= 0 {
			l.nodes[n.next].prev = i
		} else {
			l.tail = i
		}
	}
	l.nodes = l.nodes[:last]
}

// Len returns the number of keys held.
func (l *LRU[K, V]) Len() int { return len(l.idx) }

// Range calls f for each entry, most recently used first, until f
// returns false. f must not modify the LRU.
func (l *LRU[K, V]) Range(f func(K, *V) bool) {
	for i := l.head; i >= 0; i = l.nodes[i].next {
		if !f(l.nodes[i].key, &l.nodes[i].val) {
			return
		}
	}
}

// Oldest returns the least recently used entry.
func (l *LRU[K, V]) Oldest() (K, *V, bool) {
	if l.tail < 0 {
		var zero K
		return zero, nil, false
	}
	n := &l.nodes[l.tail]
	return n.key, &n.val, true
}

func (l *LRU[K, V]) touch(i int32) {
	if l.head == i {
		return
	}
	l.unlink(i)
	l.pushFront(i)
}

func (l *LRU[K, V]) unlink(i int32) {
	n := &l.nodes[i]
	if n.prev >= 0 {
		l.nodes[n.prev].next = n.next
	} else {
		l.head = n.next
	}
	if n.next >= 0 {
		l.nodes[n.next].prev = n.prev
	} else {
		l.tail = n.prev
	}
}

func (l *LRU[K, V]) pushFront(i int32) {
	n := &l.nodes[i]
	n.prev, n.next = -1, l.head
	if l.head >= 0 {
		l.nodes[l.head].prev = i
	}
	l.head = i
	if l.tail < 0 {
		l.tail = i
	}
}
