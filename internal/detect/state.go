package detect

import (
	"container/list"
	"encoding/json"
	"fmt"
	"sync/atomic"
)

// State is a bounded key-value store for one detector's per-key state
// (per principal, ENI, bucket...). When full, the least recently used key
// is evicted, so memory stays bounded whatever the input. Values must be
// JSON-serializable so state can be snapshotted and restored.
//
// State is owned by the engine and is not safe for concurrent use: the
// engine calls a detector from one goroutine at a time.
type State struct {
	limit   int
	ll      *list.List
	items   map[string]*list.Element
	evicted *atomic.Uint64
}

type stateEntry struct {
	Key   string          `json:"k"`
	Value any             `json:"-"`
	Raw   json.RawMessage `json:"v"`
}

// NewState returns a State holding at most limit keys (limit <= 0 means 10,000).
func NewState(limit int) *State {
	if limit <= 0 {
		limit = 10000
	}
	return &State{limit: limit, ll: list.New(), items: map[string]*list.Element{}, evicted: new(atomic.Uint64)}
}

// Get returns the value stored under key.
func (s *State) Get(key string) (any, bool) {
	e, ok := s.items[key]
	if !ok {
		return nil, false
	}
	s.ll.MoveToFront(e)
	return e.Value.(*stateEntry).Value, true
}

// Put stores value under key, evicting the least recently used key if the
// state is full.
func (s *State) Put(key string, value any) {
	if e, ok := s.items[key]; ok {
		e.Value.(*stateEntry).Value = value
		s.ll.MoveToFront(e)
		return
	}
	s.items[key] = s.ll.PushFront(&stateEntry{Key: key, Value: value})
	for s.ll.Len() > s.limit {
		last := s.ll.Back()
		s.ll.Remove(last)
		delete(s.items, last.Value.(*stateEntry).Key)
		s.evicted.Add(1)
	}
}

// Delete removes key.
func (s *State) Delete(key string) {
	if e, ok := s.items[key]; ok {
		s.ll.Remove(e)
		delete(s.items, key)
	}
}

// Len returns the number of keys held.
func (s *State) Len() int { return s.ll.Len() }

// Evicted returns how many keys were evicted to respect the limit.
// It is safe to call from any goroutine.
func (s *State) Evicted() uint64 { return s.evicted.Load() }

// Snapshot serializes the state, most recently used first.
func (s *State) Snapshot() ([]byte, error) {
	out := make([]stateEntry, 0, s.ll.Len())
	for e := s.ll.Front(); e != nil; e = e.Next() {
		se := e.Value.(*stateEntry)
		raw, err := json.Marshal(se.Value)
		if err != nil {
			return nil, fmt.Errorf("snapshot key %q: %w", se.Key, err)
		}
		out = append(out, stateEntry{Key: se.Key, Raw: raw})
	}
	return json.Marshal(out)
}

// Restore replaces the state with a snapshot. decode turns each stored
// value back into the detector's type.
func (s *State) Restore(b []byte, decode func(json.RawMessage) (any, error)) error {
	var in []stateEntry
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("restore state: %w", err)
	}
	s.ll.Init()
	clear(s.items)
	for i := len(in) - 1; i >= 0; i-- {
		v, err := decode(in[i].Raw)
		if err != nil {
			return fmt.Errorf("restore key %q: %w", in[i].Key, err)
		}
		s.Put(in[i].Key, v)
	}
	return nil
}
