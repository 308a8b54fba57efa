package protect

// The SQS source is tested against fakeSQS below, a minimal in-process
// server speaking the AWS JSON 1.0 protocol of the SDK's SQS client
// (ReceiveMessage with long polling and visibility timeouts,
// DeleteMessageBatch, ChangeMessageVisibilityBatch), not against a real
// SQS: there is none on the test machines.

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
)

const fakeSQSQueueURL = "https://sqs.eu-west-3.amazonaws.com/123456789012/vigil-s3-events"

// fakeSQS is one standard queue.
type fakeSQS struct {
	t      testing.TB
	mu     sync.Mutex
	msgs   []*fakeSQSMsg
	n      int
	calls  map[string]int
	hidden []int32 // visibility timeouts set by ChangeMessageVisibilityBatch
}

type fakeSQSMsg struct {
	id, body, handle string
	visibleAt        time.Time
	receives         int
	deleted          bool
}

func newFakeSQS(t testing.TB) (*fakeSQS, *httptest.Server) {
	f := &fakeSQS{t: t, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSQS) send(bodies ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range bodies {
		f.n++
		f.msgs = append(f.msgs, &fakeSQSMsg{id: fmt.Sprintf("msg-%d", f.n), body: b})
	}
}

// left returns the bodies not deleted.
func (f *fakeSQS) left() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.msgs {
		if !m.deleted {
			out = append(out, m.body)
		}
	}
	return out
}

func (f *fakeSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if r.Method != http.MethodPost || !ok || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		f.t.Errorf("fake SQS: unexpected request %s %s target %q type %q auth %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"),
			r.Header.Get("Content-Type"), r.Header.Get("Authorization"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var in struct {
		QueueUrl            string
		MaxNumberOfMessages int
		WaitTimeSeconds     int
		VisibilityTimeout   *int32 // absent: the queue's default
		Entries             []struct {
			Id, ReceiptHandle string
			VisibilityTimeout *int32
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("fake SQS: %s body: %v", op, err)
	}
	f.mu.Lock()
	f.calls[op]++
	f.mu.Unlock()
	if in.QueueUrl != fakeSQSQueueURL {
		w.Header().Set("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
		fakeSQSReply(w, http.StatusBadRequest, map[string]string{
			"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist.",
		})
		return
	}
	switch op {
	case "ReceiveMessage":
		fakeSQSReply(w, http.StatusOK, map[string]any{"Messages": f.receive(r.Context(), in.MaxNumberOfMessages, in.WaitTimeSeconds, in.VisibilityTimeout)})
	case "DeleteMessageBatch", "ChangeMessageVisibilityBatch":
		var ok, failed []map[string]any
		for _, e := range in.Entries {
			if op == "ChangeMessageVisibilityBatch" && e.VisibilityTimeout == nil {
				f.t.Errorf("fake SQS: %s entry without VisibilityTimeout", op)
				e.VisibilityTimeout = new(int32)
			}
			if f.settle(op, e.ReceiptHandle, e.VisibilityTimeout) {
				ok = append(ok, map[string]any{"Id": e.Id})
			} else {
				failed = append(failed, map[string]any{"Id": e.Id, "Code": "ReceiptHandleIsInvalid", "SenderFault": true, "Message": "stale"})
			}
		}
		fakeSQSReply(w, http.StatusOK, map[string]any{"Successful": ok, "Failed": failed})
	default:
		f.t.Errorf("fake SQS: unexpected operation %s", op)
		fakeSQSReply(w, http.StatusBadRequest, map[string]string{"__type": "com.amazonaws.sqs#UnsupportedOperation", "message": op})
	}
}

// receive long-polls for up to wait seconds.
func (f *fakeSQS) receive(ctx context.Context, max, wait int, visibility *int32) []map[string]any {
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		if out := f.take(max, visibility); len(out) > 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fakeSQS) take(max int, visibility *int32) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	hide := int32(30) // the queue's default
	if visibility != nil {
		hide = *visibility
	}
	var out []map[string]any
	now := time.Now()
	for _, m := range f.msgs {
		if len(out) == max {
			break
		}
		if m.deleted || now.Before(m.visibleAt) {
			continue
		}
		m.receives++
		m.handle = fmt.Sprintf("%s-handle-%d", m.id, m.receives)
		m.visibleAt = now.Add(time.Duration(hide) * time.Second)
		sum := md5.Sum([]byte(m.body))
		out = append(out, map[string]any{
			"MessageId": m.id, "ReceiptHandle": m.handle, "Body": m.body, "MD5OfBody": hex.EncodeToString(sum[:]),
			"Attributes": map[string]string{"ApproximateReceiveCount": fmt.Sprint(m.receives)},
		})
	}
	return out
}

// settle deletes the message with the receipt handle, or changes its
// visibility; false when the handle is not the latest.
func (f *fakeSQS) settle(op, handle string, visibility *int32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if m.handle != handle || m.deleted {
			continue
		}
		if op == "DeleteMessageBatch" {
			m.deleted = true
		} else {
			m.visibleAt = time.Now().Add(time.Duration(*visibility) * time.Second)
			f.hidden = append(f.hidden, *visibility)
		}
		return true
	}
	return false
}

func fakeSQSReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// newTestSQSSource makes an SQSSource reading the fake.
func newTestSQSSource(t *testing.T, srv *httptest.Server, edit func(*SQSSourceOptions)) *SQSSource {
	t.Helper()
	opts := SQSSourceOptions{
		QueueURL: fakeSQSQueueURL, Endpoint: srv.URL, AccessKeyID: "AKIDTEST", SecretAccessKey: "test-secret",
		WaitTimeSeconds: 1, RetryDelay: time.Second,
	}
	if edit != nil {
		edit(&opts)
	}
	src, err := NewSQSSource(opts, queueTestLogger(t))
	if err != nil {
		t.Fatalf("NewSQSSource: %v", err)
	}
	return src
}

// waitLeft waits until the messages not deleted are want.
func (f *fakeSQS) waitLeft(t *testing.T, want []string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cmp.Equal(f.left(), want) {
			return
		}
	}
	t.Fatalf("messages left in the queue = %q, want %q", f.left(), want)
}

