package protect

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-sec/vigil/internal/testutil/natsserver"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// queueTestRecord is one record of an S3 event notification for tests.
type queueTestRecord struct {
	EventName, Bucket, Key string
	Size                   int64
}

// queueTestNotification is an S3 event notification with the records.
func queueTestNotification(t testing.TB, recs ...queueTestRecord) []byte {
	t.Helper()
	type obj struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
		ETag string `json:"eTag"`
	}
	type rec struct {
		EventName string `json:"eventName"`
		EventTime string `json:"eventTime"`
		S3        struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object obj `json:"object"`
		} `json:"s3"`
	}
	var doc struct {
		Records []rec `json:"Records"`
	}
	for _, r := range recs {
		var x rec
		x.EventName, x.EventTime = r.EventName, "2026-11-25T10:00:00Z"
		x.S3.Bucket.Name = r.Bucket
		x.S3.Object = obj{Key: r.Key, Size: r.Size, ETag: "etag-" + r.Key}
		doc.Records = append(doc.Records, x)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queueRecorder is a Deliver that records events and refuses the ones
// refuse says to.
type queueRecorder struct {
	mu     sync.Mutex
	got    []ObjectEvent
	tries  map[string]int
	refuse func(ev ObjectEvent, try int) bool
	notify chan struct{}
}

func newQueueRecorder() *queueRecorder {
	return &queueRecorder{tries: map[string]int{}, notify: make(chan struct{}, 1000)}
}

func (r *queueRecorder) deliver(_ context.Context, ev ObjectEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries[ev.Key]++
	if r.refuse != nil && r.refuse(ev, r.tries[ev.Key]) {
		return errors.New("queue full")
	}
	r.got = append(r.got, ev)
	r.notify <- struct{}{}
	return nil
}

func (r *queueRecorder) events() []ObjectEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ObjectEvent(nil), r.got...)
}

// wait waits until n events were accepted, or fails the test.
func (r *queueRecorder) wait(t testing.TB, n int, within time.Duration) []ObjectEvent {
	t.Helper()
	deadline := time.After(within)
	for len(r.events()) < n {
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("got %d events within %v, want %d: %+v", len(r.events()), within, n, r.events())
		}
	}
	return r.events()
}

