package protect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
)

// unit is a Protector over the fake S3, not running until run is called.
type unit struct {
	s3      *fakeS3
	db      store.ScanStore
	scanner *fakeScanner
	reg     *prometheus.Registry
	p       *protect.Protector
}

func newUnit(t *testing.T, queue int, plans ...protect.Plan) *unit {
	t.Helper()
	u := &unit{s3: newFakeS3(), scanner: newFakeScanner(), reg: prometheus.NewRegistry()}
	db := openStore(t)
	u.db = db
	p, err := protect.New(protect.Options{
		Plans: plans, S3: u.s3, Scanner: u.scanner, Store: db, QueueSize: queue, Registerer: u.reg, Workers: 2,
	})
	if err != nil {
		t.Fatalf("protect.New = %v", err)
	}
	u.p = p
	return u
}

func (u *unit) deliver(t *testing.T, bucket, key string) error {
	t.Helper()
	return u.p.Deliver(t.Context(), protect.ObjectEvent{Bucket: bucket, Key: key, ETag: "e-" + key, Size: 1})
}

func TestDeliverQueue(t *testing.T) {
	u := newUnit(t, 2, protect.Plan{ID: "p", Bucket: "b", Prefixes: []string{"in/"}})
	steps := []struct {
		bucket, key string
		want        error
	}{
		{"b", "out/x", nil},    // no plan: ignored
		{"other", "in/x", nil}, // no plan: ignored
		{"b", "in/1", nil},
		{"b", "in/1", nil}, // already queued: ignored
		{"b", "in/2", nil},
		{"b", "in/3", protect.ErrQueueFull},
	}
	for _, s := range steps {
		if err := u.deliver(t, s.bucket, s.key); !errors.Is(err, s.want) {
			t.Errorf("Deliver(%s/%s) = %v, want %v", s.bucket, s.key, err, s.want)
		}
	}
	for reason, want := range map[string]float64{"no_plan": 2, "in_progress": 1, "queue_full": 1} {
		if got := gather(u.reg, "vigil_malware_events_ignored_total", "reason", reason); got != want {
			t.Errorf("events ignored for %s = %v, want %v", reason, got, want)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := u.p.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if err := u.deliver(t, "b", "in/4"); !errors.Is(err, protect.ErrStopped) {
		t.Errorf("Deliver after Run = %v, want ErrStopped", err)
	}
	if err := u.p.Run(t.Context()); err == nil {
		t.Errorf("second Run = nil, want an error")
	}
}

// TestScanFailures checks the results of S3 failures the real server
// will not produce on demand.
func TestScanFailures(t *testing.T) {
	tests := []struct {
		name                 string
		op                   string
		status               int
		wantStatus, wantScan string
		wantTagged           bool
		wantRead             bool
	}{
		{"GET 500", "GetObject", 500, "FAILED", "FAILED", true, false},
		{"GET 403", "GetObject", 403, "ACCESS_DENIED", "SKIPPED", true, false},
		{"HEAD 403", "HeadObject", 403, "ACCESS_DENIED", "SKIPPED", true, false},
		{"HEAD 404", "HeadObject", 404, "UNSUPPORTED", "SKIPPED", false, false},
		{"tagging denied", "PutObjectTagging", 403, "NO_THREATS_FOUND", "COMPLETED", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := protect.Plan{ID: "p", Bucket: "b", Tagging: true}
			u := newUnit(t, 10, plan)
			body := []byte("content")
			if tt.op == "HeadObject" {
				body = nil // listed with size 0: the object is HEADed first
			}
			u.s3.put("b", "k", body)
			u.s3.failWith(tt.op, tt.status)
			var rec store.ScanRecord
			for r, err := range u.p.ScanPrefix(t.Context(), "b", "", protect.OnDemand{Tagging: true}) {
				if err != nil {
					t.Fatalf("ScanPrefix = %v", err)
				}
				rec = r
			}
			if rec.Status != tt.wantStatus || rec.ScanStatus != tt.wantScan || rec.Tagged != tt.wantTagged ||
				(u.scanner.total() == 1) != tt.wantRead {
				t.Errorf("record = %+v, read %d times; want %s/%s, tagged %v, read %v",
					rec, u.scanner.total(), tt.wantStatus, tt.wantScan, tt.wantTagged, tt.wantRead)
			}
			done, _ := u.db.ScanDone(t.Context(), "b", "k", rec.ETag)
			if done != (tt.wantScan != "FAILED") {
				t.Errorf("ScanDone after %s = %v; failed scans must be retried, others not", tt.wantScan, done)
			}
		})
	}
}

// TestRunRetriesFailedScan: a FAILED scan is not "done", so the
// redelivered event scans the object again.
func TestRunRetriesFailedScan(t *testing.T) {
	u := newUnit(t, 10, protect.Plan{ID: "p", Bucket: "b"})
	u.s3.put("b", "k", []byte("content"))
	u.s3.failWith("GetObject", 500)
	runUntilCleanup(t, func(ctx context.Context) { u.p.Run(ctx) })
	ev := protect.ObjectEvent{Bucket: "b", Key: "k", ETag: "9a0364b9e99bb480dd25e1f0284c8555", Size: 7}
	if err := u.p.Deliver(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "failed scan recorded", func() bool { return len(scansOf(t, u.db, "b")) == 1 })
	u.s3.failWith("GetObject", 0)
	eventually(t, 5*time.Second, "redelivery accepted", func() bool { return u.p.Deliver(t.Context(), ev) == nil })
	eventually(t, 5*time.Second, "second scan recorded", func() bool { return len(scansOf(t, u.db, "b")) == 2 })
	statuses := map[string]bool{}
	for _, r := range scansOf(t, u.db, "b") {
		statuses[r.Status] = true
		if r.Status == "FAILED" && !strings.Contains(r.Reason, "GetObject") {
			t.Errorf("FAILED record reason = %q, want it to name GetObject", r.Reason)
		}
	}
	if !statuses["FAILED"] || !statuses["NO_THREATS_FOUND"] {
		t.Errorf("records = %+v, want one FAILED and one NO_THREATS_FOUND", scansOf(t, u.db, "b"))
	}
}
