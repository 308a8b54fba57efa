package protect_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
)

// TestScanUsage: every object scanned counts as one object evaluated;
// the bytes of those whose content was scanned count as bytes scanned, on
// the protector's account and region.
func TestScanUsage(t *testing.T) {
	s3 := newFakeS3()
	db := openStore(t)
	now := time.Date(2025, 7, 4, 23, 30, 0, 0, time.UTC)
	p, err := protect.New(protect.Options{
		S3: s3, Scanner: newFakeScanner(), Store: db, AccountID: "111122223333", Region: "eu-west-1",
		MaxObjectBytes: 1000, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	s3.put("b", "clean", bytes.Repeat([]byte("a"), 300))
	s3.put("b", "infected", append(bytes.Repeat([]byte("b"), 100), eicarMarker...))
	s3.put("b", "large", bytes.Repeat([]byte("c"), 1001)) // UNSUPPORTED without being read
	statuses := map[string]string{}
	for rec, err := range p.ScanPrefix(t.Context(), "b", "", protect.OnDemand{}) {
		if err != nil {
			t.Fatal(err)
		}
		statuses[rec.Key] = rec.Status
	}
	if diff := cmp.Diff(map[string]string{"clean": "NO_THREATS_FOUND", "infected": "THREATS_FOUND", "large": "UNSUPPORTED"}, statuses); diff != "" {
		t.Fatalf("scan results (-want +got):\n%s", diff)
	}
	got, err := db.ListUsage(t.Context(), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 7, 4, 0, 0, 0, 0, time.UTC)
	want := []store.UsageRecord{
		{Day: day, Account: "111122223333", Region: "eu-west-1", Dimension: "S3MalwareBytes", Amount: float64(300 + 100 + len(eicarMarker))},
		{Day: day, Account: "111122223333", Region: "eu-west-1", Dimension: "S3MalwareObjects", Amount: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

func TestVolumeUsage(t *testing.T) {
	done := time.Date(2025, 7, 5, 1, 2, 3, 0, time.FixedZone("CEST", 2*3600))
	got := protect.VolumeUsage(protect.VolumeScan{AccountID: "111122223333", Region: "us-west-2", Completed: done, Bytes: 5 << 30})
	want := store.UsageRecord{Day: done.UTC(), Account: "111122223333", Region: "us-west-2", Dimension: "EBSMalwareBytes", Amount: 5 << 30}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("VolumeUsage (-want +got):\n%s", diff)
	}
}
