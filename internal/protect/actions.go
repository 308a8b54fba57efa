package protect

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
	_, err := p.o.S3.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     &plan.QuarantineBucket,
		Key:        aws.String(plan.QuarantinePrefix + rec.Key),
		CopySource: aws.String(copySource(rec.Bucket, rec.Key, rec.VersionID)),
	})
	if err != nil {
		return actionError("CopyObject", err)
	}
	return p.deleteObject(ctx, rec)
}

// deleteObject deletes the scanned version (for a versioned object, the
// version itself rather than hiding it under a delete marker).
func (p *Protector) deleteObject(ctx context.Context, rec *store.ScanRecord) error {
	_, err := p.o.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: optional(rec.VersionID)})
	return actionError("DeleteObject", err)
}
