package protect_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestQuarantineMultipartCopy quarantines an object larger than one
// CopyObject allows (here CopyPartBytes is lowered to 5 MiB so a 12 MiB
// object takes three UploadPartCopy parts on a real S3 server): the copy
// is byte for byte, keeps the scan tag, and the original is deleted.
func TestQuarantineMultipartCopy(t *testing.T) {
	gw := versitygw.Start(t, versitygw.Options{})
	gw.CreateBucket(t, "src")
	gw.CreateBucket(t, "quarantine")
	body := bytes.Repeat([]byte("0123456789abcdef"), 12<<20/16)
	copy(body[7<<20:], eicarMarker)
	gw.Put(t, "src", "big.bin", body)
	db := openStore(t)
	scanner := newFakeScanner()
	plan := protect.Plan{ID: "p", Bucket: "src", Tagging: true, PostScanAction: protect.ActionQuarantine,
		QuarantineBucket: "quarantine", QuarantinePrefix: "q/"}
	p, err := protect.New(protect.Options{Plans: []protect.Plan{plan}, S3: gw.Client(), Scanner: scanner, Store: db,
		CopyPartBytes: 5 << 20, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	runUntilCleanup(t, func(ctx context.Context) { p.Run(ctx) })
	if err := p.Deliver(t.Context(), protect.ObjectEvent{Bucket: "src", Key: "big.bin", Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "scan recorded", func() bool { return len(scansOf(t, db, "src")) == 1 })
	rec := scanOf(t, db, "src", "big.bin")
	if rec.Status != "THREATS_FOUND" || len(rec.PostScanActions) != 2 || rec.PostScanActions[1].Status != protect.ActionCompleted {
		t.Fatalf("record = %s, actions %+v; want THREATS_FOUND, TAGGING and QUARANTINE completed", rec.Status, rec.PostScanActions)
	}
	c := gw.Client()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("quarantine"), Key: aws.String("q/big.bin")})
	if err != nil {
		t.Fatalf("quarantined copy: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("quarantined copy has %d bytes and differs from the original's %d", len(got), len(body))
	}
	tags, err := c.GetObjectTagging(t.Context(), &s3.GetObjectTaggingInput{Bucket: aws.String("quarantine"), Key: aws.String("q/big.bin")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "THREATS_FOUND" {
		t.Errorf("quarantined copy tags = %+v, %v; want GuardDutyMalwareScanStatus=THREATS_FOUND", tags, err)
	}
	if _, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("src"), Key: aws.String("big.bin")}); err == nil {
		t.Error("the original is still in the protected bucket")
	}
}
