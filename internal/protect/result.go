package protect

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// ScanResultDetailType is the EventBridge detail-type of scan results.
const ScanResultDetailType = "GuardDuty Malware Protection Object Scan Result"

// PostScanActionFailedDetailType is the EventBridge detail-type of the
// event GuardDuty sends when tagging (or another post-scan action) fails.
const PostScanActionFailedDetailType = "GuardDuty Malware Protection Post Scan Action Failed"

// Event is a GuardDuty event as EventBridge delivers it; Vigil sends it to
// webhooks and NATS as JSON.
type Event[D any] struct {
	Version    string   `json:"version"` // "0"
	ID         string   `json:"id"`      // a UUID, the same when one scan's event is sent again
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"` // "aws.guardduty"
	Account    string   `json:"account"`
	Time       string   `json:"time"` // RFC 3339, seconds, UTC
	Region     string   `json:"region"`
	Resources  []string `json:"resources"` // the plan's ARN
	Detail     D        `json:"detail"`
}

// ScanResultEvent is GuardDuty's "Object Scan Result" event.
type ScanResultEvent = Event[ScanResultDetail]

// PostScanActionFailedEvent is GuardDuty's "Post Scan Action Failed" event.
type PostScanActionFailedEvent = Event[PostScanActionFailedDetail]

// PostScanActionFailedDetail names the object and the actions that failed.
type PostScanActionFailedDetail struct {
	SchemaVersion   string          `json:"schemaVersion"` // "1.0"
	ResourceType    string          `json:"resourceType"`  // "S3_OBJECT"
	S3ObjectDetails S3ObjectDetails `json:"s3ObjectDetails"`
	PostScanActions []FailedAction  `json:"postScanActions"`
}

// FailedAction is one failed post-scan action: actionType TAGGING,
// QUARANTINE or DELETE, failureReason such as ACCESS_DENIED or
// TAG_LIMIT_EXCEEDED.
type FailedAction struct {
	ActionType    string `json:"actionType"`
	FailureReason string `json:"failureReason"`
}

// ScanResultDetail is the detail of a ScanResultEvent.
type ScanResultDetail struct {
	SchemaVersion     string            `json:"schemaVersion"` // "1.0"
	ScanStatus        string            `json:"scanStatus"`    // COMPLETED, SKIPPED, FAILED
	ResourceType      string            `json:"resourceType"`  // "S3_OBJECT"
	S3ObjectDetails   S3ObjectDetails   `json:"s3ObjectDetails"`
	ScanResultDetails ScanResultDetails `json:"scanResultDetails"`
}

// S3ObjectDetails names the scanned object.
type S3ObjectDetails struct {
	BucketName  string `json:"bucketName"`
	ObjectKey   string `json:"objectKey"`
	ETag        string `json:"eTag"`
	VersionID   string `json:"versionId,omitempty"`
	S3Throttled bool   `json:"s3Throttled"`
}

// ScanResultDetails is the result; Threats is null when none were found.
type ScanResultDetails struct {
	ScanResultStatus string       `json:"scanResultStatus"`
	Threats          []ThreatName `json:"threats"`
}

// ThreatName names one threat found.
type ThreatName struct {
	Name string `json:"name"`
}

// Publisher sends scan-result events somewhere (a webhook, a NATS
// subject). event is the JSON of a ScanResultEvent; its "id" is the same
// each time one scan's event is sent, so a receiver can drop repeats.
// Publish may retry within ctx; it must be safe for concurrent use.
type Publisher interface {
	Publish(ctx context.Context, event []byte) error
}

// ResultEvent returns the scan-result event of a scan record.
func (p *Protector) ResultEvent(rec store.ScanRecord) ScanResultEvent {
	var threats []ThreatName
	for _, name := range distinctThreatNames(rec.Threats) {
		threats = append(threats, ThreatName{Name: name})
	}
	return ScanResultEvent{
		Version: "0", ID: eventUUID(rec.ScanID), DetailType: ScanResultDetailType, Source: "aws.guardduty",
		Account: p.o.AccountID, Time: rec.CompletedAt.UTC().Format(time.RFC3339), Region: p.o.Region,
		Resources: []string{p.PlanARN(rec.PlanID)},
		Detail: ScanResultDetail{
			SchemaVersion: "1.0", ScanStatus: rec.ScanStatus, ResourceType: "S3_OBJECT",
			S3ObjectDetails: S3ObjectDetails{
				BucketName: rec.Bucket, ObjectKey: rec.Key, ETag: rec.ETag, VersionID: rec.VersionID,
			},
			ScanResultDetails: ScanResultDetails{ScanResultStatus: rec.Status, Threats: threats},
		},
	}
}

