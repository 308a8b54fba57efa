package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/store"
)

func scanIDs(recs []store.ScanRecord) []string {
	out := make([]string, len(recs))
	for i := range recs {
		out[i] = recs[i].ScanID
	}
	return out
}

func testScanListFilters(t *testing.T, s store.ScanStore) {
	putScan(t, s,
		newScan(1, "a", "k1", "NO_THREATS_FOUND", "COMPLETED"),
		newScan(2, "a", "k2", "THREATS_FOUND", "COMPLETED"),
		newScan(3, "b", "k1", "THREATS_FOUND", "COMPLETED"),
		newScan(4, "b", "k2", "ACCESS_DENIED", "SKIPPED"),
	)
	tests := []struct {
		q    store.ScanQuery
		want []string
	}{
		{store.ScanQuery{}, []string{"scan-0004", "scan-0003", "scan-0002", "scan-0001"}},
		{store.ScanQuery{Bucket: "a"}, []string{"scan-0002", "scan-0001"}},
		{store.ScanQuery{Status: "THREATS_FOUND"}, []string{"scan-0003", "scan-0002"}},
		{store.ScanQuery{Bucket: "b", Status: "THREATS_FOUND"}, []string{"scan-0003"}},
		{store.ScanQuery{Bucket: "c"}, []string{}},
	}
	for _, tt := range tests {
		got, next, err := s.ListScans(t.Context(), tt.q)
		if err != nil || next != "" {
			t.Errorf("ListScans(%+v) = _, %q, %v; want no next page, nil", tt.q, next, err)
		}
		if diff := cmp.Diff(tt.want, scanIDs(got)); diff != "" {
			t.Errorf("ListScans(%+v) ids differ (-want +got):\n%s", tt.q, diff)
		}
	}
}

func testScanListPaging(t *testing.T, s store.ScanStore) {
	var want []string
	for i := 1; i <= 7; i++ {
		r := newScan(i/2, "b", "k", "NO_THREATS_FOUND", "COMPLETED") // pairs share a completion time
		r.ScanID = keyOf(i)
		putScan(t, s, r)
		want = append([]string{r.ScanID}, want...)
	}
	var got []string
	q := store.ScanQuery{Limit: 3}
	for page := 0; ; page++ {
		recs, next, err := s.ListScans(t.Context(), q)
		if err != nil || page > 5 {
			t.Fatalf("ListScans(%+v) page %d = %v", q, page, err)
		}
		got = append(got, scanIDs(recs)...)
		if next == "" {
			break
		}
		q.PageToken = next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paging through ListScans differs (-want +got):\n%s", diff)
	}
}

func testScanListInvalid(t *testing.T, s store.ScanStore) {
	for _, q := range []store.ScanQuery{{Limit: -1}, {PageToken: "not a token"}, {PageToken: "eA"}} {
		if _, _, err := s.ListScans(t.Context(), q); err == nil {
			t.Errorf("ListScans(%+v) = nil error, want an error", q)
		}
	}
}
