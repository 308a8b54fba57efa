package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

var _ store.ScanStore = (*DB)(nil)

// PutScan implements store.ScanStore.
func (db *DB) PutScan(ctx context.Context, rec store.ScanRecord) error {
	if rec.ScanID == "" || rec.Bucket == "" || rec.Key == "" {
		return fmt.Errorf("put scan %q: scan id, bucket and key are required", rec.ScanID)
	}
	rec.StartedAt = msUTC(rec.StartedAt)
	rec.CompletedAt = msUTC(rec.CompletedAt)
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("put scan %s: %w", rec.ScanID, err)
	}
	const q = `INSERT INTO scans (scan_id, bucket, key, version_id, etag, status, scan_status, completed_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (scan_id) DO UPDATE SET
			bucket = excluded.bucket, key = excluded.key, version_id = excluded.version_id,
			etag = excluded.etag, status = excluded.status, scan_status = excluded.scan_status,
			completed_at = excluded.completed_at, body = excluded.body`
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, rec.ScanID, rec.Bucket, rec.Key, rec.VersionID, rec.ETag,
			rec.Status, rec.ScanStatus, rec.CompletedAt.UnixMilli(), string(body))
		return err
	})
	if err != nil {
		return fmt.Errorf("put scan %s: %w", rec.ScanID, err)
	}
	return nil
}

// msUTC is t as the store returns it: UTC, truncated to milliseconds.
func msUTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// GetScan implements store.ScanStore.
func (db *DB) GetScan(ctx context.Context, scanID string) (store.ScanRecord, error) {
	var body []byte
	err := db.r.QueryRowContext(ctx, `SELECT body FROM scans WHERE scan_id = ?`, scanID).Scan(&body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ScanRecord{}, fmt.Errorf("scan %s: %w", scanID, store.ErrNotFound)
	case err != nil:
		return store.ScanRecord{}, fmt.Errorf("get scan %s: %w", scanID, err)
	}
	var rec store.ScanRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return store.ScanRecord{}, fmt.Errorf("get scan %s: decode: %w", scanID, err)
	}
	return rec, nil
}

// ScanDone implements store.ScanStore.
func (db *DB) ScanDone(ctx context.Context, bucket, key, version string) (bool, error) {
	if version == "" {
		return false, nil
	}
	const q = `SELECT EXISTS (SELECT 1 FROM scans
		WHERE bucket = ? AND key = ? AND (version_id = ? OR etag = ?)
		AND scan_status IN ('COMPLETED', 'SKIPPED'))`
	var done bool
	if err := db.r.QueryRowContext(ctx, q, bucket, key, version, version).Scan(&done); err != nil {
		return false, fmt.Errorf("scan done s3://%s/%s: %w", bucket, key, err)
	}
	return done, nil
}

// ListScans implements store.ScanStore. Paging is by keyset on
// (completed_at, scan_id), so records added while a client pages do not
// shift later pages.
func (db *DB) ListScans(ctx context.Context, q store.ScanQuery) ([]store.ScanRecord, string, error) {
	limit, after, err := scanPage(q)
	if err != nil {
		return nil, "", fmt.Errorf("list scans: %w", err)
	}
	query, args := scanListSQL(q, after, limit)
	recs, err := db.queryScans(ctx, query, args)
	if err != nil {
		return nil, "", fmt.Errorf("list scans: %w", err)
	}
	if len(recs) <= limit {
		return recs, "", nil
	}
	recs = recs[:limit]
	last := recs[len(recs)-1]
	return recs, scanToken(last.CompletedAt.UnixMilli(), last.ScanID), nil
}

// scanCursor is where the previous page of scans ended.
type scanCursor struct {
	at int64
	id string
}

func scanPage(q store.ScanQuery) (int, *scanCursor, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return 0, nil, fmt.Errorf("negative limit %d", limit)
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	if q.PageToken == "" {
		return limit, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(q.PageToken)
	at, id, ok := strings.Cut(string(b), ":")
	n, perr := strconv.ParseInt(at, 10, 64)
	if err != nil || !ok || perr != nil || id == "" {
		return 0, nil, errBadToken
	}
	return limit, &scanCursor{at: n, id: id}, nil
}

func scanToken(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + ":" + id))
}

func scanListSQL(q store.ScanQuery, after *scanCursor, limit int) (string, []any) {
	var conds []string
	var args []any
	if q.Bucket != "" {
		conds, args = append(conds, "bucket = ?"), append(args, q.Bucket)
	}
	if q.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, q.Status)
	}
	if after != nil {
		conds, args = append(conds, "(completed_at, scan_id) < (?, ?)"), append(args, after.at, after.id)
	}
	query := "SELECT body FROM scans"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	return query + " ORDER BY completed_at DESC, scan_id DESC LIMIT ?", append(args, limit+1)
}

func (db *DB) queryScans(ctx context.Context, query string, args []any) ([]store.ScanRecord, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []store.ScanRecord
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var rec store.ScanRecord
		if err := json.Unmarshal(body, &rec); err != nil {
			return nil, fmt.Errorf("decode scan: %w", err)
		}
		recs = append(recs, rec)
	}
	return recs, rows.Err()
}
