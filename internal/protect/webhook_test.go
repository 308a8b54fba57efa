package protect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/protect"
)

func TestWebhookHandler(t *testing.T) {
	full := func(context.Context, protect.ObjectEvent) error { return protect.ErrQueueFull }
	tests := []struct {
		name    string
		method  string
		body    string
		deliver protect.Deliver
		want    int
		events  int
	}{
		{"object created", http.MethodPost, awsPut, nil, http.StatusOK, 1},
		{"test event", http.MethodPost, `{"Bucket":"Test-Bucket","Event":"s3:TestEvent"}`, nil, http.StatusOK, 0},
		{"tagging event", http.MethodPost, `{"Records":[{"eventName":"s3:ObjectTagging:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`, nil, http.StatusOK, 0},
		{"queue full", http.MethodPost, awsPut, full, http.StatusServiceUnavailable, 0},
		{"malformed", http.MethodPost, `{"Records": [`, nil, http.StatusBadRequest, 0},
		{"not S3", http.MethodPost, `{"a":1}`, nil, http.StatusBadRequest, 0},
		{"too large", http.MethodPost, `{"Records":[],"x":"` + strings.Repeat("a", protect.MaxNotificationBytes) + `"}`, nil, http.StatusRequestEntityTooLarge, 0},
		{"GET", http.MethodGet, "", nil, http.StatusMethodNotAllowed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []protect.ObjectEvent
			deliver := tt.deliver
			if deliver == nil {
				deliver = func(_ context.Context, ev protect.ObjectEvent) error { got = append(got, ev); return nil }
			}
			rec := httptest.NewRecorder()
			protect.WebhookHandler(deliver, protect.KeyURLEncoded, nil).ServeHTTP(rec, httptest.NewRequest(tt.method, "/s3events", strings.NewReader(tt.body)))
			if rec.Code != tt.want || len(got) != tt.events {
				t.Errorf("%s %s = %d, %d events delivered; want %d, %d", tt.method, tt.name, rec.Code, len(got), tt.want, tt.events)
			}
			if tt.want == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
		})
	}
}
