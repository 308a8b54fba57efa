package protect_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// eicarMarker marks content the fake scanner flags; the full EICAR test
// file is not needed and not committed.
var eicarMarker = []byte("EICAR-" + "STANDARD-ANTIVIRUS-TEST-FILE")

// eicarThreat is the name the fake scanner reports.
const eicarThreat = "EICAR-Test-File (not a virus)"

// fakeScanner flags content containing eicarMarker and counts scans per
// object name.
type fakeScanner struct {
	mu    sync.Mutex
	calls map[string]int
}

func newFakeScanner() *fakeScanner { return &fakeScanner{calls: map[string]int{}} }

func (f *fakeScanner) Scan(ctx context.Context, name string, r io.Reader, size int64) malware.Result {
	f.mu.Lock()
	f.calls[name]++
	f.mu.Unlock()
	b, err := io.ReadAll(r)
	if err != nil {
		return malware.Result{Status: malware.Failed, Reason: err.Error()}
	}
	sum := sha256.Sum256(b)
	res := malware.Result{Status: malware.NoThreatsFound, Items: 1, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	if bytes.Contains(b, eicarMarker) {
		res.Status = malware.ThreatsFound
		res.Threats = []malware.Threat{{Name: eicarThreat, Path: name, SHA256: res.SHA256, Engine: "builtin"}}
	}
	return res
}

// scans returns how often the object was scanned.
func (f *fakeScanner) scans(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeScanner) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// openStore opens a SQLite store in the test's temporary folder.
func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	return openStoreAt(t, filepath.Join(t.TempDir(), "vigil.db"))
}

func openStoreAt(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("sqlite.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scansOf lists the records of one bucket.
func scansOf(t *testing.T, s store.ScanStore, bucket string) []store.ScanRecord {
	t.Helper()
	recs, _, err := s.ListScans(t.Context(), store.ScanQuery{Bucket: bucket, Limit: 1000})
	if err != nil {
		t.Fatalf("ListScans(%s) = %v", bucket, err)
	}
	return recs
}

// scanOf returns the only record of an object, failing the test unless
// there is exactly one.
func scanOf(t *testing.T, s store.ScanStore, bucket, key string) store.ScanRecord {
	t.Helper()
	var found []store.ScanRecord
	for _, r := range scansOf(t, s, bucket) {
		if r.Key == key {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("scans of s3://%s/%s = %d records %+v, want 1", bucket, key, len(found), found)
	}
	return found[0]
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func newPost(body []byte) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/s3events", bytes.NewReader(body))
}

func findingsOfType(typ string) finding.Query { return finding.Query{TypePrefix: typ} }