// queueTestRun runs src until the returned stop is called (or the test
// ends) and fails the test if Run returns an error.
func queueTestRun(t testing.TB, src Source, deliver Deliver) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, deliver) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("Run did not return within 15s of cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// natsTest is a unique subject and stream on the test server.
type natsTest struct {
	url, subject, stream string
	nc                   *nats.Conn
	js                   jetstream.JetStream
}

func newNATSTest(t *testing.T) *natsTest {
	t.Helper()
	nc := natsserver.Connect(t)
	name := natsserver.Unique(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	natsserver.DeleteStreamAtEnd(t, nc, name)
	return &natsTest{url: nc.ConnectedUrl(), subject: "vigil.test." + name, stream: name, nc: nc, js: js}
}

// source makes a NATSSource on the test's subject and stream, with short
// waits so tests run quickly.
func (n *natsTest) source(t *testing.T, edit func(*NATSSourceOptions)) *NATSSource {
	t.Helper()
	opts := NATSSourceOptions{
		URL: n.url, Subject: n.subject, Stream: n.stream, Durable: "vigil",
		KeyDecoding: KeyRaw, NakDelay: 200 * time.Millisecond, FetchWait: 500 * time.Millisecond,
		MaxAge: time.Hour, MaxBytes: 64 << 20,
	}
	if edit != nil {
		edit(&opts)
	}
	src, err := NewNATSSource(opts, queueTestLogger(t))
	if err != nil {
		t.Fatalf("NewNATSSource: %v", err)
	}
	return src
}

// waitConsumer waits until the source has made its stream and consumer.
func (n *natsTest) waitConsumer(t *testing.T, durable string) jetstream.Consumer {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := n.js.Consumer(context.Background(), n.stream, durable); err == nil {
			return c
		}
	}
	t.Fatalf("consumer %s on stream %s not created within 10s", durable, n.stream)
	return nil
}

func (n *natsTest) publish(t *testing.T, body []byte) {
	t.Helper()
	if err := n.nc.Publish(n.subject, body); err != nil {
		t.Fatal(err)
	}
	if err := n.nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// settled waits until the consumer has nothing pending or unacknowledged.
func (n *natsTest) settled(t *testing.T, c jetstream.Consumer) *jetstream.ConsumerInfo {
	t.Helper()
	var info *jetstream.ConsumerInfo
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if info, err = c.Info(context.Background()); err != nil {
			t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return info
		}
	}
	t.Fatalf("consumer not settled: %d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
	return nil
}

func queueTestLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(queueTestWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type queueTestWriter struct{ t testing.TB }

func (w queueTestWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

var queueEventFields = cmpopts.IgnoreFields(ObjectEvent{}, "Time", "Region", "Sequencer", "VersionID")

func TestNATSSourceDelivers(t *testing.T) {
	n := newNATSTest(t)
	src := n.source(t, nil)
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver)
	c := n.waitConsumer(t, "vigil")

	n.publish(t, []byte(`{"Bucket":"Test-Bucket","Event":"s3:TestEvent","Service":"S3","Time":"2026-11-25T10:00:00Z"}`))
	n.publish(t, queueTestNotification(t,
		queueTestRecord{"s3:ObjectCreated:Put", "b", "dir/a b+c.txt", 3},
		queueTestRecord{"s3:ObjectTagging:Put", "b", "dir/a b+c.txt", 0},
	))
	n.publish(t, queueTestNotification(t, queueTestRecord{"s3:ObjectCreated:CompleteMultipartUpload", "b", "ü.zip", 0}))

	got := rec.wait(t, 2, 10*time.Second)
	want := []ObjectEvent{
		{Bucket: "b", Key: "dir/a b+c.txt", Size: 3, ETag: "etag-dir/a b+c.txt", EventName: "s3:ObjectCreated:Put"},
		{Bucket: "b", Key: "ü.zip", ETag: "etag-ü.zip", EventName: "s3:ObjectCreated:CompleteMultipartUpload"},
	}
	if diff := cmp.Diff(want, got, queueEventFields); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	n.settled(t, c)
	if st, want := src.Stats(), (QueueStats{Messages: 3, Events: 2}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

func TestNATSSourceDurable(t *testing.T) {
	n := newNATSTest(t)
	src := n.source(t, nil)
	rec := newQueueRecorder()
	stop := queueTestRun(t, src, rec.deliver)
	c := n.waitConsumer(t, "vigil")
	n.publish(t, queueTestNotification(t, queueTestRecord{"s3:ObjectCreated:Put", "b", "before", 1}))
	rec.wait(t, 1, 10*time.Second)
	n.settled(t, c)
	stop()

	// Vigil is down: the stream keeps what is published meanwhile.
	n.publish(t, queueTestNotification(t, queueTestRecord{"s3:ObjectCreated:Put", "b", "while-down", 2}))
	time.Sleep(300 * time.Millisecond)
	if got := len(rec.events()); got != 1 {
		t.Fatalf("events while stopped = %d, want 1", got)
	}

	queueTestRun(t, src, rec.deliver)
	got := rec.wait(t, 2, 10*time.Second)
	if got[1].Key != "while-down" {
		t.Errorf("event after restart = %+v, want key while-down", got[1])
	}
	n.settled(t, c)
	if len(rec.events()) != 2 {
		t.Errorf("events = %+v, want 2 (no redelivery of acknowledged ones)", rec.events())
	}
}

func TestNATSSourceRedelivery(t *testing.T) {
	n := newNATSTest(t)
	src := n.source(t, nil)
	rec := newQueueRecorder()
	rec.refuse = func(ev ObjectEvent, try int) bool { return ev.Key == "second" && try <= 2 }
	queueTestRun(t, src, rec.deliver)
	c := n.waitConsumer(t, "vigil")

	n.publish(t, queueTestNotification(t,
		queueTestRecord{"s3:ObjectCreated:Put", "b", "first", 1},
		queueTestRecord{"s3:ObjectCreated:Put", "b", "second", 2},
	))
	// Each delivery of the message gives "first" again (at least once);
	// "second" is refused twice, then accepted.
	got := rec.wait(t, 4, 10*time.Second)
	var keys []string
	for _, ev := range got {
		keys = append(keys, ev.Key)
	}
	if want := []string{"first", "first", "first", "second"}; !cmp.Equal(keys, want) {
		t.Errorf("accepted keys = %q, want %q", keys, want)
	}
	info := n.settled(t, c)
	if info.NumRedelivered != 0 || info.Delivered.Consumer != 3 {
		t.Errorf("consumer delivered %d times, %d redelivered now; want 3 and 0", info.Delivered.Consumer, info.NumRedelivered)
	}
	if st, want := src.Stats(), (QueueStats{Messages: 3, Events: 4, Retried: 2}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

func TestNATSSourceMalformed(t *testing.T) {
	n := newNATSTest(t)
	src := n.source(t, func(o *NATSSourceOptions) {
		o.KeyDecoding = KeyURLEncoded
		o.AckWait = time.Second // a forgotten message would come back quickly
	})
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver)
	c := n.waitConsumer(t, "vigil")

	n.publish(t, []byte("not json"))
	n.publish(t, []byte(`{"hello":"world"}`))
	// One good record and one whose key is not valid URL encoding.
	n.publish(t, queueTestNotification(t,
		queueTestRecord{"ObjectCreated:Put", "b", "good+key%C3%BC", 1},
		queueTestRecord{"ObjectCreated:Put", "b", "bad%zzkey", 1},
	))
	n.publish(t, queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "b", "after", 1}))

	got := rec.wait(t, 2, 10*time.Second)
	if got[0].Key != "good keyü" || got[1].Key != "after" {
		t.Errorf("keys = %q, %q; want %q, %q", got[0].Key, got[1].Key, "good keyü", "after")
	}
	n.settled(t, c)
	time.Sleep(2 * time.Second) // two AckWaits: nothing comes back
	info := n.settled(t, c)
	if info.Delivered.Consumer != 4 {
		t.Errorf("consumer delivered %d messages, want 4 (malformed ones terminated, not redelivered)", info.Delivered.Consumer)
	}
	if st, want := src.Stats(), (QueueStats{Messages: 4, Events: 2, Malformed: 3}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

// TestNATSSourceForeignStream: an existing stream is used as it is, and one
// that does not capture the subject is a configuration error.
func TestNATSSourceForeignStream(t *testing.T) {
	n := newNATSTest(t)
	ctx := context.Background()
	_, err := n.js.CreateStream(ctx, jetstream.StreamConfig{Name: n.stream, Subjects: []string{n.subject + ".other"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	src := n.source(t, nil)
	runCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = src.Run(runCtx, newQueueRecorder().deliver)
	if err == nil || runCtx.Err() != nil {
		t.Fatalf("Run with a stream not capturing the subject = %v, want a configuration error", err)
	}
	t.Logf("Run = %v", err)
	st, err := n.js.Stream(ctx, n.stream)
	if err != nil {
		t.Fatal(err)
	}
	if subj := st.CachedInfo().Config.Subjects; !cmp.Equal(subj, []string{n.subject + ".other"}) {
		t.Errorf("stream subjects = %q: Vigil must not change an existing stream", subj)
	}
}

func TestNATSSourceOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    NATSSourceOptions
		wantErr string
	}{
		{"defaults", NATSSourceOptions{Subject: "s3.events"}, ""},
		{"wildcard subject", NATSSourceOptions{Subject: "s3.>"}, ""},
		{"no subject", NATSSourceOptions{}, "subject"},
		{"stream with dot", NATSSourceOptions{Subject: "s", Stream: "a.b"}, "stream"},
		{"durable with space", NATSSourceOptions{Subject: "s", Durable: "a b"}, "durable"},
		{"tiny fetch wait", NATSSourceOptions{Subject: "s", FetchWait: time.Millisecond}, "fetch wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewNATSSource(tt.opts, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewNATSSource(%+v) = %v, want nil", tt.opts, err)
				}
				o := src.Options()
				if o.Stream != "VIGIL_S3_EVENTS" || o.Durable != "vigil" || o.MaxDeliver != -1 || o.AckWait != time.Minute || o.URL != nats.DefaultURL {
					t.Errorf("defaults = %+v", o)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewNATSSource(%+v) = %v, want an error about %s", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestNATSRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                       "nats://127.0.0.1:4222",
		"nats://u:secret@h:4222,nats://tok3n@h2:4222": "nats://u:xxxxx@h:4222,nats://xxxxx@h2:4222",
		"tls://admin:pw@nats.example.com":             "tls://admin:xxxxx@nats.example.com",
	} {
		if got := natsRedact(in); got != want {
			t.Errorf("natsRedact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNATSSourceVersitygw runs a real versitygw that publishes its S3 event
// notifications to NATS, uploads objects whose keys need care, and checks
// that the source delivers exactly those objects.
func TestNATSSourceVersitygw(t *testing.T) {
	if versitygw.Binary() == "" {
		t.Skipf("versitygw not found: install with %s", versitygw.Install)
	}
	n := newNATSTest(t)
	src := n.source(t, nil) // KeyRaw: versitygw sends keys as they are
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver)
	n.waitConsumer(t, "vigil") // the stream must exist before versitygw publishes

	filter := filepath.Join(t.TempDir(), "filter.json") // absolute, as versitygw needs
	err := os.WriteFile(filter, []byte(`{"s3:ObjectCreated:*": true, "s3:ObjectTagging:*": false, "s3:ObjectRemoved:*": false}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	gw := versitygw.Start(t, versitygw.Options{Args: []string{
		"--event-nats-url", n.url, "--event-nats-topic", n.subject, "--event-filter", filter,
	}})
	const bucket = "vigil-nats"
	gw.CreateBucket(t, bucket)
	objects := map[string]string{
		"plain.txt":                 "hello",
		"with space/ü+plus.txt":     "unicode and plus",
		"a+b c/日本語 ファイル.bin":        "cjk",
		"100% sure?&x=y#frag.txt":   "reserved characters",
		"deep/ly/nested/empty-file": "",
	}
	var want []ObjectEvent
	for key, body := range objects {
		gw.Put(t, bucket, key, []byte(body))
		sum := md5.Sum([]byte(body))
		want = append(want, ObjectEvent{
			Bucket: bucket, Key: key, Size: int64(len(body)), ETag: hex.EncodeToString(sum[:]), EventName: "s3:ObjectCreated:Put",
		})
	}
	// Neither tagging nor removal may yield events (filtered by versitygw
	// here, and ignored by ParseNotification anyway).
	ctx := context.Background()
	_, err = gw.Client().PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket: aws.String(bucket), Key: aws.String("plain.txt"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("GuardDutyMalwareScanStatus"), Value: aws.String("NO_THREATS_FOUND")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("deep/ly/nested/empty-file")}); err != nil {
		t.Fatal(err)
	}

	rec.wait(t, len(want), 15*time.Second)
	time.Sleep(time.Second) // anything extra would show up now
	byKey := func(a, b ObjectEvent) bool { return a.Key < b.Key }
	if diff := cmp.Diff(want, rec.events(), queueEventFields, cmpopts.SortSlices(byKey)); diff != "" {
		t.Errorf("events from versitygw (-want +got):\n%s", diff)
	}
	// One message per upload, plus the s3:TestEvent versitygw sends at
	// start; the tagging and the deletion were filtered out by versitygw.
	if st, want := src.Stats(), (QueueStats{Messages: uint64(len(want) + 1), Events: uint64(len(want))}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

func TestNATSPublisher(t *testing.T) {
	for _, useJS := range []bool{false, true} {
		name := map[bool]string{false: "core", true: "jetstream"}[useJS]
		t.Run(name, func(t *testing.T) {
			n := newNATSTest(t)
			ctx := context.Background()
			_, err := n.js.CreateStream(ctx, jetstream.StreamConfig{Name: n.stream, Subjects: []string{n.subject}, Storage: jetstream.MemoryStorage})
			if err != nil {
				t.Fatal(err)
			}
			sub, err := n.nc.SubscribeSync(n.subject)
			if err != nil {
				t.Fatal(err)
			}
			n.nc.Flush()
			pub, err := NewNATSPublisher(NATSPublisherOptions{URL: n.url, Subject: n.subject, JetStream: useJS}, queueTestLogger(t))
			if err != nil {
				t.Fatalf("NewNATSPublisher: %v", err)
			}
			defer pub.Close()

			event := []byte(`{"version":"0","id":"3f2b-scan-1","detail-type":"GuardDuty Malware Protection Object Scan Result","detail":{"scanStatus":"COMPLETED"}}`)
			for range 2 { // the same event twice: the stream keeps one
				if err := pub.Publish(ctx, event); err != nil {
					t.Fatalf("Publish = %v", err)
				}
			}
			msg, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatalf("subscriber: %v", err)
			}
			if string(msg.Data) != string(event) || msg.Header.Get(jetstream.MsgIDHeader) != "3f2b-scan-1" {
				t.Errorf("received %q with Nats-Msg-Id %q, want the event with id 3f2b-scan-1", msg.Data, msg.Header.Get(jetstream.MsgIDHeader))
			}
			st, err := n.js.Stream(ctx, n.stream)
			if err != nil {
				t.Fatal(err)
			}
			info, err := st.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.State.Msgs != 1 {
				t.Errorf("stream holds %d messages, want 1 (duplicate dropped by Nats-Msg-Id)", info.State.Msgs)
			}
		})
	}
}

// TestNATSPublisherErrors: with JetStream a subject no stream captures is an
// error, and a closed publisher fails rather than dropping silently.
func TestNATSPublisherErrors(t *testing.T) {
	n := newNATSTest(t)
	ctx := context.Background()
	pub, err := NewNATSPublisher(NATSPublisherOptions{URL: n.url, Subject: n.subject + ".nostream", JetStream: true, Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, []byte(`{}`)); err == nil {
		t.Errorf("JetStream Publish to a subject without a stream = nil, want an error")
	}
	pub.Close()
	if err := pub.Publish(ctx, []byte(`{}`)); err == nil {
		t.Errorf("Publish after Close = nil, want an error")
	}
	if _, err := NewNATSPublisher(NATSPublisherOptions{Subject: "s3.>"}, nil); err == nil {
		t.Errorf("NewNATSPublisher with a wildcard subject = nil error, want one")
	}
}

// TestNATSSourceReconnect runs a private nats-server: the source starts
// while NATS is down, then keeps delivering across a server restart (the
// stream and consumer are on disk and survive it).
func TestNATSSourceReconnect(t *testing.T) {
	srv := natsserver.NewPrivate(t)
	src, err := NewNATSSource(NATSSourceOptions{
		URL: srv.URL, Subject: "s3.events", Stream: "S3", KeyDecoding: KeyRaw,
		FetchWait: 500 * time.Millisecond, NakDelay: 200 * time.Millisecond,
	}, queueTestLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver) // NATS is down: Run waits for it
	time.Sleep(300 * time.Millisecond)

	publish := func(key string) {
		t.Helper()
		nc, err := nats.Connect(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		// Wait for the source to make its consumer, then publish through
		// JetStream so the test knows the stream has the message.
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, err := js.Consumer(context.Background(), "S3", "vigil"); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("consumer not there: %v", err)
			}
		}
		body := queueTestNotification(t, queueTestRecord{"s3:ObjectCreated:Put", "b", key, 1})
		if _, err := js.Publish(context.Background(), "s3.events", body); err != nil {
			t.Fatalf("publish %s: %v", key, err)
		}
	}

	srv.Start()
	publish("after-start")
	rec.wait(t, 1, 15*time.Second)

	srv.Stop()
	time.Sleep(300 * time.Millisecond)
	srv.Start()
	publish("after-restart")
	// Delivery is at least once: an ack lost in the restart may bring
	// "after-start" again, so wait for the new key among the deliveries.
	deadline := time.Now().Add(15 * time.Second)
	for {
		keys := map[string]bool{}
		for _, ev := range rec.events() {
			keys[ev.Key] = true
		}
		if keys["after-start"] && keys["after-restart"] {
			if len(keys) != 2 {
				t.Errorf("unexpected keys delivered: %v", keys)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart, delivered keys = %v; want after-start and after-restart", keys)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
