package protect_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// TestPendingEventsSurviveACrash accepts object events, "crashes" before
// scanning them (the Protector never runs), and checks that a new
// Protector over the same store scans them at start, then forgets them.
func TestPendingEventsSurviveACrash(t *testing.T) {
	plan := protect.Plan{ID: "p", Bucket: "b"}
	u := newUnit(t, 10, plan)
	for _, k := range []string{"one.txt", "two.txt", "three.txt"} {
		u.s3.put("b", k, []byte("content of "+k))
		if err := u.deliver(t, "b", k); err != nil {
			t.Fatalf("Deliver(%s) = %v", k, err)
		}
	}
	db := u.db.(*sqlite.DB)
	if pend, err := db.ListPending(t.Context()); err != nil || len(pend) != 3 {
		t.Fatalf("pending after Deliver = %d, %v; want 3", len(pend), err)
	}

	// The first Protector is gone without having run: a crash.
	scanner := newFakeScanner()
	p2, err := protect.New(protect.Options{Plans: []protect.Plan{plan}, S3: u.s3, Scanner: scanner, Store: db, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p2.Run(ctx) }()
	eventually(t, 10*time.Second, "the pending events scanned", func() bool { return scanner.total() == 3 })
	eventually(t, 10*time.Second, "the pending events forgotten", func() bool {
		pend, err := db.ListPending(t.Context())
		return err == nil && len(pend) == 0
	})
	cancel()
	<-done
	recs, _, err := db.ListScans(t.Context(), store.ScanQuery{Bucket: "b"})
	if err != nil || len(recs) != 3 {
		t.Errorf("scan records = %d, %v; want 3", len(recs), err)
	}
}
