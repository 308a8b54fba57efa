// Package sqlite is the embedded store.Store: one SQLite file (WAL mode)
// opened through the pure-Go modernc.org/sqlite driver, so the vigil binary
// needs no cgo and no database server.
//
// Writes go through a single connection whose transactions start with
// BEGIN IMMEDIATE, so concurrent writers in this process queue instead of
// failing with SQLITE_BUSY, and writers in other processes wait up to the
// busy timeout. Reads use a separate pool of read-only connections and never
// block on writers.
//
// The schema is versioned (see migrate.go). This package must never open a
// database written by a newer Vigil, must never change a finding except
// through finding.Finding.Merge, SetArchived and SetFeedback, and must not log and return
// the same error.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vigil-sec/vigil/internal/store"
)

// busyTimeoutMillis is how long a connection waits for another process's
// lock before failing with SQLITE_BUSY.
const busyTimeoutMillis = 10000

// DB is a store.Store in one SQLite file. It is safe for concurrent use.
type DB struct {
	w      *sql.DB // one connection; transactions BEGIN IMMEDIATE
	r      *sql.DB // read-only connections
	logger *slog.Logger
}

var _ store.Store = (*DB)(nil)

// Open opens or creates the database file at path, applies any pending
// migrations and returns the store. The parent directory must exist.
// It refuses a database whose schema is newer than this binary knows
// (ErrSchemaTooNew). A nil logger discards.
func Open(ctx context.Context, path string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("open sqlite: need a file path, not %q", path)
	}
	db := &DB{logger: logger.With("component", "store/sqlite", "path", path)}
	var err error
	if db.w, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.w.SetMaxOpenConns(1)
	if err := migrate(ctx, db.w, db.logger); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Give the query planner statistics (sampled, so it is quick on a big
	// store): without them it may pick an index that reads far more rows.
	if _, err := db.w.ExecContext(ctx, "PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002"); err != nil {
		db.logger.Warn("query planner statistics not updated", "err", err)
	}
	if db.r, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.r.SetMaxOpenConns(n)
	db.r.SetMaxIdleConns(n)
	return db, nil
}

// dsn builds the driver's data source name for path. The writer sets WAL
// mode (persistent in the file) and takes the write lock when a
// transaction begins; readers are query-only.
func dsn(path string, readOnly bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMillis),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
	}
	if readOnly {
		params = append(params, "_query_only=1")
	} else {
		params = append(params, "_journal_mode=WAL", "_txlock=immediate")
	}
	return "file:" + esc.Replace(filepath.Clean(path)) + "?" + strings.Join(params, "&")
}

// Close closes the database. Calls in flight may fail.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// write runs fn in a write transaction and commits it if fn succeeds.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queryer is what reads need from *sql.DB and *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
