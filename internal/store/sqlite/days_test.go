package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// TestCountByDateFollowsChanges: counts per day (kept by triggers in
// finding_days) equal counts computed from the findings themselves after
// inserts, recurrences that move a finding to a later day, archiving and
// unarchiving.
func TestCountByDateFollowsChanges(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var fs []finding.Finding
	for i := range 300 {
		f := benchFinding(i, day0.Add(time.Duration(i)*37*time.Minute))
		f.Severity = []float64{2, 5, 8}[i%3]
		fs = append(fs, f)
	}
	if _, err := db.UpsertFindings(ctx, fs); err != nil {
		t.Fatal(err)
	}
	// Recurrences: every seventh finding again, two days later, some with
	// another severity.
	var again []finding.Finding
	for i := 0; i < len(fs); i += 7 {
		f := fs[i]
		f.UpdatedAt = finding.At(f.UpdatedAt.Add(48 * time.Hour))
		f.Service.EventLastSeen = f.UpdatedAt
		if i%14 == 0 {
			f.Severity = 9 // the latest occurrence's severity wins
		}
		again = append(again, f)
	}
	if _, err := db.UpsertFindings(ctx, again); err != nil {
		t.Fatal(err)
	}
	var archive []string
	for i := 3; i < len(fs); i += 5 {
		archive = append(archive, fs[i].ID)
	}
	if err := db.SetArchived(ctx, archive, true); err != nil {
		t.Fatal(err)
	}
	if err := db.SetArchived(ctx, archive[:10], false); err != nil {
		t.Fatal(err)
	}

	type key struct {
		day      string
		severity float64
		archived bool
	}
	want := map[key]int{}
	wantLast := map[key]int64{}
	q := finding.Query{Limit: 1000}
	for {
		page, next, err := db.ListFindings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page {
			k := key{f.UpdatedAt.UTC().Format(time.DateOnly), f.Severity, f.Service.Archived}
			want[k]++
			wantLast[k] = max(wantLast[k], f.UpdatedAt.UnixMilli())
		}
		if q.PageToken = next; next == "" {
			break
		}
	}
	got := map[key]int{}
	gotLast := map[key]int64{}
	err = db.CountFindings(ctx, finding.Query{}, time.Time{}, time.Time{}, []string{"date", "severity", "service.archived"}, func(f *finding.Finding, n int) error {
		k := key{f.UpdatedAt.UTC().Format(time.DateOnly), f.Severity, f.Service.Archived}
		got[k] += n
		gotLast[k] = max(gotLast[k], f.UpdatedAt.UnixMilli())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.Transformer("", func(m map[key]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out
	})); diff != "" {
		t.Errorf("counts per day (-from the findings +CountFindings):\n%s", diff)
	}
	for k, v := range wantLast {
		if gotLast[k] != v {
			t.Errorf("%v: newest updatedAt %d, want %d", k, gotLast[k], v)
		}
	}

	// Windows: whole days (read from finding_days) and cut days (read
	// from the findings), and a filter finding_days cannot apply, count
	// the same as the findings say.
	for _, w := range []struct {
		from, to time.Time
		account  string
		minSev   float64
	}{
		{day0.AddDate(0, 0, 1), day0.AddDate(0, 0, 3), "", 0},
		{day0.AddDate(0, 0, 1).Add(5 * time.Hour), day0.AddDate(0, 0, 3).Add(time.Minute), "", 0},
		{day0.AddDate(0, 0, 2), time.Time{}, "", 0},
		{day0.AddDate(0, 0, 1), day0.AddDate(0, 0, 3), "", 4},
		{day0.AddDate(0, 0, 1), day0.AddDate(0, 0, 3), "100000000007", 0},
	} {
		want := map[string]int{}
		q := finding.Query{Limit: 1000, UpdatedFrom: w.from, UpdatedTo: w.to, AccountID: w.account, MinSeverity: w.minSev}
		for {
			page, next, err := db.ListFindings(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range page {
				want[f.UpdatedAt.UTC().Format(time.DateOnly)]++
			}
			if q.PageToken = next; next == "" {
				break
			}
		}
		got := map[string]int{}
		err := db.CountFindings(ctx, finding.Query{AccountID: w.account, MinSeverity: w.minSev}, w.from, w.to, []string{"date"}, func(f *finding.Finding, n int) error {
			got[f.UpdatedAt.UTC().Format(time.DateOnly)] += n
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" || len(want) == 0 {
			t.Errorf("window %v: counts per day (-from the findings +CountFindings):\n%s", w, diff)
		}
	}
}

// TestCountByResourceFollowsChanges: counts per resource (kept by
// triggers in finding_resources) equal counts read from the findings'
// resource index, after inserts, recurrences (some on another resource)
// and archiving.
func TestCountByResourceFollowsChanges(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	onResource := func(f finding.Finding, r int) finding.Finding {
		f.Resource.InstanceDetails = &finding.InstanceDetails{InstanceID: fmt.Sprintf("i-%017x", r)}
		return f
	}
	var fs []finding.Finding
	for i := range 300 {
		fs = append(fs, onResource(benchFinding(i, day0.Add(time.Duration(i)*time.Minute)), i%40))
	}
	if _, err := db.UpsertFindings(ctx, fs); err != nil {
		t.Fatal(err)
	}
	var again []finding.Finding
	for i := 0; i < len(fs); i += 6 {
		f := fs[i]
		f.UpdatedAt = finding.At(f.UpdatedAt.Add(time.Hour))
		f.Service.EventLastSeen = f.UpdatedAt
		if i%12 == 0 {
			f = onResource(f, 100+i%5) // the latest occurrence's resource wins
		}
		again = append(again, f)
	}
	if _, err := db.UpsertFindings(ctx, again); err != nil {
		t.Fatal(err)
	}
	var archive []string
	for i := 1; i < len(fs); i += 4 {
		archive = append(archive, fs[i].ID)
	}
	if err := db.SetArchived(ctx, archive, true); err != nil {
		t.Fatal(err)
	}
	count := func(q finding.Query) map[string]string {
		out := map[string]string{}
		err := db.CountFindings(ctx, q, time.Time{}, time.Time{}, []string{"resource", "accountId", "service.archived"}, func(f *finding.Finding, n int) error {
			out[fmt.Sprintf("%s %s %v", finding.ResourceID(f), f.AccountID, f.Service.Archived)] = fmt.Sprintf("%d %d", n, f.UpdatedAt.UnixMilli())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Severity >= 0.5 selects every finding but is read from the index.
	want, got := count(finding.Query{MinSeverity: 0.5}), count(finding.Query{})
	if len(want) < 40 {
		t.Fatalf("only %d groups; the test needs more", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups by resource (-from the index +from finding_resources):\n%s", diff)
	}
}
