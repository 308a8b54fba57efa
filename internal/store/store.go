// Package store defines what Vigil keeps: findings (upserted by id and
// merged, queried by criteria with sort and paging), source checkpoints
// (which files a source has read), detector state snapshots and malware
// scan records.
//
// Implementations live in subpackages (sqlite/, later postgres/) and are
// all checked by the conformance suite in storetest/. This package must not
// import an implementation or anything that detects or notifies.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ErrNotFound is returned when a finding or key does not exist.
var ErrNotFound = errors.New("not found")

// FileMark records that one log file (or object) of a source was read
// completely.
type FileMark struct {
	Source string // the source's name, such as "folder:/var/log/ct" or "s3://bucket/prefix"
	Key    string // file path or object key
	// Version distinguishes rewrites of the same key: size and mtime for
	// files, the ETag for objects.
	Version string
	Events  int64 // events read from the file
	Errors  int64 // malformed records skipped
}

// Store is Vigil's persistent state. Implementations are safe for
// concurrent use, including concurrent writers of the same finding id.
//
// Findings round-trip through their GuardDuty JSON: AggregationKey (not part
// of the wire format) is not kept, and times come back in UTC truncated to
// milliseconds.
type Store interface {
	// UpsertFindings merges each finding into the stored one with the same
	// id (finding.Finding.Merge), or inserts it, in one transaction. Several
	// findings with one id in fs merge in order. A new finding is stored as
	// given except that its service.count is at least 1, as Merge counts it.
	// A finding without an id is an error and nothing is written. It
	// returns how many findings were new.
	UpsertFindings(ctx context.Context, fs []finding.Finding) (created int, err error)
	// CommitFile upserts the findings made from one file and records the
	// file as read, atomically: after a crash either both happened or
	// neither did, so a restarted source neither skips nor repeats it.
	// Committing a mark that is already recorded changes nothing and
	// returns 0, so a redelivered file is not counted twice.
	CommitFile(ctx context.Context, mark FileMark, fs []finding.Finding) (created int, err error)
	// FileDone reports whether the file with this key and version was
	// already committed for the source.
	FileDone(ctx context.Context, source, key, version string) (bool, error)
	// GetFinding returns one finding by id, or an error wrapping
	// ErrNotFound.
	GetFinding(ctx context.Context, id string) (finding.Finding, error)
	// ListFindings returns the findings matching q (finding.Query.Match) in
	// q's order, and a token for the next page ("" on the last page).
	//
	// Findings are ordered by q.SortBy, ties broken by id, both ascending,
	// or both descending when q.Desc. An empty SortBy means updatedAt,
	// newest first, whatever q.Desc says. Limit 0 means 50; a limit above
	// 1000 is lowered to 1000. An unknown SortBy, a negative Limit, or a
	// PageToken that is malformed or came from a listing in another order
	// is an error. Paging through all pages returns every matching finding
	// once, provided no finding's sort value changes meanwhile.
	ListFindings(ctx context.Context, q finding.Query) ([]finding.Finding, string, error)
	// SetArchived archives or unarchives findings by id, setting
	// service.archived and nothing else (updatedAt is kept). If any id is
	// unknown it changes nothing and returns an error wrapping ErrNotFound.
	SetArchived(ctx context.Context, ids []string, archived bool) error
	// PutState and GetState keep a detector's state snapshot; PutState
	// replaces the previous one. GetState returns an error wrapping
	// ErrNotFound if there is none, and a non-nil empty slice for an empty
	// (or nil) snapshot.
	PutState(ctx context.Context, detector string, snapshot []byte) error
	GetState(ctx context.Context, detector string) ([]byte, error)
	Close() error
}

// Scan triggers (ScanRecord.Trigger).
const (
	TriggerPlan     = "plan"      // an object event of a protection plan
	TriggerOnDemand = "on_demand" // "vigil scan s3://..."
)

// ScanRecord is one malware scan of one S3 object (one version of it).
type ScanRecord struct {
	ScanID    string `json:"scanId"`
	PlanID    string `json:"planId,omitempty"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"`
	ETag      string `json:"eTag,omitempty"` // without quotes
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
	// Status is the result, GuardDuty's scanResultStatus and tag value:
	// NO_THREATS_FOUND, THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED, FAILED.
	Status string `json:"status"`
	// ScanStatus is COMPLETED, SKIPPED or FAILED.
	ScanStatus      string           `json:"scanStatus"`
	Threats         []ScanThreat     `json:"threats,omitempty"`
	Reason          string           `json:"reason,omitempty"` // why SKIPPED or FAILED
	Tagged          bool             `json:"tagged"`           // the GuardDutyMalwareScanStatus tag was written
	PostScanActions []PostScanAction `json:"postScanActions,omitempty"`
	StartedAt       time.Time        `json:"startedAt"`
	CompletedAt     time.Time        `json:"completedAt"`
	Trigger         string           `json:"trigger"` // TriggerPlan or TriggerOnDemand
}

// ScanThreat is one detection in a scanned object.
type ScanThreat struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"` // the item inside the object, "a.zip!b.exe"
	SHA256 string `json:"sha256,omitempty"`
	Engine string `json:"engine,omitempty"`
}

