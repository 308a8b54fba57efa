package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"99999999999", 365 * 24 * time.Hour, true},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second, true},
		{"Wednesday, 01-May-24 12:01:00 GMT", time.Minute, true},
		{"Wed May  1 12:00:05 2024", 5 * time.Second, true},
		{"Tue, 30 Apr 2024 12:00:00 GMT", 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		got, ok := notify.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v, want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHTTPTargetRedacts(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://hooks.slack.com/services/T0/B0/SECRET", "https://hooks.slack.com/…"},
		{"https://user:SECRET@siem.example:8443/", "https://siem.example:8443"},
		{"https://siem.example", "https://siem.example"},
		{"https://siem.example?token=SECRET", "https://siem.example/…"},
		{"http://127.0.0.1:9/SECRET", "http://127.0.0.1:9/…"},
	} {
		target, err := notify.ParseHTTPTarget(tc.in, notify.HTTPSOnly)
		if err != nil {
			t.Errorf("ParseHTTPTarget(%q) = %v", tc.in, err)
			continue
		}
		if got := target.String(); got != tc.want {
			t.Errorf("ParseHTTPTarget(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := notify.ParseHTTPTarget("http://user:SECRET@siem.example/x", notify.HTTPSOnly); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("ParseHTTPTarget(http on a public host) = %v, want an error without the secret", err)
	}
	if _, err := notify.ParseHTTPTarget("http://siem.example/x", notify.HTTPOrHTTPS); err != nil {
		t.Errorf("ParseHTTPTarget(http, HTTPOrHTTPS) = %v, want no error", err)
	}
}
