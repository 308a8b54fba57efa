package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/store"
)

// usage runs a UsageStore test, skipping stores that keep no usage.
func usage(fn func(t *testing.T, us store.UsageStore)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) {
		us, ok := s.(store.UsageStore)
		if !ok {
			t.Skip("the store does not keep usage")
		}
		fn(t, us)
	}
}

// day returns UTC midnight of t0's day plus n days.
func day(n int) time.Time {
	return time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
}

func addUsage(t *testing.T, us store.UsageStore, recs ...store.UsageRecord) {
	t.Helper()
	if err := us.AddUsage(t.Context(), recs); err != nil {
		t.Fatalf("AddUsage(%d records) = %v", len(recs), err)
	}
}

func listUsage(t *testing.T, us store.UsageStore, from, to time.Time) []store.UsageRecord {
	t.Helper()
	recs, err := us.ListUsage(t.Context(), from, to)
	if err != nil {
		t.Fatalf("ListUsage(%s, %s) = %v", from, to, err)
	}
	return recs
}

var cmpUsage = cmpopts.EquateEmpty()

// testUsageAdds checks that amounts of one key add up, across calls and
// within one call, and that Day is truncated to its UTC day whatever its
// time and location.
func testUsageAdds(t *testing.T, us store.UsageStore) {
	tokyo := time.FixedZone("JST", 9*3600)
	addUsage(t, us,
		store.UsageRecord{Day: day(0), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1000},
		store.UsageRecord{Day: day(0).Add(23 * time.Hour), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 24},
		store.UsageRecord{Day: day(0).Add(5 * time.Hour), Account: "111122223333", Region: "us-east-1", Dimension: "CloudTrailEvents", Amount: 3},
	)
	addUsage(t, us,
		// 08:30 JST is 23:30 UTC of the day before.
		store.UsageRecord{Day: time.Date(t0.Year(), t0.Month(), t0.Day()+1, 8, 30, 0, 0, tokyo), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 0.5},
		store.UsageRecord{Day: day(0), Account: "111122223333", Region: "us-east-1", Dimension: "CloudTrailEvents", Amount: 2},
	)
	want := []store.UsageRecord{
		{Day: day(0), Account: "111122223333", Region: "us-east-1", Dimension: "CloudTrailEvents", Amount: 5},
		{Day: day(0), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1024.5},
	}
	got := listUsage(t, us, day(-10), day(10))
	if diff := cmp.Diff(want, got, cmpUsage); diff != "" {
		t.Errorf("ListUsage after adds (-want +got):\n%s", diff)
	}
	for _, r := range got {
		if r.Day.Location() != time.UTC {
			t.Errorf("ListUsage: Day %s is not in UTC", r.Day)
		}
	}
}

// testUsageKeys checks that each of day, account, region and dimension
// makes its own record, and the order: day, account, region, dimension.
func testUsageKeys(t *testing.T, us store.UsageStore) {
	base := store.UsageRecord{Day: day(1), Account: "222233334444", Region: "us-west-2", Dimension: "DNSLogBytes", Amount: 1}
	vary := []func(r *store.UsageRecord){
		func(r *store.UsageRecord) {},
		func(r *store.UsageRecord) { r.Day = day(0) },
		func(r *store.UsageRecord) { r.Account = "111122223333" },
		func(r *store.UsageRecord) { r.Region = "eu-west-1" },
		func(r *store.UsageRecord) { r.Dimension = "CloudTrailEvents" },
		func(r *store.UsageRecord) { r.Region = "" }, // an unknown region is a key like any other
	}
	var recs []store.UsageRecord
	for i, v := range vary {
		r := base
		v(&r)
		r.Amount = float64(i + 1)
		recs = append(recs, r)
	}
	addUsage(t, us, recs...)
	want := []store.UsageRecord{
		{Day: day(0), Account: "222233334444", Region: "us-west-2", Dimension: "DNSLogBytes", Amount: 2},
		{Day: day(1), Account: "111122223333", Region: "us-west-2", Dimension: "DNSLogBytes", Amount: 3},
		{Day: day(1), Account: "222233334444", Region: "", Dimension: "DNSLogBytes", Amount: 6},
		{Day: day(1), Account: "222233334444", Region: "eu-west-1", Dimension: "DNSLogBytes", Amount: 4},
		{Day: day(1), Account: "222233334444", Region: "us-west-2", Dimension: "CloudTrailEvents", Amount: 5},
		{Day: day(1), Account: "222233334444", Region: "us-west-2", Dimension: "DNSLogBytes", Amount: 1},
	}
	if diff := cmp.Diff(want, listUsage(t, us, day(0), day(2)), cmpUsage); diff != "" {
		t.Errorf("ListUsage (-want +got):\n%s", diff)
	}
}

// testUsageRange checks ListUsage's half-open range [from, to): a day is
// in it when its UTC midnight is.
func testUsageRange(t *testing.T, us store.UsageStore) {
	for i := range 5 {
		addUsage(t, us, store.UsageRecord{Day: day(i), Account: "111122223333", Region: "us-east-1", Dimension: "S3DataEvents", Amount: float64(10 + i)})
	}
	days := func(recs []store.UsageRecord) []int {
		out := []int{}
		for _, r := range recs {
			out = append(out, int(r.Day.Sub(day(0)).Hours()/24))
		}
		return out
	}
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     []int
	}{
		{"all", day(-1), day(6), []int{0, 1, 2, 3, 4}},
		{"midnights", day(1), day(3), []int{1, 2}},
		{"from inside a day skips it", day(1).Add(time.Second), day(3), []int{2}},
		{"to inside a day keeps it", day(1), day(3).Add(time.Nanosecond), []int{1, 2, 3}},
		{"other zone", day(1).In(time.FixedZone("EST", -5*3600)), day(2).In(time.FixedZone("CET", 3600)), []int{1}},
		{"empty", day(2), day(2), []int{}},
		{"reversed", day(4), day(1), []int{}},
		{"before", day(-30), day(0), []int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, days(listUsage(t, us, tt.from, tt.to))); diff != "" {
				t.Errorf("ListUsage(%s, %s) days (-want +got):\n%s", tt.from, tt.to, diff)
			}
		})
	}
}

// testUsageConcurrent checks that concurrent adds to the same keys lose
// nothing.
func testUsageConcurrent(t *testing.T, us store.UsageStore) {
	const writers, adds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*adds)
	for w := range writers {
		wg.Go(func() {
			for range adds {
				errs <- us.AddUsage(t.Context(), []store.UsageRecord{
					{Day: day(0), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 100},
					{Day: day(0), Account: fmt.Sprintf("%012d", w), Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1},
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AddUsage = %v", err)
		}
	}
	sum := map[string]float64{}
	for _, r := range listUsage(t, us, day(0), day(1)) {
		sum[r.Account] += r.Amount
	}
	want := map[string]float64{"111122223333": writers * adds * 100}
	for w := range writers {
		want[fmt.Sprintf("%012d", w)] = adds
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("usage after concurrent adds (-want +got):\n%s", diff)
	}
}