// PostScanAction is what was done to the object after the scan: TAGGING,
// QUARANTINE or DELETE, with status COMPLETED or FAILED and, on failure, a
// reason that starts with a code such as ACCESS_DENIED or
// TAG_LIMIT_EXCEEDED.
type PostScanAction struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// ScanQuery selects scan records. Empty fields match everything.
type ScanQuery struct {
	Bucket    string
	Status    string // result status
	Limit     int    // 0 means 50; above 1000 means 1000
	PageToken string // from the previous ListScans call
}

// ScanStore keeps malware scan records. Implementations are safe for
// concurrent use.
type ScanStore interface {
	// PutScan inserts the record, or replaces the one with the same
	// ScanID. A record without ScanID, Bucket or Key is an error. Times
	// come back in UTC truncated to milliseconds.
	PutScan(ctx context.Context, rec ScanRecord) error
	// GetScan returns one record, or an error wrapping ErrNotFound.
	GetScan(ctx context.Context, scanID string) (ScanRecord, error)
	// ListScans returns the records matching q, most recently completed
	// first (ties broken by ScanID, descending), and a token for the next
	// page ("" on the last page). A negative limit or a malformed token is
	// an error.
	ListScans(ctx context.Context, q ScanQuery) ([]ScanRecord, string, error)
	// ScanDone reports whether the object was already scanned to an end:
	// a record of bucket and key with scan status COMPLETED or SKIPPED
	// whose VersionID or ETag equals version (the version id of a
	// versioned object, else its ETag without quotes). FAILED scans do not
	// count, so they are retried. An empty version is never done.
	ScanDone(ctx context.Context, bucket, key, version string) (bool, error)
}

// PendingStore keeps object events that were accepted for a malware scan
// but not scanned yet, keyed by an object id (bucket, key, version), so
// that a crash or restart loses none: they are scanned again at start.
// It is an optional extension of a Store.
type PendingStore interface {
	PutPending(ctx context.Context, id string, event []byte) error
	DeletePending(ctx context.Context, id string) error
	// ListPending returns the events, oldest first.
	ListPending(ctx context.Context) ([][]byte, error)
}

// UsageRecord is an amount of one kind of work done on one day for one
// account and region: the key is (Day, Account, Region, Dimension) and
// amounts add up.
type UsageRecord struct {
	Day       time.Time // UTC midnight
	Account   string
	Region    string
	Dimension string  // a cost.Dimension, such as "FlowLogBytes"
	Amount    float64 // in the dimension's unit (events, bytes, objects, hours)
}

// UsageStore keeps daily usage. Implementations are safe for concurrent
// use.
type UsageStore interface {
	// AddUsage adds each record's Amount to the stored one with the same
	// key (Day is truncated to the UTC day), in one transaction.
	AddUsage(ctx context.Context, recs []UsageRecord) error
	// ListUsage returns the records with Day in [from, to), ordered by
	// Day, Account, Region, Dimension.
	ListUsage(ctx context.Context, from, to time.Time) ([]UsageRecord, error)
}

// FindingChange is one entry of the feed of new findings and recurrences
// (a finding whose count went up), in the order they were written.
type FindingChange struct {
	Seq       int64
	FindingID string
	Count     int
	Created   bool // the finding was new
}

// Delivery states (OutboxItem.State).
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// OutboxItem is one queued notification: a finding (as it was when
// queued) for one route and destination.
type OutboxItem struct {
	ID          int64
	Route       string
	Destination string
	FindingID   string
	Count       int
	Kind        string // "new", "update" or "health"
	Digest      bool   // sent folded into the route's digest at DueAt
	Body        []byte // the finding's GuardDuty JSON
	QueuedAt    time.Time
	DueAt       time.Time // not sent before
	NextAttempt time.Time
	Attempts    int
	State       string
	LastError   string
}

// OutboxStat counts outbox items of one destination in one state.
type OutboxStat struct {
	Destination string
	State       string
	Items       int64
	Oldest      time.Time // the oldest item's QueuedAt
}

// Outbox is the durable notification queue and the finding change feed it
// is filled from. Implementations are safe for concurrent use.
type Outbox interface {
	// NotifyCursor returns the last change sequence number the notifier
	// consumed; ok is false before the first Enqueue.
	NotifyCursor(ctx context.Context) (seq int64, ok bool, err error)
	// LatestChange returns the newest change's sequence number, 0 if none.
	LatestChange(ctx context.Context) (int64, error)
	// FindingChanges returns up to limit changes with Seq > after, oldest
	// first.
	FindingChanges(ctx context.Context, after int64, limit int) ([]FindingChange, error)
	// Enqueue queues items and moves the cursor to cursor, deleting the
	// changes up to it, in one transaction. An item whose (Route,
	// FindingID, Count) is already queued is skipped; an "update" item
	// replaces a pending update of the same route and finding, and is
	// skipped if that route already has the finding at a count as high.
	Enqueue(ctx context.Context, cursor int64, items []OutboxItem) error
	// DueItems returns up to limit pending items of a destination with
	// DueAt and NextAttempt at or before now, oldest first.
	DueItems(ctx context.Context, destination string, now time.Time, limit int) ([]OutboxItem, error)
	// MarkSent, MarkRetry and MarkFailed record the outcome of an attempt.
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
	MarkRetry(ctx context.Context, ids []int64, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, ids []int64, at time.Time, lastErr string) error
	// OutboxStats counts items by destination and state.
	OutboxStats(ctx context.Context) ([]OutboxStat, error)
	// PruneOutbox deletes sent and failed items finished before t.
	PruneOutbox(ctx context.Context, before time.Time) (int64, error)
}
