package detect

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// echo is a detector reporting one finding per API call.
func echo(name, typ string) *Detector {
	return &Detector{
		Name:  name,
		Kinds: []event.Kind{event.KindAPICall},
		Types: []Definition{{Type: typ, Severity: 5, Title: "generic title", Description: "generic description"}},
		Detect: func(_ *Context, ev *event.Event) []finding.Finding {
			return []finding.Finding{APICallFinding(typ, ev, nil)}
		},
	}
}

func TestEnginePanicIsolation(t *testing.T) {
	boom := &Detector{
		Name:  "test.panics",
		Kinds: []event.Kind{event.KindAPICall},
		Types: []Definition{{Type: "Test:IAMUser/Panics", Severity: 2}},
		Detect: func(_ *Context, ev *event.Event) []finding.Finding {
			if ev.API.Name == "Boom" {
				var m map[string]int
				m["x"] = 1 // nil map write: panics
			}
			return nil
		},
	}
	e := New([]*Detector{boom, echo("test.after", "Test:IAMUser/After")}, Options{})
	var got []string
	for _, api := range []string{"Boom", "Fine", "Boom"} {
		ev := SampleEvent("iam.amazonaws.com", api, "")
		e.Process(ev, func(f finding.Finding) { got = append(got, f.Type+" "+f.Service.Action.AwsAPICallAction.API) })
	}
	want := []string{"Test:IAMUser/After Boom", "Test:IAMUser/After Fine", "Test:IAMUser/After Boom"}
	if len(got) != len(want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %q, want %q", i, got[i], want[i])
		}
	}
	if st := e.Stats(); st.Panics != 2 || st.Events != 3 || st.Findings != 3 {
		t.Errorf("Stats() = %+v, want 2 panics, 3 events, 3 findings", st)
	}
}

func TestEngineFill(t *testing.T) {
	now := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)
	e := New([]*Detector{echo("test.echo", "Test:IAMUser/Echo")}, Options{DetectorID: "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b", Now: func() time.Time { return now }})
	ev := SampleEvent("iam.amazonaws.com", "ListUsers", "")
	var f finding.Finding
	e.Process(ev, func(got finding.Finding) { f = got })
	if f.Severity != 5 || f.Title != "generic title" || f.AccountID != SampleAccount || f.Region != SampleRegion {
		t.Errorf("filled finding = severity %v title %q account %q region %q", f.Severity, f.Title, f.AccountID, f.Region)
	}
	if f.ID != finding.ID(SampleAccount, SampleRegion, "Test:IAMUser/Echo", f.AggregationKey) || f.Service.EventFirstSeen.Time != ev.Time || f.CreatedAt.Time != now {
		t.Errorf("id %q first seen %v created %v", f.ID, f.Service.EventFirstSeen, f.CreatedAt)
	}
}

func TestStateEvictsLeastRecentlyUsed(t *testing.T) {
	s := NewState(3)
	for i := range 3 {
		s.Put("k"+strconv.Itoa(i), i)
	}
	s.Get("k0") // k1 is now the least recently used
	s.Put("k3", 3)
	if _, ok := s.Get("k1"); ok {
		t.Error("k1 survived eviction")
	}
	for _, k := range []string{"k0", "k2", "k3"} {
		if _, ok := s.Get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if s.Len() != 3 || s.Evicted() != 1 {
		t.Errorf("Len() = %d, Evicted() = %d; want 3, 1", s.Len(), s.Evicted())
	}
	for i := range 100 {
		s.Put("x"+strconv.Itoa(i), i)
	}
	if s.Len() != 3 || s.Evicted() != 101 {
		t.Errorf("after 100 puts: Len() = %d, Evicted() = %d; want 3, 101", s.Len(), s.Evicted())
	}
}

func TestStateSnapshotRestore(t *testing.T) {
	type counter struct {
		N    int    `json:"n"`
		Last string `json:"last"`
	}
	s := NewState(10)
	s.Put("a", counter{1, "x"})
	s.Put("b", counter{2, "y"})
	s.Get("a") // a is the most recently used
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := NewState(10)
	r.Put("stale", counter{9, "z"})
	err = r.Restore(snap, func(raw json.RawMessage) (any, error) {
		var c counter
		return c, json.Unmarshal(raw, &c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Get("stale"); ok || r.Len() != 2 {
		t.Errorf("restore kept old keys: Len() = %d", r.Len())
	}
	if v, ok := r.Get("b"); !ok || v != (counter{2, "y"}) {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	// Recency survives: after touching b, a is least recent and goes first.
	small := NewState(2)
	if err := small.Restore(snap, func(raw json.RawMessage) (any, error) { return raw, nil }); err != nil {
		t.Fatal(err)
	}
	small.Put("c", 3)
	if _, ok := small.Get("a"); !ok {
		t.Error("most recently used key a was evicted")
	}
	if _, ok := small.Get("b"); ok {
		t.Error("least recently used key b survived")
	}
	if err := r.Restore([]byte("not json"), nil); err == nil {
		t.Error("Restore(garbage) succeeded")
	}
}
