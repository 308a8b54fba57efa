package protect_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/protect"
)

// awsPut is an AWS S3 event notification: the key is URL-encoded, with
// spaces as "+" and a literal "+" as %2B.
const awsPut = `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",
 "eventTime":"2025-03-14T09:26:53.589Z","eventName":"ObjectCreated:Put",
 "s3":{"bucket":{"name":"uploads","arn":"arn:aws:s3:::uploads"},
  "object":{"key":"with+space/%C3%BC%2Bplus+100%25.txt","size":7,"eTag":"0ee0646e8d0a2ed7b3ff8c6fd2d9c8d2",
   "versionId":"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY","sequencer":"0055AED6DCD90281E5"}}}]}`

func TestParseNotificationAWSURLEncoded(t *testing.T) {
	got, err := protect.ParseNotification([]byte(awsPut), protect.KeyURLEncoded)
	if err != nil {
		t.Fatalf("ParseNotification(AWS, url) = %v", err)
	}
	want := []protect.ObjectEvent{{
		Bucket: "uploads", Key: "with space/ü+plus 100%.txt", VersionID: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
		ETag: "0ee0646e8d0a2ed7b3ff8c6fd2d9c8d2", Size: 7, EventName: "ObjectCreated:Put",
		Time: time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC), Region: "eu-west-1", Sequencer: "0055AED6DCD90281E5",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseNotification(AWS, url) differs (-want +got):\n%s", diff)
	}
	raw, err := protect.ParseNotification([]byte(awsPut), protect.KeyRaw)
	if err != nil || raw[0].Key != "with+space/%C3%BC%2Bplus+100%25.txt" {
		t.Errorf("ParseNotification(AWS, raw) key = %q, %v; want the key as sent", raw[0].Key, err)
	}
}

func TestParseNotificationVersitygwSamples(t *testing.T) {
	tests := []struct {
		file string
		want int
	}{
		{"s3-event-notification-versitygw-put.json", 1},
		{"s3-event-notification-versitygw-tagging.json", 0}, // our own tags must not cause rescans
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := protect.ParseNotification(b, protect.KeyRaw)
		if err != nil || len(got) != tt.want {
			t.Errorf("ParseNotification(%s) = %+v, %v; want %d events", tt.file, got, err, tt.want)
		}
	}
}

func TestParseNotificationOthers(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
		notS3      bool
	}{
		{"versitygw test event", `{"Bucket":"Test-Bucket","Event":"s3:TestEvent","Service":"S3","Time":"2026-01-01T00:00:00Z"}`, 0, false},
		{"AWS test event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-01T00:00:00.000Z","Bucket":"b"}`, 0, false},
		{"deletion", `{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`, 0, false},
		{"EventBridge", `{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"a b+c","size":3,"etag":"e"},"reason":"PutObject"}}`, 1, false},
		{"not JSON", `<xml/>`, 0, true},
		{"other JSON", `{"hello":"world"}`, 0, true},
	}
	for _, tt := range tests {
		got, err := protect.ParseNotification([]byte(tt.body), protect.KeyURLEncoded)
		if errors.Is(err, protect.ErrNotS3Event) != tt.notS3 || len(got) != tt.want {
			t.Errorf("%s: ParseNotification = %+v, %v; want %d events, ErrNotS3Event %v", tt.name, got, err, tt.want, tt.notS3)
		}
	}
	bad := `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"100%"}}}]}`
	if _, err := protect.ParseNotification([]byte(bad), protect.KeyURLEncoded); err == nil {
		t.Errorf("ParseNotification(key %q, url) = nil error, want one", "100%")
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add([]byte(awsPut))
	f.Add([]byte(`{"Records":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dec := range []protect.KeyDecoding{protect.KeyRaw, protect.KeyURLEncoded} {
			evs, err := protect.ParseNotification(b, dec)
			for _, ev := range evs {
				if err == nil && (ev.Bucket == "" || ev.Key == "") {
					t.Errorf("ParseNotification(%q) = event without bucket or key: %+v", b, ev)
				}
			}
		}
	})
}
