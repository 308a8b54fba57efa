package notify_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
)

func TestEventID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := notify.EventID("f1:3"), notify.EventID("f1:4")
	if !uuid.MatchString(a) || !uuid.MatchString(b) {
		t.Errorf("EventID = %q, %q, want version 5 UUIDs", a, b)
	}
	if a == b {
		t.Errorf("EventID(f1:3) = EventID(f1:4) = %s", a)
	}
	if again := notify.EventID("f1:3"); again != a {
		t.Errorf("EventID(f1:3) = %s, then %s", a, again)
	}
}

func TestEnvelopeTime(t *testing.T) {
	at := func(s string) finding.Time {
		tt, _ := time.Parse(time.RFC3339Nano, s)
		return finding.At(tt)
	}
	for _, tc := range []struct {
		name string
		f    finding.Finding
		want string
	}{
		{"updatedAt", finding.Finding{UpdatedAt: at("2024-05-01T12:34:56.789Z"), CreatedAt: at("2024-05-01T00:00:00Z")}, "2024-05-01T12:34:56Z"},
		{"createdAt", finding.Finding{CreatedAt: at("2024-05-01T01:02:03.5Z")}, "2024-05-01T01:02:03Z"},
		{"eventLastSeen", finding.Finding{Service: finding.Service{EventLastSeen: at("2024-05-02T00:00:00Z")}}, "2024-05-02T00:00:00Z"},
		{"none", finding.Finding{}, "1970-01-01T00:00:00Z"},
	} {
		b, err := notify.Envelope(tc.f, "id")
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ Time string }
		json.Unmarshal(b, &ev)
		if ev.Time != tc.want {
			t.Errorf("%s: envelope time %q, want %q", tc.name, ev.Time, tc.want)
		}
	}
}

func TestEnvelopeDoesNotEscapeHTML(t *testing.T) {
	b, err := notify.Envelope(finding.Finding{Type: "Backdoor:EC2/C&CActivity.B", Title: "<x>"}, "id")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"type":"Backdoor:EC2/C&CActivity.B"`) || !strings.Contains(string(b), `"title":"<x>"`) {
		t.Errorf("Envelope escapes HTML characters: %s", b)
	}
}
