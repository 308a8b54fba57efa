package protect_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
)

// TestE2ETagging is the scenario users try first, on a real S3 server:
// upload files and find the scan-status tag on them seconds later.
func TestE2ETagging(t *testing.T) {
	plan := protect.Plan{ID: "uploads-plan", Bucket: "uploads", Tagging: true}
	e := newEnv(t, []protect.Plan{plan})
	eicar := append([]byte("X5O!P%@AP[4\\PZX54(P^)7CC)7}$"), eicarMarker...)
	var tenTags []string
	for i := range 10 {
		tenTags = append(tenTags, fmt.Sprintf("t%d=v%d", i, i))
	}
	objects := []struct {
		key, tagging string
		body         []byte
		want         string
	}{
		{"eicar.com", "", eicar, "THREATS_FOUND"},
		{"clean.txt", "", []byte("hello"), "NO_THREATS_FOUND"},
		{"tagged.txt", "team=blue&GuardDutyMalwareScanStatus=stale", []byte("kept tags"), "NO_THREATS_FOUND"},
		{"with space/ü+plus 100%.txt", "", []byte("odd key"), "NO_THREATS_FOUND"},
		{"ten-tags.txt", strings.Join(tenTags, "&"), []byte("full"), ""},
		{"empty.txt", "", nil, "NO_THREATS_FOUND"},
	}
	for _, o := range objects {
		e.put(t, plan.Bucket, o.key, o.body, o.tagging)
	}
	for _, o := range objects {
		if o.want == "" {
			continue
		}
		if got := e.waitTag(t, plan.Bucket, o.key); got != o.want {
			t.Errorf("tag of %q = %q, want %q", o.key, got, o.want)
		}
	}
	if got := e.tags(t, plan.Bucket, "tagged.txt"); got["team"] != "blue" || len(got) != 2 {
		t.Errorf("tags of tagged.txt = %v, want team=blue kept and ours replaced", got)
	}
	eventually(t, 10*time.Second, "all objects recorded", func() bool { return len(scansOf(t, e.db, plan.Bucket)) >= len(objects) })

	full := scanOf(t, e.db, plan.Bucket, "ten-tags.txt")
	if full.Tagged || full.Status != "NO_THREATS_FOUND" || len(full.PostScanActions) != 1 ||
		!strings.HasPrefix(full.PostScanActions[0].Reason, protect.ReasonTagLimitExceeded) {
		t.Errorf("record of an object with 10 tags = %+v, want the result, not tagged, TAGGING failed with %s", full, protect.ReasonTagLimitExceeded)
	}
	if got := e.tags(t, plan.Bucket, "ten-tags.txt"); len(got) != 10 || got[protect.TagKey] != "" {
		t.Errorf("tags of an object with 10 tags = %v, want the 10 unchanged", got)
	}

	time.Sleep(time.Second) // let the tagging events of our own tags arrive
	for _, o := range objects {
		if n := e.scanner.scans(o.key); n != 1 {
			t.Errorf("%q scanned %d times, want once (our own tagging events must not cause rescans)", o.key, n)
		}
	}
	checkEicarOutputs(t, e, plan)
}

// checkEicarOutputs checks the record, finding and published event of the
// EICAR upload of TestE2ETagging.
func checkEicarOutputs(t *testing.T, e *env, plan protect.Plan) {
	rec := scanOf(t, e.db, plan.Bucket, "eicar.com")
	if rec.ScanStatus != "COMPLETED" || !rec.Tagged || rec.Trigger != store.TriggerPlan || rec.PlanID != plan.ID ||
		len(rec.Threats) != 1 || rec.Threats[0].Name != eicarThreat || rec.SHA256 == "" || rec.ETag == "" {
		t.Errorf("record of eicar.com = %+v", rec)
	}
	fs, _, err := e.db.ListFindings(t.Context(), finding.Query{TypePrefix: protect.FindingType})
	if err != nil || len(fs) != 1 {
		t.Fatalf("findings = %d, %v; want 1", len(fs), err)
	}
	f := fs[0]
	if f.Resource.ResourceType != "S3Object" || f.Service.MalwareScanDetails.ScanID != rec.ScanID ||
		f.Resource.S3BucketDetails[0].S3ObjectDetails[0].Hash != rec.SHA256 || f.Severity != 8 {
		t.Errorf("finding = %+v, want an S3Object finding of scan %s", f, rec.ScanID)
	}
	var ev protect.ScanResultEvent
	eventually(t, 5*time.Second, "the scan-result event of eicar.com posted", func() bool {
		for _, b := range e.published.all() {
			if json.Unmarshal(b, &ev) == nil && ev.Detail.S3ObjectDetails.ObjectKey == "eicar.com" {
				return true
			}
		}
		return false
	})
	d := ev.Detail
	if ev.DetailType != protect.ScanResultDetailType || ev.Resources[0] != e.p.PlanARN(plan.ID) || d.ScanStatus != "COMPLETED" ||
		d.ScanResultDetails.ScanResultStatus != "THREATS_FOUND" || d.ScanResultDetails.Threats[0].Name != eicarThreat ||
		d.S3ObjectDetails.ETag != rec.ETag {
		t.Errorf("published event = %+v", ev)
	}
}

// TestE2EMultipart checks that an object completed by a multipart upload,
// whose event says size 0, is read whole.
func TestE2EMultipart(t *testing.T) {
	plan := protect.Plan{ID: "p", Bucket: "multipart", Tagging: true}
	e := newEnv(t, []protect.Plan{plan})
	key := "big/archive.bin"
	body := append(make([]byte, 6<<20), eicarMarker...) // two parts; the marker is in the second
	up, err := e.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: &plan.Bucket, Key: &key})
	if err != nil {
		t.Fatalf("CreateMultipartUpload = %v", err)
	}
	parts := uploadParts(t, e, plan.Bucket, key, up.UploadId, body[:5<<20], body[5<<20:])
	_, err = e.s3.CompleteMultipartUpload(t.Context(), &s3.CompleteMultipartUploadInput{
		Bucket: &plan.Bucket, Key: &key, UploadId: up.UploadId, MultipartUpload: parts,
	})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload = %v", err)
	}
	if got := e.waitTag(t, plan.Bucket, key); got != "THREATS_FOUND" {
		t.Errorf("tag of the multipart object = %q, want THREATS_FOUND", got)
	}
	eventually(t, 5*time.Second, "record", func() bool { return len(scansOf(t, e.db, plan.Bucket)) == 1 })
	if rec := scanOf(t, e.db, plan.Bucket, key); rec.Size != int64(len(body)) || !strings.HasSuffix(rec.ETag, "-2") {
		t.Errorf("record size, ETag = %d, %q; want %d and a multipart ETag", rec.Size, rec.ETag, len(body))
	}
}
