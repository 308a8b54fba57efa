package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// UpsertFindings implements store.Store.
func (db *DB) UpsertFindings(ctx context.Context, fs []finding.Finding) (int, error) {
	if len(fs) == 0 {
		return 0, nil
	}
	var created int
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = upsertAll(ctx, tx, fs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("upsert findings: %w", err)
	}
	return created, nil
}

// CommitFile implements store.Store. Committing a file that is already
// recorded changes nothing and returns 0, so a redelivered file is not
// counted twice.
func (db *DB) CommitFile(ctx context.Context, mark store.FileMark, fs []finding.Finding) (int, error) {
	var created int
	err := db.write(ctx, func(tx *sql.Tx) error {
		const ins = `INSERT INTO source_files (source, key, version, events, errors, done_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
		res, err := tx.ExecContext(ctx, ins, mark.Source, mark.Key, mark.Version,
			mark.Events, mark.Errors, time.Now().UnixMilli())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // already committed: nothing to do
		}
		created, err = upsertAll(ctx, tx, fs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("commit %s %s: %w", mark.Source, mark.Key, err)
	}
	return created, nil
}

// FileDone implements store.Store.
func (db *DB) FileDone(ctx context.Context, source, key, version string) (bool, error) {
	const q = `SELECT 1 FROM source_files WHERE source = ? AND key = ? AND version = ?`
	var one int
	err := db.r.QueryRowContext(ctx, q, source, key, version).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("file done %s %s: %w", source, key, err)
	}
	return true, nil
}

// GetFinding implements store.Store.
func (db *DB) GetFinding(ctx context.Context, id string) (finding.Finding, error) {
	return getFinding(ctx, db.r, id)
}

// SetArchived implements store.Store. It changes nothing and returns an
// error wrapping store.ErrNotFound if any id is unknown.
func (db *DB) SetArchived(ctx context.Context, ids []string, archived bool) error {
	return db.change(ctx, "set archived", ids, func(f *finding.Finding) { f.Service.Archived = archived })
}

// change applies set to each stored finding of ids in one transaction.
// It changes nothing and returns an error wrapping store.ErrNotFound if
// any id is unknown.
func (db *DB) change(ctx context.Context, what string, ids []string, set func(*finding.Finding)) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		put, err := preparePut(ctx, tx)
		if err != nil {
			return err
		}
		defer put.Close()
		var missing []string
		for _, id := range ids {
			f, err := getFinding(ctx, tx, id)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, id)
				continue
			}
			if err != nil {
				return err
			}
			set(&f)
			if err := putFinding(ctx, put, &f); err != nil {
				return err
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("findings %s: %w", strings.Join(missing, ", "), store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// upsertAll merges each finding into its stored row inside tx and returns
// how many were new. The transaction sees its own writes, so several
// findings with one id in fs merge in order.
func upsertAll(ctx context.Context, tx *sql.Tx, fs []finding.Finding) (int, error) {
	put, err := preparePut(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer put.Close()
	created := 0
	for i := range fs {
		f := fs[i]
		if f.ID == "" {
			return 0, fmt.Errorf("finding %d (%s): empty id", i, f.Type)
		}
		stored, err := getFinding(ctx, tx, f.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Service.Count = max(f.Service.Count, 1) // as Merge counts it
			created++
		case err != nil:
			return 0, err
		default:
			stored.Merge(f)
			f = stored
		}
		if err := putFinding(ctx, put, &f); err != nil {
			return 0, err
		}
	}
	return created, nil
}

// getFinding reads one finding; the error wraps store.ErrNotFound when
// there is none.
func getFinding(ctx context.Context, q queryer, id string) (finding.Finding, error) {
	var body []byte
	err := q.QueryRowContext(ctx, `SELECT body FROM findings WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return finding.Finding{}, fmt.Errorf("finding %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return finding.Finding{}, fmt.Errorf("read finding %s: %w", id, err)
	}
	var f finding.Finding
	if err := json.Unmarshal(body, &f); err != nil {
		return finding.Finding{}, fmt.Errorf("decode finding %s: %w", id, err)
	}
	return f, nil
}

// putQuery inserts or replaces a finding's row.
const putQuery = `INSERT INTO findings
		(id, type, severity, account_id, region, archived, created_at, updated_at, count, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			type = excluded.type, severity = excluded.severity,
			account_id = excluded.account_id, region = excluded.region,
			archived = excluded.archived, created_at = excluded.created_at,
			updated_at = excluded.updated_at, count = excluded.count, body = excluded.body`

// preparePut prepares putQuery once per transaction: SQLite then compiles
// the statement (and the triggers it fires) once, not per finding.
func preparePut(ctx context.Context, tx *sql.Tx) (*sql.Stmt, error) {
	st, err := tx.PrepareContext(ctx, putQuery)
	if err != nil {
		return nil, fmt.Errorf("prepare finding write: %w", err)
	}
	return st, nil
}

// putFinding inserts or replaces f's row with put (from preparePut); the
// columns are derived from f.
func putFinding(ctx context.Context, put *sql.Stmt, f *finding.Finding) error {
	body, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode finding %s: %w", f.ID, err)
	}
	_, err = put.ExecContext(ctx, f.ID, f.Type, f.Severity, f.AccountID, f.Region,
		boolInt(f.Service.Archived), millis(f.CreatedAt), millis(f.UpdatedAt),
		f.Service.Count, string(body))
	if err != nil {
		return fmt.Errorf("write finding %s: %w", f.ID, err)
	}
	return nil
}

// millis is how times are stored: Unix milliseconds.
func millis(t finding.Time) int64 { return t.UnixMilli() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
