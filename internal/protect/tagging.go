package protect

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/store"
)

// TagKey is the object tag that carries the scan result, as GuardDuty
// writes it; bucket policies test it.
const TagKey = "GuardDutyMalwareScanStatus"

// MaxTags is S3's limit of tags on one object.
const MaxTags = 10

// Post-scan action types and statuses in store.PostScanAction.
const (
	ActionTypeTagging    = "TAGGING"
	ActionTypeQuarantine = "QUARANTINE"
	ActionTypeDelete     = "DELETE"
	ActionCompleted      = "COMPLETED"
	ActionFailed         = "FAILED"
)

// Failure reason codes of post-scan actions; the reason text starts with
// one of them.
const (
	ReasonAccessDenied     = "ACCESS_DENIED"
	ReasonNotFound         = "RESOURCE_NOT_FOUND"
	ReasonTagLimitExceeded = "TAG_LIMIT_EXCEEDED"
	ReasonInternalError    = "INTERNAL_ERROR"
)

var errTagLimit = errors.New(ReasonTagLimitExceeded + ": the object already has 10 tags; no tag written")

// tag writes the result tag, keeping the object's other tags, and records
// the action.
func (p *Protector) tag(ctx context.Context, rec *store.ScanRecord) {
	err := p.writeTag(ctx, rec)
	rec.Tagged = err == nil
	p.recordAction(rec, ActionTypeTagging, err)
}

func (p *Protector) writeTag(ctx context.Context, rec *store.ScanRecord) error {
	v := optional(rec.VersionID)
	out, err := p.o.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &rec.Bucket, Key: &rec.Key, VersionId: v})
	if err != nil {
		return actionError("GetObjectTagging", err)
	}
	tags, ok := mergeTag(out.TagSet, rec.Status)
	if !ok {
		return errTagLimit
	}
	_, err = p.o.S3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket: &rec.Bucket, Key: &rec.Key, VersionId: v, Tagging: &types.Tagging{TagSet: tags},
	})
	return actionError("PutObjectTagging", err)
}

// mergeTag returns tags with TagKey set to value: replaced if present,
// else added. It returns false, and writes nothing, when the object has
// MaxTags tags and none is ours.
func mergeTag(tags []types.Tag, value string) ([]types.Tag, bool) {
	out := make([]types.Tag, 0, len(tags)+1)
	found := false
	for _, t := range tags {
		if t.Key != nil && *t.Key == TagKey {
			if found {
				continue // a duplicate would be refused
			}
			found = true
			t = types.Tag{Key: t.Key, Value: &value}
		}
		out = append(out, t)
	}
	if found {
		return out, true
	}
	if len(out) >= MaxTags {
		return nil, false
	}
	key := TagKey
	return append(out, types.Tag{Key: &key, Value: &value}), true
}

// tagValue returns the value of our tag in tags.
func tagValue(tags []types.Tag) (string, bool) {
	for _, t := range tags {
		if t.Key != nil && *t.Key == TagKey {
			if t.Value == nil {
				return "", true
			}
			return *t.Value, true
		}
	}
	return "", false
}

// actionError returns nil for nil, else err prefixed with the reason code
// its HTTP status maps to.
func actionError(op string, err error) error {
	if err == nil {
		return nil
	}
	code := ReasonInternalError
	switch httpStatus(err) {
	case 403:
		code = ReasonAccessDenied
	case 404:
		code = ReasonNotFound
	}
	return &codedError{code: code, op: op, err: err}
}

type codedError struct {
	code, op string
	err      error
}

func (e *codedError) Error() string { return e.code + ": " + e.op + ": " + e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// recordAction appends an action and its outcome to the record.
func (p *Protector) recordAction(rec *store.ScanRecord, typ string, err error) {
	a := store.PostScanAction{Type: typ, Status: ActionCompleted}
	if err != nil {
		a.Status, a.Reason = ActionFailed, err.Error()
		p.m.actionFailed(typ)
		p.log.Warn("post-scan action failed", "action", typ, "bucket", rec.Bucket, "key", rec.Key, "scan_id", rec.ScanID, "err", err)
	}
	rec.PostScanActions = append(rec.PostScanActions, a)
}
