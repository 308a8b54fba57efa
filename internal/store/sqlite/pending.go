package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

var _ store.PendingStore = (*DB)(nil)

// PutPending implements store.PendingStore.
func (db *DB) PutPending(ctx context.Context, id string, event []byte) error {
	const q = `INSERT INTO pending_objects (id, event, added_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET event = excluded.event`
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, id, string(event), time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("put pending %s: %w", id, err)
	}
	return nil
}

// DeletePending implements store.PendingStore.
func (db *DB) DeletePending(ctx context.Context, id string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pending_objects WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete pending %s: %w", id, err)
	}
	return nil
}

// ListPending implements store.PendingStore.
func (db *DB) ListPending(ctx context.Context) ([][]byte, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT event FROM pending_objects ORDER BY added_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list pending: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var ev string
		if err := rows.Scan(&ev); err != nil {
			return nil, fmt.Errorf("list pending: %w", err)
		}
		out = append(out, []byte(ev))
	}
	return out, rows.Err()
}