func sqsTestSNS(t *testing.T, inner []byte) string {
	b, err := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "sns-1", "TopicArn": "arn:aws:sns:eu-west-3:123456789012:s3-events",
		"Subject": "Amazon S3 Notification", "Message": string(inner), "Timestamp": "2026-11-25T10:00:00.000Z",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const sqsTestEventBridge = `{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created",
"source":"aws.s3","account":"123456789012","time":"2026-11-25T10:00:00Z","region":"eu-west-3",
"resources":["arn:aws:s3:::uploads"],"detail":{"version":"0","bucket":{"name":"uploads"},
"object":{"key":"eb dir/ü+x.txt","size":5,"etag":"b1946ac92492d2347c6235b4d2611184","sequencer":"00617F08299329D189"},
"request-id":"N4N7GDK58NMKJ12R","requester":"123456789012","source-ip-address":"1.2.3.4","reason":"PutObject"}}`

func TestSQSSourceBodies(t *testing.T) {
	f, srv := newFakeSQS(t)
	deletedEB := strings.Replace(sqsTestEventBridge, `"Object Created"`, `"Object Deleted"`, 1)
	f.send(
		string(queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "uploads", "with+space/%C3%BC%2Bplus.txt", 3})),
		sqsTestEventBridge,
		sqsTestSNS(t, queueTestNotification(t, queueTestRecord{"ObjectCreated:CompleteMultipartUpload", "uploads", "sns/a%26b.bin", 0})),
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T10:00:00.000Z","Bucket":"uploads","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`,
		"garbage",
		deletedEB,
		sqsTestSNS(t, []byte(sqsTestEventBridge)),
		string(queueTestNotification(t, queueTestRecord{"ObjectTagging:Put", "uploads", "with+space/%C3%BC%2Bplus.txt", 0})),
	)
	src := newTestSQSSource(t, srv, nil)
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver)

	got := rec.wait(t, 4, 10*time.Second)
	f.waitLeft(t, nil) // everything deleted, the malformed body too
	eb := ObjectEvent{Bucket: "uploads", Key: "eb dir/ü+x.txt", Size: 5, ETag: "b1946ac92492d2347c6235b4d2611184", EventName: "ObjectCreated:PutObject"}
	want := []ObjectEvent{
		{Bucket: "uploads", Key: "with space/ü+plus.txt", Size: 3, ETag: "etag-with+space/%C3%BC%2Bplus.txt", EventName: "ObjectCreated:Put"},
		eb,
		{Bucket: "uploads", Key: "sns/a&b.bin", ETag: "etag-sns/a%26b.bin", EventName: "ObjectCreated:CompleteMultipartUpload"},
		eb,
	}
	if diff := cmp.Diff(want, got, queueEventFields); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if st, want := src.Stats(), (QueueStats{Messages: 8, Events: 4, Malformed: 1}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

func TestSQSSourceRetry(t *testing.T) {
	f, srv := newFakeSQS(t)
	f.send(string(queueTestNotification(t,
		queueTestRecord{"ObjectCreated:Put", "b", "first", 1},
		queueTestRecord{"ObjectCreated:Put", "b", "second", 1},
	)))
	src := newTestSQSSource(t, srv, nil)
	rec := newQueueRecorder()
	rec.refuse = func(ev ObjectEvent, try int) bool { return ev.Key == "second" && try == 1 }
	start := time.Now()
	queueTestRun(t, src, rec.deliver)

	got := rec.wait(t, 3, 10*time.Second)
	f.waitLeft(t, nil)
	var keys []string
	for _, ev := range got {
		keys = append(keys, ev.Key)
	}
	if want := []string{"first", "first", "second"}; !cmp.Equal(keys, want) {
		t.Errorf("accepted keys = %q, want %q", keys, want)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("redelivered after %v, want after RetryDelay (1s)", elapsed)
	}
	f.mu.Lock()
	hidden := f.hidden
	f.mu.Unlock()
	if !cmp.Equal(hidden, []int32{1}) {
		t.Errorf("visibility changes = %v, want [1] (RetryDelay)", hidden)
	}
	if st, want := src.Stats(), (QueueStats{Messages: 2, Events: 3, Retried: 1}); st != want {
		t.Errorf("Stats() = %+v, want %+v", st, want)
	}
}

func TestSQSSourceKeepMalformed(t *testing.T) {
	f, srv := newFakeSQS(t)
	f.send("<xml>not json</xml>", string(queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "b", "k", 1})))
	src := newTestSQSSource(t, srv, func(o *SQSSourceOptions) { o.KeepMalformed = true })
	rec := newQueueRecorder()
	queueTestRun(t, src, rec.deliver)
	rec.wait(t, 1, 10*time.Second)
	f.waitLeft(t, []string{"<xml>not json</xml>"}) // for the redrive policy
	if st := src.Stats(); st.Malformed != 1 {
		t.Errorf("Stats().Malformed = %d, want 1", st.Malformed)
	}
}

// TestSQSSourceShutdown: messages received but not delivered when Vigil
// stops are made visible again at once, and delivered ones are deleted.
func TestSQSSourceShutdown(t *testing.T) {
	f, srv := newFakeSQS(t)
	f.send(
		string(queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "b", "one", 1})),
		string(queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "b", "two", 1})),
		string(queueTestNotification(t, queueTestRecord{"ObjectCreated:Put", "b", "three", 1})),
	)
	src := newTestSQSSource(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	deliver := func(ctx context.Context, ev ObjectEvent) error {
		if ev.Key == "two" {
			cancel() // Vigil stops while taking the second event
			return ctx.Err()
		}
		got = append(got, ev.Key)
		return nil
	}
	if err := src.Run(ctx, deliver); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if !cmp.Equal(got, []string{"one"}) {
		t.Errorf("delivered %q, want [one]", got)
	}
	f.mu.Lock()
	hidden := f.hidden
	f.mu.Unlock()
	if !cmp.Equal(hidden, []int32{0, 0}) {
		t.Errorf("visibility changes = %v, want [0 0] (two and three released)", hidden)
	}
	if left := f.left(); len(left) != 2 {
		t.Errorf("%d messages left, want 2", len(left))
	}
}

func TestSQSSourceQueueMissing(t *testing.T) {
	_, srv := newFakeSQS(t)
	src := newTestSQSSource(t, srv, func(o *SQSSourceOptions) {
		o.QueueURL = "https://sqs.eu-west-3.amazonaws.com/123456789012/nope"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := src.Run(ctx, newQueueRecorder().deliver)
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("Run on a missing queue = %v, want QueueDoesNotExist", err)
	}
}

func TestSQSSourceOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    SQSSourceOptions
		wantErr string
	}{
		{"queue URL only", SQSSourceOptions{QueueURL: fakeSQSQueueURL}, ""},
		{"no queue", SQSSourceOptions{}, "queue URL"},
		{"half credentials", SQSSourceOptions{QueueURL: fakeSQSQueueURL, AccessKeyID: "AKID"}, "secret"},
		{"bad endpoint", SQSSourceOptions{QueueURL: fakeSQSQueueURL, Endpoint: "localhost:9324"}, "endpoint"},
		{"wait too long", SQSSourceOptions{QueueURL: fakeSQSQueueURL, WaitTimeSeconds: 30}, "wait time"},
		{"too many messages", SQSSourceOptions{QueueURL: fakeSQSQueueURL, MaxMessages: 11}, "max messages"},
		{"visibility too long", SQSSourceOptions{QueueURL: fakeSQSQueueURL, VisibilityTimeout: 13 * time.Hour}, "visibility"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewSQSSource(tt.opts, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewSQSSource(%v) = %v, want nil", tt.opts, err)
				}
				if o := src.Options(); o.Region != "eu-west-3" || o.WaitTimeSeconds != 20 || o.MaxMessages != 10 {
					t.Errorf("Options() = %v, want region from the queue URL and defaults", o)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewSQSSource(%v) = %v, want an error about %s", tt.opts, err, tt.wantErr)
			}
		})
	}
	s := SQSSourceOptions{QueueURL: fakeSQSQueueURL, AccessKeyID: "AKID", SecretAccessKey: "very-secret", SessionToken: "tok"}.String()
	if strings.Contains(s, "very-secret") || strings.Contains(s, "tok}") || !strings.Contains(s, "AKID") {
		t.Errorf("String() = %s: want the secret and token redacted", s)
	}
}

func TestSQSHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"https://sqs.us-east-1.amazonaws.com/1/q":     "us-east-1",
		"https://sqs.cn-north-1.amazonaws.com.cn/1/q": "cn-north-1",
		"http://127.0.0.1:9324/000000000000/q":        "",
		"https://queue.amazonaws.com/1/q":             "",
	} {
		if got := sqsRegionFromURL(in); got != want {
			t.Errorf("sqsRegionFromURL(%q) = %q, want %q", in, got, want)
		}
	}
	inner := `{"Records":[]}`
	for body, want := range map[string]string{
		sqsTestSNS(t, []byte(inner)):          inner,
		inner:                                 inner,
		`{"Type":"SubscriptionConfirmation"}`: `{"Type":"SubscriptionConfirmation"}`,
		"not json":                            "not json",
	} {
		if got := string(sqsUnwrapSNS([]byte(body))); got != want {
			t.Errorf("sqsUnwrapSNS(%q) = %q, want %q", body, got, want)
		}
	}
}
