package protect_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/protect"
)

func uploadParts(t *testing.T, e *env, bucket, key string, uploadID *string, chunks ...[]byte) *types.CompletedMultipartUpload {
	t.Helper()
	done := &types.CompletedMultipartUpload{}
	for i, c := range chunks {
		n := int32(i + 1)
		out, err := e.s3.UploadPart(t.Context(), &s3.UploadPartInput{
			Bucket: &bucket, Key: &key, UploadId: uploadID, PartNumber: &n, Body: bytes.NewReader(c),
		})
		if err != nil {
			t.Fatalf("UploadPart(%d) = %v", n, err)
		}
		done.Parts = append(done.Parts, types.CompletedPart{ETag: out.ETag, PartNumber: &n})
	}
	return done
}

// TestE2EPostScanActions checks quarantine and delete, applied to objects
// with threats only.
func TestE2EPostScanActions(t *testing.T) {
	quarantine := protect.Plan{ID: "q", Bucket: "q-src", Tagging: true, PostScanAction: protect.ActionQuarantine,
		QuarantineBucket: "quarantine", QuarantinePrefix: "infected/"}
	del := protect.Plan{ID: "d", Bucket: "d-src", Tagging: true, PostScanAction: protect.ActionDelete}
	e := newEnv(t, []protect.Plan{quarantine, del}, "quarantine")
	bad := append([]byte("bad "), eicarMarker...)
	e.put(t, "q-src", "dir/bad ü+file.exe", bad, "")
	e.put(t, "q-src", "good.txt", []byte("good"), "")
	e.put(t, "d-src", "bad.exe", bad, "")
	e.put(t, "d-src", "good.txt", []byte("good"), "")

	eventually(t, 10*time.Second, "records", func() bool { return len(scansOf(t, e.db, "q-src")) == 2 })
	rec := scanOf(t, e.db, "q-src", "dir/bad ü+file.exe")
	if len(rec.PostScanActions) != 2 || rec.PostScanActions[1].Type != protect.ActionTypeQuarantine ||
		rec.PostScanActions[1].Status != protect.ActionCompleted {
		t.Fatalf("quarantine record actions = %+v, want TAGGING then QUARANTINE completed", rec.PostScanActions)
	}
	eventually(t, 10*time.Second, "quarantined copy", func() bool {
		return e.tags(t, "quarantine", "infected/dir/bad ü+file.exe")[protect.TagKey] == "THREATS_FOUND"
	})
	eventually(t, 10*time.Second, "infected objects removed", func() bool {
		return !e.exists(t, "q-src", "dir/bad ü+file.exe") && !e.exists(t, "d-src", "bad.exe")
	})
	for _, b := range []string{"q-src", "d-src"} {
		if got := e.waitTag(t, b, "good.txt"); got != "NO_THREATS_FOUND" {
			t.Errorf("s3://%s/good.txt tag = %q, want NO_THREATS_FOUND (and kept)", b, got)
		}
	}
	eventually(t, 5*time.Second, "records", func() bool { return len(scansOf(t, e.db, "d-src")) == 2 })
	if rec := scanOf(t, e.db, "d-src", "bad.exe"); rec.PostScanActions[1].Type != protect.ActionTypeDelete ||
		rec.PostScanActions[1].Status != protect.ActionCompleted {
		t.Errorf("delete record actions = %+v, want TAGGING then DELETE completed", rec.PostScanActions)
	}
	if n := len(scansOf(t, e.db, "quarantine")); n != 0 {
		t.Errorf("quarantine bucket scans = %d, want 0 (no plan covers it)", n)
	}
}

// TestE2EAccessDenied makes the Protector's credentials wrong: versitygw
// answers 403 to every request, exactly what S3 says to a role without
// s3:GetObject, so the object is ACCESS_DENIED (scan status SKIPPED) and
// never read. A plan on a bucket that does not exist gets 404 instead: the
// object is gone, and the scan is SKIPPED as UNSUPPORTED.
func TestE2EAccessDenied(t *testing.T) {
	plan := protect.Plan{ID: "p", Bucket: "locked", Tagging: true}
	e := newEnv(t, []protect.Plan{plan})
	wrong := *e.gw
	wrong.SecretKey = "not-the-secret"
	denied := e.start(t, wrong.Client(), []protect.Plan{plan})
	h := protect.WebhookHandler(denied.Deliver, protect.KeyRaw, nil)
	e.handler.Store(&h)

	e.put(t, plan.Bucket, "secret.txt", []byte("x"), "")
	eventually(t, 10*time.Second, "record", func() bool { return len(scansOf(t, e.db, plan.Bucket)) == 1 })
	rec := scanOf(t, e.db, plan.Bucket, "secret.txt")
	if rec.Status != "ACCESS_DENIED" || rec.ScanStatus != "SKIPPED" || rec.Tagged || e.scanner.total() != 0 ||
		!strings.HasPrefix(rec.PostScanActions[0].Reason, protect.ReasonAccessDenied) {
		t.Errorf("record = %+v (scans %d), want ACCESS_DENIED, SKIPPED, not read, tagging failed with ACCESS_DENIED", rec, e.scanner.total())
	}

	body, _ := os.ReadFile(filepath.Join("testdata", "s3-event-notification-versitygw-put.json"))
	body = bytes.ReplaceAll(body, []byte(`"name": "test"`), []byte(`"name": "no-such-bucket"`))
	gone := e.start(t, e.s3, []protect.Plan{{ID: "gone", Bucket: "no-such-bucket"}})
	h = protect.WebhookHandler(gone.Deliver, protect.KeyRaw, nil)
	e.handler.Store(&h)
	if code := post(t, e, body); code != http.StatusOK {
		t.Fatalf("POST notification = %d, want 200", code)
	}
	eventually(t, 10*time.Second, "record", func() bool { return len(scansOf(t, e.db, "no-such-bucket")) == 1 })
	if rec := scanOf(t, e.db, "no-such-bucket", "dir/obj.txt"); rec.Status != "UNSUPPORTED" || rec.ScanStatus != "SKIPPED" {
		t.Errorf("record of an object in a missing bucket = %+v, want UNSUPPORTED, SKIPPED", rec)
	}
}

// post sends a notification to the env's webhook handler.
func post(t *testing.T, e *env, body []byte) int {
	t.Helper()
	rec := newRecorder()
	(*e.handler.Load()).ServeHTTP(rec, newPost(body))
	return rec.Code
}
