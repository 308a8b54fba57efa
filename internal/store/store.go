// Package store defines what Vigil keeps: findings (upserted by id and
// merged, queried by criteria with sort and paging), source checkpoints
// (which files a source has read) and detector state snapshots.
//
// Implementations live in subpackages (sqlite/, later postgres/) and are
// all checked by the conformance suite in storetest/. This package must not
// import an implementation or anything that detects or notifies.
package store

import (
	"context"
	"errors"

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