// ActionFailedEvent returns the "Post Scan Action Failed" event of a scan
// record, and false when no post-scan action failed.
func (p *Protector) ActionFailedEvent(rec store.ScanRecord) (PostScanActionFailedEvent, bool) {
	var failed []FailedAction
	for _, a := range rec.PostScanActions {
		if a.Status == ActionFailed {
			failed = append(failed, FailedAction{ActionType: a.Type, FailureReason: failureCode(a.Reason)})
		}
	}
	if len(failed) == 0 {
		return PostScanActionFailedEvent{}, false
	}
	return PostScanActionFailedEvent{
		Version: "0", ID: eventUUID("post-scan-action\x00" + rec.ScanID), DetailType: PostScanActionFailedDetailType,
		Source: "aws.guardduty", Account: p.o.AccountID, Time: rec.CompletedAt.UTC().Format(time.RFC3339),
		Region: p.o.Region, Resources: []string{p.PlanARN(rec.PlanID)},
		Detail: PostScanActionFailedDetail{
			SchemaVersion: "1.0", ResourceType: "S3_OBJECT", PostScanActions: failed,
			S3ObjectDetails: S3ObjectDetails{BucketName: rec.Bucket, ObjectKey: rec.Key, ETag: rec.ETag, VersionID: rec.VersionID},
		},
	}, true
}

// failureCode takes the code a failed action's reason starts with
// ("ACCESS_DENIED: put tagging: ..."), or INTERNAL_ERROR.
func failureCode(reason string) string {
	code, _, _ := strings.Cut(reason, ":")
	if code == "" || strings.TrimLeft(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" {
		return "INTERNAL_ERROR"
	}
	return code
}

// threatNames returns the distinct threat names, in order of detection.
func distinctThreatNames(ts []store.ScanThreat) []string {
	var names []string
	seen := map[string]bool{}
	for _, t := range ts {
		if !seen[t.Name] {
			seen[t.Name] = true
			names = append(names, t.Name)
		}
	}
	return names
}

// report stores the record and the finding, counts the scan and hands
// the result event to publish.
func (p *Protector) report(ctx context.Context, plan *Plan, rec store.ScanRecord, publish func(context.Context, any)) {
	if err := p.o.Store.PutScan(ctx, rec); err != nil {
		p.log.Error("cannot record scan", "scan_id", rec.ScanID, "err", err)
	}
	if f, ok := p.finding(rec); ok {
		if _, err := p.o.Store.UpsertFindings(ctx, f); err != nil {
			p.log.Error("cannot store finding", "scan_id", rec.ScanID, "err", err)
		}
	}
	p.m.scanned(rec)
	p.meter(ctx, rec)
	p.log.Info("object scanned", "plan", plan.ID, "bucket", rec.Bucket, "key", rec.Key, "version", rec.VersionID,
		"status", rec.Status, "scan_status", rec.ScanStatus, "threats", len(rec.Threats), "reason", rec.Reason,
		"tagged", rec.Tagged, "scan_id", rec.ScanID, "trigger", rec.Trigger)
	if len(p.o.Publishers) > 0 {
		publish(ctx, p.ResultEvent(rec))
		if ev, ok := p.ActionFailedEvent(rec); ok {
			publish(ctx, ev)
		}
	}
}

// enqueueResult hands an event to the publish loop; a full backlog drops
// it (counted and logged): the record in the store keeps the result.
func (p *Protector) enqueueResult(_ context.Context, ev any) {
	select {
	case p.results <- ev:
	default:
		p.m.published.WithLabelValues(publishDropped).Inc()
		p.log.Warn("scan-result backlog full; event dropped")
	}
}

func (p *Protector) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-p.results:
			p.publishNow(ctx, ev)
		}
	}
}

// publishNow sends ev to every publisher.
func (p *Protector) publishNow(ctx context.Context, ev any) {
	body, err := json.Marshal(ev)
	if err != nil {
		p.log.Error("cannot encode scan result", "err", err) // cannot happen: strings and bools
		return
	}
	for _, pub := range p.o.Publishers {
		if err := pub.Publish(ctx, body); err != nil {
			p.m.published.WithLabelValues(publishFailed).Inc()
			p.log.Warn("cannot publish scan result", "publisher", publisherName(pub), "err", err)
			continue
		}
		p.m.published.WithLabelValues(publishSent).Inc()
	}
}

// eventUUID derives the event id from the scan id, in UUID form, so that
// republishing one scan's result carries the same id.
func eventUUID(scanID string) string {
	b := sha256.Sum256([]byte("vigil scan result event\x00" + scanID))
	b[6] = b[6]&0x0f | 0x50 // version 5 layout (name-based, SHA)
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
