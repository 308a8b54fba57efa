package protect

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// ScanResultDetailType is the EventBridge detail-type of scan results.
const ScanResultDetailType = "GuardDuty Malware Protection Object Scan Result"

// ScanResultEvent is GuardDuty's "Object Scan Result" event as EventBridge
// delivers it; Vigil sends it to webhooks and NATS as JSON.
type ScanResultEvent struct {
	Version    string           `json:"version"` // "0"
	ID         string           `json:"id"`      // a UUID, new for each event
	DetailType string           `json:"detail-type"`
	Source     string           `json:"source"` // "aws.guardduty"
	Account    string           `json:"account"`
	Time       string           `json:"time"` // RFC 3339, seconds, UTC
	Region     string           `json:"region"`
	Resources  []string         `json:"resources"` // the plan's ARN
	Detail     ScanResultDetail `json:"detail"`
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
func (p *Protector) report(ctx context.Context, plan *Plan, rec store.ScanRecord, publish func(context.Context, ScanResultEvent)) {
	if err := p.o.Store.PutScan(ctx, rec); err != nil {
		p.log.Error("cannot record scan", "scan_id", rec.ScanID, "err", err)
	}
	if f, ok := p.finding(rec); ok {
		if _, err := p.o.Store.UpsertFindings(ctx, f); err != nil {
			p.log.Error("cannot store finding", "scan_id", rec.ScanID, "err", err)
		}
	}
	p.m.scanned(rec)
	p.log.Info("object scanned", "plan", plan.ID, "bucket", rec.Bucket, "key", rec.Key, "version", rec.VersionID,
		"status", rec.Status, "scan_status", rec.ScanStatus, "threats", len(rec.Threats), "reason", rec.Reason,
		"tagged", rec.Tagged, "scan_id", rec.ScanID, "trigger", rec.Trigger)
	if len(p.o.Publishers) > 0 {
		publish(ctx, p.ResultEvent(rec))
	}
}

// enqueueResult hands an event to the publish loop; a full backlog drops
// it (counted and logged): the record in the store keeps the result.
func (p *Protector) enqueueResult(_ context.Context, ev ScanResultEvent) {
	select {
	case p.results <- ev:
	default:
		p.m.published.WithLabelValues(publishDropped).Inc()
		p.log.Warn("scan-result backlog full; event dropped", "bucket", ev.Detail.S3ObjectDetails.BucketName)
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
func (p *Protector) publishNow(ctx context.Context, ev ScanResultEvent) {
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
