package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

var _ store.Outbox = (*DB)(nil)

// NotifyCursor implements store.Outbox.
func (db *DB) NotifyCursor(ctx context.Context) (int64, bool, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, `SELECT seq FROM notify_cursor WHERE id = 1`).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read notify cursor: %w", err)
	}
	return seq, true, nil
}

// LatestChange implements store.Outbox.
func (db *DB) LatestChange(ctx context.Context) (int64, error) {
	var seq int64
	// sqlite_sequence keeps the highest seq ever used, even after the
	// changes were deleted.
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'finding_changes'), 0)`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("read latest change: %w", err)
	}
	return seq, nil
}

// FindingChanges implements store.Outbox.
func (db *DB) FindingChanges(ctx context.Context, after int64, limit int) ([]store.FindingChange, error) {
	rows, err := db.r.QueryContext(ctx,
		`SELECT seq, finding_id, count, created FROM finding_changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read finding changes: %w", err)
	}
	defer rows.Close()
	var out []store.FindingChange
	for rows.Next() {
		var c store.FindingChange
		if err := rows.Scan(&c.Seq, &c.FindingID, &c.Count, &c.Created); err != nil {
			return nil, fmt.Errorf("read finding changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Enqueue implements store.Outbox.
func (db *DB) Enqueue(ctx context.Context, cursor int64, items []store.OutboxItem) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO outbox
			(route, destination, finding_id, count, kind, digest, body, queued_at, due_at, next_attempt)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (route, finding_id, count) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		defer ins.Close()
		for _, it := range items {
			if it.Kind == "update" {
				var have int
				err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(count), 0) FROM outbox WHERE route = ? AND finding_id = ?`,
					it.Route, it.FindingID).Scan(&have)
				if err != nil {
					return fmt.Errorf("enqueue: %w", err)
				}
				if have >= it.Count {
					continue
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE route = ? AND finding_id = ? AND state = 'pending' AND kind = 'update'`,
					it.Route, it.FindingID); err != nil {
					return fmt.Errorf("enqueue: %w", err)
				}
			}
			if _, err := ins.ExecContext(ctx, it.Route, it.Destination, it.FindingID, it.Count, it.Kind, boolInt(it.Digest),
				string(it.Body), it.QueuedAt.UnixMilli(), it.DueAt.UnixMilli(), it.NextAttempt.UnixMilli()); err != nil {
				return fmt.Errorf("enqueue %s for %s: %w", it.FindingID, it.Route, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM finding_changes WHERE seq <= ?`, cursor); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notify_cursor (id, seq) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)`, cursor)
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		return nil
	})
}

const outboxColumns = `id, route, destination, finding_id, count, kind, digest, body, queued_at, due_at, next_attempt, attempts, state, last_error`

// DueItems implements store.Outbox.
func (db *DB) DueItems(ctx context.Context, destination string, now time.Time, limit int) ([]store.OutboxItem, error) {
	ms := now.UnixMilli()
	rows, err := db.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE state = 'pending' AND next_attempt <= ? AND due_at <= ? AND destination = ? ORDER BY id LIMIT ?`,
		ms, ms, destination, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		var it store.OutboxItem
		var body string
		var queued, due, next int64
		if err := rows.Scan(&it.ID, &it.Route, &it.Destination, &it.FindingID, &it.Count, &it.Kind, &it.Digest, &body,
			&queued, &due, &next, &it.Attempts, &it.State, &it.LastError); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		it.Body = []byte(body)
		it.QueuedAt, it.DueAt, it.NextAttempt = time.UnixMilli(queued).UTC(), time.UnixMilli(due).UTC(), time.UnixMilli(next).UTC()
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkSent implements store.Outbox.
func (db *DB) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	return db.markOutbox(ctx, ids, `state = 'sent', done_at = ?, attempts = attempts + 1, last_error = ''`, at.UnixMilli())
}

// MarkRetry implements store.Outbox.
func (db *DB) MarkRetry(ctx context.Context, ids []int64, next time.Time, lastErr string) error {
	return db.markOutbox(ctx, ids, `next_attempt = ?, attempts = attempts + 1, last_error = ?`, next.UnixMilli(), lastErr)
}

// MarkFailed implements store.Outbox.
func (db *DB) MarkFailed(ctx context.Context, ids []int64, at time.Time, lastErr string) error {
	return db.markOutbox(ctx, ids, `state = 'failed', done_at = ?, attempts = attempts + 1, last_error = ?`, at.UnixMilli(), lastErr)
}

func (db *DB) markOutbox(ctx context.Context, ids []int64, set string, args ...any) error {
	if len(ids) == 0 {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), 500)
			a := append([]any{}, args...)
			for _, id := range ids[:n] {
				a = append(a, id)
			}
			q := `UPDATE outbox SET ` + set + ` WHERE state = 'pending' AND id IN (?` + strings.Repeat(",?", n-1) + `)`
			if _, err := tx.ExecContext(ctx, q, a...); err != nil {
				return fmt.Errorf("update outbox: %w", err)
			}
			ids = ids[n:]
		}
		return nil
	})
}

// OutboxStats implements store.Outbox.
func (db *DB) OutboxStats(ctx context.Context) ([]store.OutboxStat, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT destination, state, COUNT(*), MIN(queued_at) FROM outbox GROUP BY destination, state ORDER BY destination, state`)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxStat
	for rows.Next() {
		var s store.OutboxStat
		var oldest int64
		if err := rows.Scan(&s.Destination, &s.State, &s.Items, &oldest); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		s.Oldest = time.UnixMilli(oldest).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// PruneOutbox implements store.Outbox.
func (db *DB) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE state <> 'pending' AND done_at < ?`, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("prune outbox: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
