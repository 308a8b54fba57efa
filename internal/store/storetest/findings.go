package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

const (
	acct1   = "111111111111"
	acct2   = "222222222222"
	useast1 = "us-east-1"
	euwest1 = "eu-west-1"
	typeSSH = "UnauthorizedAccess:EC2/SSHBruteForce"
)

func testUpsertInsert(t *testing.T, s store.Store) {
	a := newFinding(acct1, useast1, typeSSH, "a", finding.SeverityHigh, t0)
	b := newFinding(acct1, useast1, typeSSH, "b", finding.SeverityLow, t0)
	b.Service.Count = 0 // stored as 1, as Merge counts it
	if got := upsert(t, s, a, b); got != 2 {
		t.Errorf("UpsertFindings(a, b) created %d, want 2", got)
	}
	if d := diff(a, get(t, s, a.ID)); d != "" {
		t.Errorf("GetFinding(a) mismatch (-want +got):\n%s", d)
	}
	b.Service.Count = 1
	if d := diff(b, get(t, s, b.ID)); d != "" {
		t.Errorf("GetFinding(b) mismatch (-want +got):\n%s", d)
	}
}

// merged is what the merge tests check, besides the whole finding.
type merged struct {
	Count            int
	First, Last      time.Time
	Created, Updated time.Time
	Archived         bool
	Description      string
	UserFeedback     string
}

func summarize(f finding.Finding) merged {
	return merged{
		Count: f.Service.Count, First: f.Service.EventFirstSeen.Time, Last: f.Service.EventLastSeen.Time,
		Created: f.CreatedAt.Time, Updated: f.UpdatedAt.Time, Archived: f.Service.Archived,
		Description: f.Description, UserFeedback: f.Service.UserFeedback,
	}
}

func testUpsertMerge(t *testing.T, s store.Store) {
	h := time.Hour
	tests := []struct {
		name     string
		existing func(f *finding.Finding)
		newer    func(f *finding.Finding) // applied to an occurrence at t0+1h
		want     func(f *merged)          // applied to the summary of existing
	}{{
		name: "repeat adds count and widens last seen",
		want: func(m *merged) { m.Count, m.Last, m.Updated, m.Description = 2, t0.Add(h), t0.Add(h), "later" },
	}, {
		name:  "counts add up",
		newer: func(f *finding.Finding) { f.Service.Count = 5 },
		want:  func(m *merged) { m.Count, m.Last, m.Updated, m.Description = 6, t0.Add(h), t0.Add(h), "later" },
	}, {
		name: "earlier occurrence widens first seen and keeps details",
		newer: func(f *finding.Finding) {
			f.Service.EventFirstSeen, f.Service.EventLastSeen = finding.At(t0.Add(-2*h)), finding.At(t0.Add(-h))
			f.CreatedAt, f.UpdatedAt = finding.At(t0.Add(-h)), finding.At(t0.Add(-h))
		},
		want: func(m *merged) { m.Count, m.First = 2, t0.Add(-2*h) },
	}, {
		name:     "archived finding that recurs is current again",
		existing: func(f *finding.Finding) { f.Service.Archived = true },
		want: func(m *merged) {
			m.Count, m.Last, m.Updated, m.Description, m.Archived = 2, t0.Add(h), t0.Add(h), "later", false
		},
	}, {
		name:  "recurrence archived by a suppression rule stays archived",
		newer: func(f *finding.Finding) { f.Service.Archived = true },
		want: func(m *merged) {
			m.Count, m.Last, m.Updated, m.Description, m.Archived = 2, t0.Add(h), t0.Add(h), "later", true
		},
	}, {
		name:     "createdAt and user feedback are kept",
		existing: func(f *finding.Finding) { f.Service.UserFeedback = "USEFUL" },
		want: func(m *merged) {
			m.Count, m.Last, m.Updated, m.Description, m.UserFeedback = 2, t0.Add(h), t0.Add(h), "later", "USEFUL"
		},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := newFinding(acct1, useast1, typeSSH, keyOf(i), finding.SeverityMedium, t0)
			newer := newFinding(acct1, useast1, typeSSH, keyOf(i), finding.SeverityHigh, t0.Add(h))
			newer.Description = "later"
			if tt.existing != nil {
				tt.existing(&existing)
			}
			if tt.newer != nil {
				tt.newer(&newer)
			}
			upsert(t, s, existing)
			if got := upsert(t, s, newer); got != 0 {
				t.Errorf("UpsertFindings(repeat) created %d, want 0", got)
			}
			got := get(t, s, existing.ID)
			want := summarize(existing)
			tt.want(&want)
			if d := cmp.Diff(want, summarize(got)); d != "" {
				t.Errorf("merged finding mismatch (-want +got):\n%s", d)
			}
			whole := existing
			whole.Merge(newer)
			if d := diff(whole, got); d != "" {
				t.Errorf("stored finding differs from finding.Merge (-want +got):\n%s", d)
			}
		})
	}
}

