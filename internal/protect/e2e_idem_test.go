package protect_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
)

// TestE2EIdempotence redelivers a notification (delivery is at least
// once): the object is not scanned again. Overwriting the object with the
// same content (same ETag, but S3 drops its tags) is scanned again.
func TestE2EIdempotence(t *testing.T) {
	plan := protect.Plan{ID: "p", Bucket: "test", Tagging: true}
	e := newEnv(t, []protect.Plan{plan})
	e.put(t, "test", "dir/obj.txt", []byte("hello world\n"), "") // the sample notification's object
	e.waitTag(t, "test", "dir/obj.txt")
	eventually(t, 5*time.Second, "record", func() bool { return len(scansOf(t, e.db, "test")) == 1 })

	body, err := os.ReadFile(filepath.Join("testdata", "s3-event-notification-versitygw-put.json"))
	if err != nil {
		t.Fatal(err)
	}
	etag := scanOf(t, e.db, "test", "dir/obj.txt").ETag
	// Events of the upload itself may still be counted (a slow run sees the
	// upload's own event while the first scan is in progress): count only
	// what the redeliveries add.
	scanned0, inProgress0 := e.ignored("already_scanned"), e.ignored("in_progress")
	body = bytes.ReplaceAll(body, []byte("8a8933dab8deebe52e30886da1ef6ee2"), []byte(etag))
	for range 3 {
		if code := post(t, e, body); code != http.StatusOK {
			t.Fatalf("POST redelivered notification = %d, want 200", code)
		}
	}
	eventually(t, 5*time.Second, "redeliveries ignored", func() bool {
		scanned, inProgress := e.ignored("already_scanned")-scanned0, e.ignored("in_progress")-inProgress0
		return scanned >= 1 && scanned+inProgress == 3
	})
	if n := e.scanner.scans("dir/obj.txt"); n != 1 {
		t.Errorf("scans after 3 redeliveries = %d, want 1", n)
	}

	e.put(t, "test", "dir/obj.txt", []byte("hello world\n"), "") // same content: tags are gone
	eventually(t, 10*time.Second, "rescan of the overwritten object", func() bool { return len(scansOf(t, e.db, "test")) == 2 })
	if got := e.waitTag(t, "test", "dir/obj.txt"); got != "NO_THREATS_FOUND" {
		t.Errorf("tag after overwrite = %q, want NO_THREATS_FOUND", got)
	}
}

// TestE2EPollerRestart polls a bucket of a server without notifications
// with two Protectors in turn over one SQLite file: each object is
// scanned once, whether it was there before the restart or came after.
func TestE2EPollerRestart(t *testing.T) {
	plan := protect.Plan{ID: "p", Bucket: "polled", Tagging: true, Prefixes: []string{"in/"}, PollInterval: 50 * time.Millisecond}
	e := newEnv(t, nil, "polled")
	e.handler.Store(nil) // notifications are not used
	path := filepath.Join(t.TempDir(), "vigil.db")
	for _, k := range []string{"in/a.txt", "in/b.txt", "in/sub/c.txt", "out/ignored.txt"} {
		e.put(t, "polled", k, []byte(k), "")
	}
	run := func(want int) {
		db := openStoreAt(t, path)
		e.db = db
		p := e.start(t, e.s3, []protect.Plan{plan})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			protect.NewPoller(protect.PollerOptions{Plans: []protect.Plan{plan}, S3: e.s3, Store: db}).Run(ctx, p.Deliver)
		}()
		eventually(t, 10*time.Second, "scans recorded", func() bool { return len(scansOf(t, db, "polled")) == want })
		time.Sleep(300 * time.Millisecond) // several more polls
		cancel()
		<-done
	}
	run(3)
	e.put(t, "polled", "in/d.txt", []byte("new"), "")
	run(4)
	for _, k := range []string{"in/a.txt", "in/b.txt", "in/sub/c.txt", "in/d.txt"} {
		if n := e.scanner.scans(k); n != 1 {
			t.Errorf("%s scanned %d times, want once", k, n)
		}
	}
	if n := e.scanner.scans("out/ignored.txt"); n != 0 {
		t.Errorf("object outside the plan's prefixes scanned %d times", n)
	}
}

// TestE2EOnDemand scans existing objects of a bucket without a plan.
func TestE2EOnDemand(t *testing.T) {
	e := newEnv(t, nil, "archive")
	e.handler.Store(nil)
	e.put(t, "archive", "2024/a.txt", []byte("a"), "")
	e.put(t, "archive", "2024/b.exe", append([]byte("b"), eicarMarker...), "")
	e.put(t, "archive", "2025/c.txt", []byte("c"), "")
	got := map[string]store.ScanRecord{}
	for rec, err := range e.p.ScanPrefix(t.Context(), "archive", "2024/", protect.OnDemand{Tagging: true}) {
		if err != nil {
			t.Fatalf("ScanPrefix = %v", err)
		}
		got[rec.Key] = rec
	}
	if len(got) != 2 || got["2024/b.exe"].Status != "THREATS_FOUND" || got["2024/a.txt"].Trigger != store.TriggerOnDemand ||
		got["2024/a.txt"].PlanID != protect.OnDemandPlanID {
		t.Errorf("ScanPrefix(archive, 2024/) = %+v", got)
	}
	if tag := e.tags(t, "archive", "2024/b.exe")[protect.TagKey]; tag != "THREATS_FOUND" {
		t.Errorf("tag after on-demand scan = %q, want THREATS_FOUND", tag)
	}
	f, _, err := e.db.ListFindings(t.Context(), findingsOfType(protect.FindingType))
	if err != nil || len(f) != 1 || f[0].Service.MalwareScanDetails.ScanType != protect.ScanTypeOnDemand {
		t.Errorf("findings = %+v, %v; want one ON_DEMAND finding", f, err)
	}
	for range e.p.ScanPrefix(t.Context(), "archive", "", protect.OnDemand{Workers: 1}) {
		break // stopping early must not hang or leak
	}
}
