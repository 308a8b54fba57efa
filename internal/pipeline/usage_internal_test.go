package pipeline

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/event"
)

func TestApportion(t *testing.T) {
	for _, tt := range []struct {
		total   uint64
		weights []uint64
		want    []uint64
	}{
		{100, nil, nil},
		{100, []uint64{7}, []uint64{100}},
		{100, []uint64{1, 1}, []uint64{50, 50}},
		{101, []uint64{1, 1}, []uint64{51, 50}},    // the remainder to the first of equals
		{10, []uint64{1, 2, 3}, []uint64{1, 3, 6}}, // floors 1, 3, 5; the rest to the heaviest
		{10, []uint64{0, 0}, []uint64{5, 5}},       // no weights: equal shares
		{0, []uint64{3, 4}, []uint64{0, 0}},
		{math.MaxInt64, []uint64{math.MaxInt64, 1}, []uint64{math.MaxInt64, 0}}, // no overflow
	} {
		if got := apportion(tt.total, tt.weights); !cmp.Equal(got, tt.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
		}
	}
}

func TestUnixDay(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(86399, 0), 0},
		{time.Unix(86400, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-86400, 0), -1},
		{time.Unix(-86401, 0), -2},
		{time.Date(2024, 5, 1, 23, 59, 59, 0, time.FixedZone("X", -3600)), 19845}, // 2024-05-02 00:59:59 UTC
	} {
		if got := unixDay(tt.t); got != tt.want {
			t.Errorf("unixDay(%s) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// BenchmarkFileUsageAdd measures the metering cost per event on the
// readers' hot path: flow records of one file, one key.
func BenchmarkFileUsageAdd(b *testing.B) {
	raw := []byte("2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.5 198.51.100.9 44321 443 6 10 8000 1714521600 1714521660 ACCEPT OK")
	evs := make([]*event.Event, 1024)
	for i := range evs {
		evs[i] = &event.Event{Kind: event.KindFlow, Time: time.Unix(1714521600+int64(i), 0), Account: "111122223333",
			Region: "us-east-1", Raw: raw, Flow: &event.Flow{InterfaceID: "eni-0a1b2c3d4e5f60718"}}
	}
	m := &meter{now: time.Now}
	b.ReportAllocs()
	u := newFileUsage(m)
	for i := 0; b.Loop(); i++ {
		u.add(evs[i%len(evs)])
	}
}
