package protect

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/store"
)

// TestActionFailedEvent checks GuardDuty's "Post Scan Action Failed"
// event: sent only when an action failed, with the failure code.
func TestActionFailedEvent(t *testing.T) {
	p := &Protector{o: Options{AccountID: "123456789012", Region: "us-east-1", Partition: "aws"}}
	rec := store.ScanRecord{
		ScanID: "s1", PlanID: "uploads", Bucket: "uploads", Key: "a b.txt", ETag: "abc", CompletedAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		PostScanActions: []store.PostScanAction{
			{Type: "TAGGING", Status: ActionFailed, Reason: ReasonTagLimitExceeded + ": object has 10 tags"},
			{Type: "QUARANTINE", Status: ActionCompleted},
			{Type: "DELETE", Status: ActionFailed, Reason: "something odd"},
		},
	}
	ev, ok := p.ActionFailedEvent(rec)
	if !ok {
		t.Fatal("ActionFailedEvent = false, want an event")
	}
	b, _ := json.Marshal(ev)
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{
		"version": "0", "id": ev.ID, "detail-type": "GuardDuty Malware Protection Post Scan Action Failed",
		"source": "aws.guardduty", "account": "123456789012", "time": "2026-11-25T10:00:00Z", "region": "us-east-1",
		"resources": []any{"arn:aws:guardduty:us-east-1:123456789012:malware-protection-plan/uploads"},
		"detail": map[string]any{
			"schemaVersion": "1.0", "resourceType": "S3_OBJECT",
			"s3ObjectDetails": map[string]any{"bucketName": "uploads", "objectKey": "a b.txt", "eTag": "abc", "s3Throttled": false},
			"postScanActions": []any{
				map[string]any{"actionType": "TAGGING", "failureReason": "TAG_LIMIT_EXCEEDED"},
				map[string]any{"actionType": "DELETE", "failureReason": "INTERNAL_ERROR"},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event JSON (-want +got):\n%s", diff)
	}
	rec.PostScanActions = rec.PostScanActions[1:2]
	if _, ok := p.ActionFailedEvent(rec); ok {
		t.Error("ActionFailedEvent = true for a record whose actions all completed")
	}
}
