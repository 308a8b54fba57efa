package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/storetest"
)

func openTemp(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "vigil.db"))
	})
}

func TestMigrationsNumbered(t *testing.T) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations() = %d migrations, %v; want at least one, nil", len(ms), err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	f := finding.Finding{ID: "0123456789abcdef0123456789abcdef", Type: "Recon:EC2/PortProbeUnprotectedPort", Severity: 2}
	db := openTemp(t, path)
	if _, err := db.UpsertFindings(t.Context(), []finding.Finding{f}); err != nil {
		t.Fatalf("UpsertFindings = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	for range 2 { // reopening must not re-apply migrations
		db = openTemp(t, path)
		if got, err := db.GetFinding(t.Context(), f.ID); err != nil || got.Type != f.Type {
			t.Errorf("GetFinding after reopen = %+v, %v; want type %s", got, err, f.Type)
		}
		if v := version(t, db); v != latest(t) {
			t.Errorf("schema version after reopen = %d, want %d", v, latest(t))
		}
		db.Close()
	}
}

func TestFutureSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	db := openTemp(t, path)
	const q = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`
	if _, err := db.w.ExecContext(t.Context(), q, latest(t)+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := Open(t.Context(), path, nil)
	if !errors.Is(err, ErrSchemaTooNew) {
		if db != nil {
			db.Close()
		}
		t.Fatalf("Open(database at version %d) = %v, want ErrSchemaTooNew", latest(t)+1, err)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, path := range []string{"", ":memory:", filepath.Join(t.TempDir(), "missing", "vigil.db")} {
		if db, err := Open(t.Context(), path, nil); err == nil {
			db.Close()
			t.Errorf("Open(%q) = nil error, want an error", path)
		}
	}
}

// TestConcurrentHandles has two handles on one file (as two processes
// would) write and read at once: no SQLITE_BUSY, no lost update.
func TestConcurrentHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	dbs := []*DB{openTemp(t, path), openTemp(t, path)}
	defer dbs[0].Close()
	defer dbs[1].Close()
	const writers, rounds = 8, 25
	f := finding.Finding{ID: "0123456789abcdef0123456789abcdef", Type: "Recon:EC2/PortProbeUnprotectedPort", Severity: 2}
	var wg sync.WaitGroup
	errs := make(chan error, 3*writers*rounds)
	for w := range writers {
		db := dbs[w%2]
		wg.Go(func() {
			for i := range rounds {
				_, err := db.UpsertFindings(t.Context(), []finding.Finding{f})
				errs <- err
				mark := store.FileMark{Source: "test", Key: fmt.Sprintf("%d-%d", w, i)}
				_, err = db.CommitFile(t.Context(), mark, nil)
				errs <- err
			}
		})
		wg.Go(func() {
			for range rounds {
				_, _, err := db.ListFindings(t.Context(), finding.Query{})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent use = %v", err)
		}
	}
	if got, err := dbs[1].GetFinding(t.Context(), f.ID); err != nil || got.Service.Count != writers*rounds {
		t.Errorf("GetFinding = count %d, %v; want count %d", got.Service.Count, err, writers*rounds)
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Recon:", "Recon;", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
	}
	for _, tt := range tests {
		if got, ok := prefixEnd(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWALMode(t *testing.T) {
	db := openTemp(t, filepath.Join(t.TempDir(), "vigil.db"))
	defer db.Close()
	for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
		var mode string
		var timeout, fk int
		if err := pool.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%s: journal_mode = %q, %v; want wal", name, mode, err)
		}
		if err := pool.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != busyTimeoutMillis {
			t.Errorf("%s: busy_timeout = %d, %v; want %d", name, timeout, err, busyTimeoutMillis)
		}
		if err := pool.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Errorf("%s: foreign_keys = %d, %v; want 1", name, fk, err)
		}
	}
}

func version(t *testing.T, db *DB) int {
	t.Helper()
	v, err := schemaVersion(t.Context(), db.r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func latest(t *testing.T) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}
