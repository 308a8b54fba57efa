package notify_test

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
)

// FuzzParseRetryAfter: any header value parses to a delay that is not
// negative, or is refused; it never panics.
func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"120", "0", "-1", "Wed, 25 Nov 2026 23:00:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"99999999999999999999", " 5 ", "", "1.5", "Mon Jan  2 15:04:05 2006"} {
		f.Add(seed)
	}
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := notify.ParseRetryAfter(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}
