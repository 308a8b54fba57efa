package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// PutState implements store.Store; it replaces the detector's snapshot.
func (db *DB) PutState(ctx context.Context, detector string, snapshot []byte) error {
	if snapshot == nil {
		snapshot = []byte{} // the column is NOT NULL; nil and empty are one
	}
	const q = `INSERT INTO detector_state (detector, snapshot, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (detector) DO UPDATE SET
			snapshot = excluded.snapshot, updated_at = excluded.updated_at`
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, detector, snapshot, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("put state %s: %w", detector, err)
	}
	return nil
}

// GetState implements store.Store; it returns an error wrapping
// store.ErrNotFound if the detector has no snapshot.
func (db *DB) GetState(ctx context.Context, detector string) ([]byte, error) {
	var snapshot []byte
	err := db.r.QueryRowContext(ctx, `SELECT snapshot FROM detector_state WHERE detector = ?`, detector).Scan(&snapshot)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("state %s: %w", detector, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("get state %s: %w", detector, err)
	}
	if snapshot == nil {
		snapshot = []byte{}
	}
	return snapshot, nil
}
