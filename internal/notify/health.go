package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// Health-notification finding types. Vigil's own health is not a
// GuardDuty finding; it is sent in the same shape so every destination
// can carry it, under a type no GuardDuty consumer would mistake for one.
const (
	TypeHealthWarning   = "Vigil:Health/Warning"
	TypeHealthError     = "Vigil:Health/Error"
	TypeHealthRecovered = "Vigil:Health/Recovered"
)

// HealthRoute is the route name of health notifications.
const HealthRoute = "health"

// NotifyHealth queues a message about a health check changing state
// (status "ok", "warning" or "error") for destination, through the
// outbox like findings, so it is retried and survives restarts.
func (n *Notifier) NotifyHealth(ctx context.Context, destination, component, name, status, message string) error {
	if n.dests[destination] == nil {
		return fmt.Errorf("notify: health destination %q is not configured", destination)
	}
	now := n.o.Now().UTC()
	sum := sha256.Sum256([]byte(component + "/" + name))
	f := finding.Finding{SchemaVersion: "2.0", ID: "vigil-health-" + hex.EncodeToString(sum[:8]),
		CreatedAt: finding.Time{Time: now}, UpdatedAt: finding.Time{Time: now}, Partition: "aws"}
	switch status {
	case "ok":
		f.Type, f.Severity = TypeHealthRecovered, finding.SeverityLow
		f.Title = fmt.Sprintf("Vigil %s %s is healthy again", component, name)
	case "error":
		f.Type, f.Severity = TypeHealthError, finding.SeverityHigh
		f.Title = fmt.Sprintf("Vigil %s %s is failing", component, name)
	default:
		f.Type, f.Severity = TypeHealthWarning, finding.SeverityMedium
		f.Title = fmt.Sprintf("Vigil %s %s needs attention", component, name)
	}
	f.Description = message
	f.Resource.ResourceType = "Vigil"
	f.Service.ServiceName = "vigil"
	f.Service.Count = int(now.UnixMilli() % (1 << 31)) // unique per change, so each is queued
	f.Service.EventFirstSeen, f.Service.EventLastSeen = f.CreatedAt, f.UpdatedAt
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := n.Init(ctx); err != nil {
		return err
	}
	cursor, _, err := n.o.Outbox.NotifyCursor(ctx)
	if err != nil {
		return err
	}
	return n.o.Outbox.Enqueue(ctx, cursor, []store.OutboxItem{{Route: HealthRoute, Destination: destination, FindingID: f.ID,
		Count: f.Service.Count, Kind: "health", Body: body, QueuedAt: now, DueAt: now, NextAttempt: now}})
}
