package protect

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/store"
)

// alreadyScanned reports whether the object version of ev was scanned to
// an end before (at-least-once delivery repeats events). An unversioned
// object overwritten with identical content has the same ETag but lost
// its tags, so when the plan tags, a version that is "done" whose tag is
// missing is scanned again.
func (p *Protector) alreadyScanned(ctx context.Context, plan *Plan, ev ObjectEvent) bool {
	version := ev.VersionID
	if version == "" {
		version = ev.ETag
	}
	done, err := p.o.Store.ScanDone(ctx, ev.Bucket, ev.Key, version)
	if err != nil {
		p.log.Error("cannot tell whether the object was scanned; scanning it", "bucket", ev.Bucket, "key", ev.Key, "err", err)
		return false
	}
	if !done || ev.VersionID != "" || !plan.Tagging {
		return done
	}
	out, err := p.o.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &ev.Bucket, Key: &ev.Key})
	if err != nil {
		return true // gone or unreadable: nothing to redo
	}
	_, tagged := tagValue(out.TagSet)
	return tagged || len(out.TagSet) >= MaxTags
}

// scan reads and scans one object, then tags it and applies the post-scan
// action; it returns the complete record.
func (p *Protector) scan(ctx context.Context, plan *Plan, ev ObjectEvent, trigger string, tagging bool) store.ScanRecord {
	rec := store.ScanRecord{
		ScanID: newUUID(), PlanID: plan.ID, Bucket: ev.Bucket, Key: ev.Key, VersionID: ev.VersionID,
		ETag: strings.Trim(ev.ETag, `"`), Size: ev.Size, StartedAt: p.o.Now(), Trigger: trigger,
	}
	gone := p.read(ctx, &rec)
	if !gone && tagging {
		p.tag(ctx, &rec)
	}
	if !gone && rec.Status == string(malware.ThreatsFound) {
		p.postScan(ctx, plan, &rec)
	}
	rec.ScanStatus = malware.Status(rec.Status).ScanStatus()
	rec.CompletedAt = p.o.Now()
	return rec
}

// read fetches the object and scans it, filling in the result. It
// reports whether the object no longer exists.
func (p *Protector) read(ctx context.Context, rec *store.ScanRecord) (gone bool) {
	if rec.Size == 0 || rec.ETag == "" { // multipart and copy events say size 0
		if err := p.head(ctx, rec); err != nil {
			return readFailed(rec, "HeadObject", err)
		}
	}
	if rec.Size > p.o.MaxObjectBytes {
		rec.Status = string(malware.Unsupported)
		rec.Reason = fmt.Sprintf("object of %d bytes is larger than the %d-byte limit", rec.Size, p.o.MaxObjectBytes)
		return false
	}
	out, err := p.o.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: optional(rec.VersionID)})
	if err != nil {
		return readFailed(rec, "GetObject", err)
	}
	defer out.Body.Close()
	identify(rec, aws.ToString(out.ETag), aws.ToString(out.VersionId), out.ContentLength)
	p.apply(rec, p.o.Scanner.Scan(ctx, rec.Key, out.Body, rec.Size))
	return false
}

func (p *Protector) head(ctx context.Context, rec *store.ScanRecord) error {
	out, err := p.o.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: optional(rec.VersionID)})
	if err != nil {
		return err
	}
	identify(rec, aws.ToString(out.ETag), aws.ToString(out.VersionId), out.ContentLength)
	return nil
}

// identify records what S3 says the object is: the content scanned is the
// one the response describes.
func identify(rec *store.ScanRecord, etag, versionID string, size *int64) {
	if etag != "" {
		rec.ETag = strings.Trim(etag, `"`)
	}
	if versionID != "" && versionID != "null" {
		rec.VersionID = versionID
	}
	if size != nil {
		rec.Size = *size
	}
}

// readFailed maps a failed HEAD or GET to a result: 403 is ACCESS_DENIED,
// 404 (object or bucket gone before the scan) is UNSUPPORTED, others are
// FAILED. It reports whether the object is gone.
func readFailed(rec *store.ScanRecord, op string, err error) bool {
	switch httpStatus(err) {
	case 403:
		rec.Status = string(malware.AccessDenied)
		rec.Reason = op + ": access denied: " + err.Error()
	case 404:
		rec.Status = string(malware.Unsupported)
		rec.Reason = op + ": object not found (deleted before the scan): " + err.Error()
		return true
	default:
		rec.Status = string(malware.Failed)
		rec.Reason = op + ": " + err.Error()
	}
	return false
}

// apply copies the scanner's result into the record.
func (p *Protector) apply(rec *store.ScanRecord, res malware.Result) {
	rec.Status, rec.Reason, rec.SHA256 = string(res.Status), res.Reason, res.SHA256
	if res.Status == "" {
		rec.Status, rec.Reason = string(malware.Failed), "the scanner returned no status"
	}
	for _, t := range res.Threats {
		rec.Threats = append(rec.Threats, store.ScanThreat{Name: t.Name, Path: t.Path, SHA256: t.SHA256, Engine: t.Engine})
	}
	p.m.bytes.Add(float64(max(res.Bytes, 0)))
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
