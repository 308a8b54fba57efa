package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/store"
)

// scans adapts a store.ScanStore test to the suite: every store must
// also keep scan records.
func scans(fn func(t *testing.T, s store.ScanStore)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) {
		ss, ok := s.(store.ScanStore)
		if !ok {
			t.Fatalf("%T does not implement store.ScanStore", s)
		}
		fn(t, ss)
	}
}

// newScan returns a realistic record of a scan completed at t0 + i seconds.
func newScan(i int, bucket, key, status, scanStatus string) store.ScanRecord {
	started := t0.Add(time.Duration(i)*time.Second + 123456*time.Nanosecond)
	return store.ScanRecord{
		ScanID: fmt.Sprintf("scan-%04d", i), PlanID: "plan1", Bucket: bucket, Key: key,
		ETag: fmt.Sprintf("etag%04d", i), Size: int64(100 + i), SHA256: "ab12",
		Status: status, ScanStatus: scanStatus, Tagged: true,
		StartedAt: started, CompletedAt: started.Add(250 * time.Millisecond), Trigger: store.TriggerPlan,
	}
}

func putScan(t *testing.T, s store.ScanStore, recs ...store.ScanRecord) {
	t.Helper()
	for _, r := range recs {
		if err := s.PutScan(t.Context(), r); err != nil {
			t.Fatalf("PutScan(%s) = %v", r.ScanID, err)
		}
	}
}

// stored is rec as a store returns it: times in UTC, in milliseconds.
func stored(rec store.ScanRecord) store.ScanRecord {
	rec.StartedAt = rec.StartedAt.UTC().Truncate(time.Millisecond)
	rec.CompletedAt = rec.CompletedAt.UTC().Truncate(time.Millisecond)
	return rec
}

func testScanPutGet(t *testing.T, s store.ScanStore) {
	rec := newScan(1, "uploads", "dir/with space/ü+plus.exe", "THREATS_FOUND", "COMPLETED")
	rec.VersionID = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
	rec.Threats = []store.ScanThreat{{Name: "EICAR-Test-File (not a virus)", Path: "a.zip!eicar.com", SHA256: "275a", Engine: "builtin"}}
	rec.PostScanActions = []store.PostScanAction{{Type: "TAGGING", Status: "COMPLETED"}, {Type: "QUARANTINE", Status: "FAILED", Reason: "ACCESS_DENIED: no"}}
	rec.StartedAt = rec.StartedAt.In(time.FixedZone("CET", 3600))
	putScan(t, s, rec)
	got, err := s.GetScan(t.Context(), rec.ScanID)
	if err != nil {
		t.Fatalf("GetScan(%q) = %v", rec.ScanID, err)
	}
	if diff := cmp.Diff(stored(rec), got); diff != "" {
		t.Errorf("GetScan(%q) differs (-want +got):\n%s", rec.ScanID, diff)
	}
	if _, err := s.GetScan(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetScan(unknown) = %v, want ErrNotFound", err)
	}
}

func testScanPutReplaces(t *testing.T, s store.ScanStore) {
	rec := newScan(1, "b", "k", "FAILED", "FAILED")
	putScan(t, s, rec)
	rec.Status, rec.ScanStatus, rec.Reason = "NO_THREATS_FOUND", "COMPLETED", ""
	putScan(t, s, rec)
	got, err := s.GetScan(t.Context(), rec.ScanID)
	if err != nil || got.Status != rec.Status {
		t.Errorf("GetScan after replacing = %+v, %v; want status %s", got, err, rec.Status)
	}
	if list, _, err := s.ListScans(t.Context(), store.ScanQuery{}); err != nil || len(list) != 1 {
		t.Errorf("ListScans after replacing = %d records, %v; want 1", len(list), err)
	}
}

func testScanPutInvalid(t *testing.T, s store.ScanStore) {
	for _, change := range []func(r *store.ScanRecord){
		func(r *store.ScanRecord) { r.ScanID = "" },
		func(r *store.ScanRecord) { r.Bucket = "" },
		func(r *store.ScanRecord) { r.Key = "" },
	} {
		rec := newScan(1, "b", "k", "NO_THREATS_FOUND", "COMPLETED")
		change(&rec)
		if err := s.PutScan(t.Context(), rec); err == nil {
			t.Errorf("PutScan(%+v) = nil, want an error", rec)
		}
	}
}

func testScanDone(t *testing.T, s store.ScanStore) {
	versioned := newScan(1, "b", "k", "THREATS_FOUND", "COMPLETED")
	versioned.VersionID = "v1"
	skipped := newScan(2, "b", "denied", "ACCESS_DENIED", "SKIPPED")
	failed := newScan(3, "b", "broken", "FAILED", "FAILED")
	putScan(t, s, versioned, skipped, failed)
	tests := []struct {
		bucket, key, version string
		want                 bool
	}{
		{"b", "k", "v1", true},
		{"b", "k", versioned.ETag, true}, // by ETag, as a poller sees it
		{"b", "k", "v2", false},          // a new version
		{"b", "denied", skipped.ETag, true},
		{"b", "broken", failed.ETag, false}, // failed scans are retried
		{"other", "k", "v1", false},
		{"b", "K", "v1", false},
		{"b", "k", "", false},
		{"b", "unversioned", "", false},
	}
	for _, tt := range tests {
		got, err := s.ScanDone(t.Context(), tt.bucket, tt.key, tt.version)
		if err != nil || got != tt.want {
			t.Errorf("ScanDone(%q, %q, %q) = %v, %v; want %v", tt.bucket, tt.key, tt.version, got, err, tt.want)
		}
	}
}
