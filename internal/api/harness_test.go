package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"

	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // detectors, for sample findings
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// Test users: an administrator and a read-only user.
var (
	testAdmin    = User{Name: "admin", AccessKeyID: "AKIAVIGILADMIN000001", SecretAccessKey: "admin-secret-key-for-tests", Role: RoleAdmin}
	testReadOnly = User{Name: "auditor", AccessKeyID: "AKIAVIGILREADONLY001", SecretAccessKey: "read-only-secret-for-tests", Role: RoleReadOnly}
)

const testDetectorID = "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b"

// testAPI is a running API server on a fresh SQLite store.
type testAPI struct {
	srv   *Server
	http  *httptest.Server
	store *sqlite.DB
	admin *guardduty.Client // signs as testAdmin
	ro    *guardduty.Client // signs as testReadOnly
}

func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := New(Options{DetectorID: testDetectorID, AccountID: "111122223333", Store: db, Detectors: detect.Registered(),
		Users: NewUsers([]User{testAdmin, testReadOnly})})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &testAPI{srv: s, http: hs, store: db, admin: sdkClient(hs.URL, testAdmin), ro: sdkClient(hs.URL, testReadOnly)}
}

// sdkClient is the AWS SDK for Go v2's GuardDuty client pointed at url.
func sdkClient(url string, u User) *guardduty.Client {
	return guardduty.New(guardduty.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(u.AccessKeyID, u.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
	})
}

func ioReadAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

func ioNopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
