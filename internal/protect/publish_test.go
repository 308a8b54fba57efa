package protect_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/protect"
)

var _ protect.Publisher = (*protect.NATSPublisher)(nil)

func TestWebhookPublisherRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // answers in turn; the last repeats
		wantErr  bool
		wantHits int32
	}{
		{"ok", []int{200}, false, 1},
		{"5xx then ok", []int{503, 500, 204}, false, 3},
		{"429 then ok", []int{429, 200}, false, 2},
		{"4xx is not retried", []int{400}, true, 1},
		{"gives up", []int{502}, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1))
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				w.WriteHeader(tt.statuses[min(n, len(tt.statuses))-1])
			}))
			defer srv.Close()
			pub, err := protect.NewWebhookPublisher(srv.URL+"/hook?token=s3cr3t", protect.WebhookOptions{Attempts: 3, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err = pub.Publish(t.Context(), []byte(`{"id":"x"}`))
			if (err != nil) != tt.wantErr || hits.Load() != tt.wantHits {
				t.Errorf("Publish = %v after %d requests; want error %v after %d", err, hits.Load(), tt.wantErr, tt.wantHits)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("Publish error %q shows the URL's token", err)
			}
		})
	}
}

func TestWebhookPublisherBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "http://", "not a url?token=s3cr3t"} {
		if _, err := protect.NewWebhookPublisher(u, protect.WebhookOptions{}); err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("NewWebhookPublisher(%q) = %v, want an error without the URL", u, err)
		}
	}
}
