package detect

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	var ev atomic.Uint64
	l := NewLRU[string, int](3, &ev)
	var evictedKeys []string
	l.OnEvict(func(k string, _ *int) { evictedKeys = append(evictedKeys, k) })
	for i, k := range []string{"a", "b", "c"} {
		v, created := l.Upsert(k)
		if !created {
			t.Fatalf("Upsert(%s) created = false", k)
		}
		*v = i
	}
	l.Get("a") // b is now the oldest
	l.Upsert("d")
	if _, ok := l.Get("b"); ok {
		t.Error("b was not evicted")
	}
	if v, ok := l.Get("a"); !ok || *v != 0 {
		t.Errorf("a = %v, %v; want 0, kept", v, ok)
	}
	if ev.Load() != 1 || len(evictedKeys) != 1 || evictedKeys[0] != "b" {
		t.Errorf("evictions = %d %v, want 1 [b]", ev.Load(), evictedKeys)
	}
	if k, _, _ := l.Oldest(); k != "c" {
		t.Errorf("oldest = %s, want c", k)
	}
}

// TestLRUMatchesModel compares random operations with a simple model.
func TestLRUMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	l := NewLRU[int, int](50, nil)
	var order []int // model: most recent last
	vals := map[int]int{}
	use := func(k int) {
		for i, x := range order {
			if x == k {
				order = append(order[:i], order[i+1:]...)
				break
			}
		}
		order = append(order, k)
	}
	for step := 0; step < 20000; step++ {
		k := r.IntN(120)
		switch r.IntN(4) {
		case 0, 1:
			v, _ := l.Upsert(k)
			*v = step
			if _, ok := vals[k]; !ok && len(order) == 50 {
				delete(vals, order[0])
				order = order[1:]
			}
			vals[k] = step
			use(k)
		case 2:
			v, ok := l.Get(k)
			want, wok := vals[k]
			if ok != wok || (ok && *v != want) {
				t.Fatalf("step %d: Get(%d) = %v %v, want %v %v", step, k, v, ok, want, wok)
			}
			if ok {
				use(k)
			}
		case 3:
			l.Delete(k)
			if _, ok := vals[k]; ok {
				delete(vals, k)
				for i, x := range order {
					if x == k {
						order = append(order[:i], order[i+1:]...)
						break
					}
				}
			}
		}
		if l.Len() != len(vals) {
			t.Fatalf("step %d: Len = %d, want %d", step, l.Len(), len(vals))
		}
	}
	var got []int
	l.Range(func(k int, _ *int) bool { got = append(got, k); return true })
	for i := range got {
		if want := order[len(order)-1-i]; got[i] != want {
			t.Fatalf("Range order %v, want reverse of %v", got, order)
		}
	}
}

func BenchmarkLRUUpsert(b *testing.B) {
	l := NewLRU[uint64, [4]uint64](100000, nil)
	keys := make([]uint64, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range keys {
		keys[i] = r.Uint64() % 300000
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, _ := l.Upsert(keys[i&(1<<20-1)])
		v[0]++
	}
}
