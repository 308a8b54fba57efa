package protect_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

const testDetectorID = "0c9f3a1e7b5d4e2f8a6b1c3d5e7f9a0b"

// env is a running versitygw whose event notifications go to a
// WebhookHandler in front of a Protector.
type env struct {
	gw        *versitygw.Server
	s3        *s3.Client
	db        *sqlite.DB
	scanner   *fakeScanner
	p         *protect.Protector
	reg       *prometheus.Registry
	published *sink
	handler   atomic.Pointer[http.Handler] // where notifications go
}

// newEnv starts the notification receiver first (versitygw posts a test
// event at start and exits when nobody answers), then versitygw, then a
// Protector for the plans; the buckets of the plans and of extra are
// created.
func newEnv(t *testing.T, plans []protect.Plan, extra ...string) *env {
	t.Helper()
	e := &env{scanner: newFakeScanner(), reg: prometheus.NewRegistry(), published: newSink(t)}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := e.handler.Load(); h != nil {
			b, _ := io.ReadAll(r.Body)
			t.Logf("notification: %s", b)
			r.Body = io.NopCloser(bytes.NewReader(b))
			(*h).ServeHTTP(w, r)
			return
		}
		w.WriteHeader(http.StatusOK) // the start-up test event
	}))
	t.Cleanup(recv.Close)
	e.gw = versitygw.Start(t, versitygw.Options{Args: []string{"--event-webhook-url", recv.URL + "/s3events"}})
	e.s3 = e.gw.Client()
	e.db = openStore(t)
	for _, p := range plans {
		e.gw.CreateBucket(t, p.Bucket)
	}
	for _, b := range extra {
		e.gw.CreateBucket(t, b)
	}
	e.p = e.start(t, e.s3, plans)
	h := protect.WebhookHandler(e.p.Deliver, protect.KeyRaw, nil)
	e.handler.Store(&h)
	return e
}

// start runs a Protector until the test ends.
func (e *env) start(t *testing.T, api protect.S3API, plans []protect.Plan) *protect.Protector {
	t.Helper()
	pub, err := protect.NewWebhookPublisher(e.published.srv.URL, protect.WebhookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.reg = prometheus.NewRegistry() // the metrics of the latest Protector
	p, err := protect.New(protect.Options{
		Plans: plans, S3: api, Scanner: e.scanner, Store: e.db, Publishers: []protect.Publisher{pub},
		DetectorID: testDetectorID, Registerer: e.reg, Workers: 4, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("protect.New = %v", err)
	}
	runUntilCleanup(t, func(ctx context.Context) { p.Run(ctx) })
	return p
}

// runUntilCleanup runs fn in the background and stops it when the test ends.
func runUntilCleanup(t *testing.T, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// put uploads an object with optional tags ("k=v&k2=v2").
func (e *env) put(t *testing.T, bucket, key string, body []byte, tagging string) {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body)}
	if tagging != "" {
		in.Tagging = &tagging
	}
	if _, err := e.s3.PutObject(t.Context(), in); err != nil {
		t.Fatalf("PutObject(s3://%s/%s) = %v", bucket, key, err)
	}
	time.Sleep(notificationGap)
}

// notificationGap spaces requests to versitygw. Its v1.8.0 webhook
// notifications are built in a goroutine from strings that still point
// into the request buffer, which the next request reuses: an upload right
// after another can turn the first one's notification into garbage (seen:
// bucket "d-src" with key "bad.exe " for an upload of q-src/good.txt, whose
// s3.bucket.arn was still right). A notification lost that way is an
// object never scanned, which is why polling is the safety net in
// production; here the gap keeps the tests about Vigil.
const notificationGap = 30 * time.Millisecond

// tags returns the object's tags, nil when the object cannot be read.
func (e *env) tags(t *testing.T, bucket, key string) map[string]string {
	t.Helper()
	out, err := e.s3.GetObjectTagging(t.Context(), &s3.GetObjectTaggingInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, tg := range out.TagSet {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

// waitTag waits until the object carries the scan-status tag and returns it.
func (e *env) waitTag(t *testing.T, bucket, key string) string {
	t.Helper()
	var v string
	eventually(t, 10*time.Second, "tag "+protect.TagKey+" on s3://"+bucket+"/"+key, func() bool {
		v = e.tags(t, bucket, key)[protect.TagKey]
		return v != ""
	})
	return v
}

// exists reports whether the object exists.
func (e *env) exists(t *testing.T, bucket, key string) bool {
	_, err := e.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	return err == nil
}

// ignored returns vigil_malware_events_ignored_total{reason}.
func (e *env) ignored(reason string) float64 {
	return gather(e.reg, "vigil_malware_events_ignored_total", "reason", reason)
}

func gather(reg *prometheus.Registry, name, label, value string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// sink is a webhook that keeps what is posted to it.
type sink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, b)
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) all() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// testLogger logs to the test's log, shown when it fails.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