func testUpsertBatchSameID(t *testing.T, s store.Store) {
	mk := func(at time.Time) finding.Finding {
		return newFinding(acct1, useast1, typeSSH, "same", finding.SeverityHigh, at)
	}
	other := newFinding(acct2, useast1, typeSSH, "other", finding.SeverityLow, t0)
	batch := []finding.Finding{mk(t0), other, mk(t0.Add(time.Minute)), mk(t0.Add(-time.Minute))}
	if got := upsert(t, s, batch...); got != 2 {
		t.Errorf("UpsertFindings(3 of one id, 1 other) created %d, want 2", got)
	}
	want := batch[0]
	want.Merge(batch[2])
	want.Merge(batch[3])
	got := get(t, s, want.ID)
	if d := diff(want, got); d != "" {
		t.Errorf("GetFinding after batch mismatch (-want +got):\n%s", d)
	}
	if got.Service.Count != 3 {
		t.Errorf("count = %d, want 3", got.Service.Count)
	}
}

func testUpsertEmptyID(t *testing.T, s store.Store) {
	good := newFinding(acct1, useast1, typeSSH, "good", finding.SeverityHigh, t0)
	bad := good
	bad.ID = ""
	if _, err := s.UpsertFindings(t.Context(), []finding.Finding{good, bad}); err == nil {
		t.Fatalf("UpsertFindings(good, no id) = nil error, want an error")
	}
	if _, err := s.GetFinding(t.Context(), good.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetFinding(good) after failed batch = %v, want ErrNotFound (nothing written)", err)
	}
}

// testConcurrentUpserts has writers race on the same ids: no write may be
// lost, and each id is created exactly once.
func testConcurrentUpserts(t *testing.T, s store.Store) {
	const writers, rounds, nIDs = 8, 10, 4
	var fs []finding.Finding
	for i := range nIDs {
		fs = append(fs, newFinding(acct1, useast1, typeSSH, keyOf(i), finding.SeverityHigh, t0))
	}
	var wg sync.WaitGroup
	created := make(chan int, writers*rounds)
	errs := make(chan error, writers*rounds)
	for range writers {
		wg.Go(func() {
			for range rounds {
				n, err := s.UpsertFindings(t.Context(), fs)
				created <- n
				errs <- err
			}
		})
	}
	wg.Wait()
	close(created)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpsertFindings = %v", err)
		}
	}
	total := 0
	for n := range created {
		total += n
	}
	if total != nIDs {
		t.Errorf("concurrent UpsertFindings created %d in all, want %d", total, nIDs)
	}
	for _, f := range fs {
		if got := get(t, s, f.ID).Service.Count; got != writers*rounds {
			t.Errorf("GetFinding(%s).Service.Count = %d, want %d", f.AggregationKey, got, writers*rounds)
		}
	}
}

func testGetFindingNotFound(t *testing.T, s store.Store) {
	_, err := s.GetFinding(t.Context(), "0123456789abcdef0123456789abcdef")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetFinding(unknown) = %v, want ErrNotFound", err)
	}
}

func testSetArchived(t *testing.T, s store.Store) {
	var fs []finding.Finding
	for i := range 3 {
		fs = append(fs, newFinding(acct1, useast1, typeSSH, keyOf(i), finding.SeverityHigh, t0))
	}
	upsert(t, s, fs...)
	a, b, c := fs[0], fs[1], fs[2]
	steps := []struct {
		ids      []string
		archived bool
		want     []string // archived ids afterwards, in id order
	}{
		{[]string{a.ID, b.ID}, true, sortedIDs(a, b)},
		{[]string{a.ID, a.ID}, true, sortedIDs(a, b)}, // idempotent, duplicates fine
		{[]string{a.ID}, false, sortedIDs(b)},
		{nil, true, sortedIDs(b)},
	}
	for _, st := range steps {
		if err := s.SetArchived(t.Context(), st.ids, st.archived); err != nil {
			t.Fatalf("SetArchived(%v, %v) = %v", st.ids, st.archived, err)
		}
		archived := true
		q := finding.Query{Archived: &archived, SortBy: finding.SortType}
		got, _, err := s.ListFindings(t.Context(), q)
		if err != nil {
			t.Fatalf("ListFindings(%+v) = %v", q, err)
		}
		if d := cmp.Diff(st.want, ids(got)); d != "" {
			t.Errorf("after SetArchived(%v, %v): archived ids mismatch (-want +got):\n%s", st.ids, st.archived, d)
		}
	}
	for _, f := range []finding.Finding{a, b, c} {
		want := f
		want.Service.Archived = f.ID == b.ID
		if d := diff(want, get(t, s, f.ID)); d != "" {
			t.Errorf("GetFinding(%s) after archiving mismatch (-want +got):\n%s", f.AggregationKey, d)
		}
	}
}

func testSetArchivedUnknown(t *testing.T, s store.Store) {
	f := newFinding(acct1, useast1, typeSSH, "known", finding.SeverityHigh, t0)
	upsert(t, s, f)
	err := s.SetArchived(t.Context(), []string{f.ID, "ffffffffffffffffffffffffffffffff"}, true)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetArchived(known, unknown) = %v, want ErrNotFound", err)
	}
	if get(t, s, f.ID).Service.Archived {
		t.Errorf("SetArchived(known, unknown) archived the known finding, want no change")
	}
}
