package protect

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/store"
)

// postScan applies the plan's action to an object with threats: delete
// it, or copy it (tags included) to the quarantine bucket under the
// quarantine prefix and the same key, then delete it. A failed copy leaves
// the object in place.
func (p *Protector) postScan(ctx context.Context, plan *Plan, rec *store.ScanRecord) {
	switch plan.PostScanAction {
	case ActionQuarantine:
		p.recordAction(rec, ActionTypeQuarantine, p.quarantine(ctx, plan, rec))
	case ActionDelete:
		p.recordAction(rec, ActionTypeDelete, p.deleteObject(ctx, rec))
	}
}

func (p *Protector) quarantine(ctx context.Context, plan *Plan, rec *store.ScanRecord) error {
	dst := aws.String(plan.QuarantinePrefix + rec.Key)
	src := aws.String(copySource(rec.Bucket, rec.Key, rec.VersionID))
	if rec.Size > p.o.CopyPartBytes {
		if err := p.copyInParts(ctx, &plan.QuarantineBucket, dst, src, rec); err != nil {
			return err
		}
	} else if _, err := p.o.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &plan.QuarantineBucket, Key: dst, CopySource: src}); err != nil {
		return actionError("CopyObject", err)
	}
	return p.deleteObject(ctx, rec)
}

// copyInParts copies an object too large for one CopyObject with a
// multipart upload of UploadPartCopy ranges, then copies its tags (which a
// multipart copy does not carry). A failure aborts the upload.
func (p *Protector) copyInParts(ctx context.Context, bucket, key, src *string, rec *store.ScanRecord) (err error) {
	up, err := p.o.S3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	if err != nil {
		return actionError("CreateMultipartUpload", err)
	}
	defer func() {
		if err != nil {
			p.o.S3.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: bucket, Key: key, UploadId: up.UploadId})
		}
	}()
	var parts []types.CompletedPart
	for off, n := int64(0), int32(1); off < rec.Size; off, n = off+p.o.CopyPartBytes, n+1 {
		end := min(off+p.o.CopyPartBytes, rec.Size) - 1
		out, err := p.o.S3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: bucket, Key: key, UploadId: up.UploadId,
			PartNumber: aws.Int32(n), CopySource: src, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
		if err != nil {
			return actionError("UploadPartCopy", err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.CopyPartResult.ETag})
	}
	if _, err = p.o.S3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key,
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		return actionError("CompleteMultipartUpload", err)
	}
	tags, err := p.o.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: optional(rec.VersionID)})
	if err != nil {
		return actionError("GetObjectTagging", err)
	}
	if len(tags.TagSet) > 0 {
		if _, err = p.o.S3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: bucket, Key: key,
			Tagging: &types.Tagging{TagSet: tags.TagSet}}); err != nil {
			return actionError("PutObjectTagging", err)
		}
	}
	return nil
}

// deleteObject deletes the scanned version (for a versioned object, the
// version itself rather than hiding it under a delete marker).
func (p *Protector) deleteObject(ctx context.Context, rec *store.ScanRecord) error {
	_, err := p.o.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: optional(rec.VersionID)})
	return actionError("DeleteObject", err)
}
