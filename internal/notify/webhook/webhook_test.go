package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/desttest"
	"github.com/vigil-sec/vigil/internal/notify/webhook"
)

func newWebhook(t *testing.T, url string, opts webhook.Options) *webhook.Webhook {
	t.Helper()
	w, err := webhook.New("siem", url, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		url     string
		headers map[string]string
		want    string // in the error; "" for none
	}{
		{"https://siem.example/hook?token=SECRET", nil, ""},
		{"http://siem.internal:8080/hook", map[string]string{"Authorization": "Bearer SECRET", "x-team": "sec"}, ""},
		{"", nil, "empty"},
		{"siem.example/hook", nil, "absolute"},
		{"ftp://siem.example/SECRET", nil, "scheme"},
		{"https://:443/SECRET", nil, "no host"},
		{"https://siem.example/hook", map[string]string{"content-type": "text/plain"}, "set by Vigil"},
		{"https://siem.example/hook", map[string]string{"X-Vigil-Signature": "sha256=00"}, "set by Vigil"},
		{"https://siem.example/hook", map[string]string{"idempotency-key": "1"}, "set by Vigil"},
		{"https://siem.example/hook", map[string]string{"Bad Header": "1"}, "not a valid token"},
		{"https://siem.example/hook", map[string]string{"X-Ok": "a\r\nX-Injected: 1"}, "line break"},
	} {
		_, err := webhook.New("siem", tc.url, webhook.Options{Headers: tc.headers})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("New(%q, %v) = %v, want no error", tc.url, tc.headers, err)
		case tc.want != "" && err == nil:
			t.Errorf("New(%q, %v) = no error, want one about %q", tc.url, tc.headers, tc.want)
		case err != nil && (!strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRET")):
			t.Errorf("New(%q, %v) = %v, want an error about %q that does not show the secret", tc.url, tc.headers, err, tc.want)
		}
	}
}

var envelopeKeys = []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkEnvelope checks one EventBridge event against GuardDuty's shape
// and against the finding it carries.
func checkEnvelope(t *testing.T, raw json.RawMessage, f finding.Finding, id string) {
	t.Helper()
	// Keys in GuardDuty's order, and no others.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // {
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !slices.Equal(keys, envelopeKeys) {
		t.Errorf("envelope keys %q, want %q", keys, envelopeKeys)
	}
	var ev struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  json.RawMessage `json:"resources"`
		Detail     finding.Finding `json:"detail"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("envelope: %v\n%s", err, raw)
	}
	want := map[string][2]string{
		"version":     {ev.Version, "0"},
		"id":          {ev.ID, id},
		"detail-type": {ev.DetailType, "GuardDuty Finding"},
		"source":      {ev.Source, "aws.guardduty"},
		"account":     {ev.Account, f.AccountID},
		"time":        {ev.Time, f.UpdatedAt.UTC().Format(time.RFC3339)},
		"region":      {ev.Region, f.Region},
		"resources":   {string(ev.Resources), "[]"},
	}
	for k, gw := range want {
		if gw[0] != gw[1] {
			t.Errorf("envelope %s = %q, want %q", k, gw[0], gw[1])
		}
	}
	if !uuidRE.MatchString(ev.ID) {
		t.Errorf("envelope id %q is not a version 5 UUID", ev.ID)
	}
	if diff := cmp.Diff(f, ev.Detail); diff != "" {
		t.Errorf("envelope detail differs from the finding (-want +got):\n%s", diff)
	}
}

func TestSendFinding(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	w := newWebhook(t, rcv.URL, webhook.Options{Headers: map[string]string{"Authorization": "Bearer t0ken"}})
	f := desttest.InstanceFinding()
	m := desttest.Message(f)
	for range 2 { // a retry sends the same body
		if err := w.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	reqs := rcv.Requests()
	if !bytes.Equal(reqs[0].Body, reqs[1].Body) {
		t.Errorf("a retry sent a different body:\n%s\n%s", reqs[0].Body, reqs[1].Body)
	}
	r := reqs[0]
	checkEnvelope(t, r.Body, f, notify.EventID(m.ID))
	if !strings.HasPrefix(string(r.Body), `{"version":"0","id":"`) {
		t.Errorf("body starts %.40q", r.Body)
	}
	for h, want := range map[string]string{
		"Content-Type": "application/json", "Idempotency-Key": m.ID, "Authorization": "Bearer t0ken",
		webhook.HeaderDigest: "", webhook.HeaderSignature: "", webhook.HeaderTimestamp: "",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
}

// TestEnvelopeOfFullFinding sends the finding of internal/finding's
// golden file, in which every field is set, and checks that the event's
// detail is that JSON, field for field.
func TestEnvelopeOfFullFinding(t *testing.T) {
	golden, err := os.ReadFile("../../finding/testdata/finding.json")
	if err != nil {
		t.Fatal(err)
	}
	var f finding.Finding
	if err := json.Unmarshal(golden, &f); err != nil {
		t.Fatal(err)
	}
	body, err := webhook.Body(desttest.Message(f))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Detail any }
	var want any
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(golden, &want)
	if diff := cmp.Diff(want, ev.Detail); diff != "" {
		t.Errorf("detail differs from the finding's GuardDuty JSON (-want +got):\n%s", diff)
	}
}

func TestSendDigest(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	w := newWebhook(t, rcv.URL, webhook.Options{})
	a, b, c := desttest.InstanceFinding(), desttest.AccessKeyFinding(), desttest.InstanceFinding()
	c.ID = "0123456789abcdef0123456789abcdef"
	m := desttest.Message(a, b, c)
	m.ID = "digest-7"
	m.Omitted = 12
	if err := w.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := rcv.Requests()[0]
	if got := r.Header.Get(webhook.HeaderDigest); got != "true" {
		t.Errorf("header %s = %q, want true", webhook.HeaderDigest, got)
	}
	if got := r.Header.Get("Idempotency-Key"); got != "digest-7" {
		t.Errorf("Idempotency-Key = %q, want digest-7", got)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(r.Body, &events); err != nil {
		t.Fatalf("digest body is not a JSON array: %v\n%s", err, r.Body)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	ids := map[string]bool{}
	for i, f := range []finding.Finding{a, b, c} {
		id := notify.EventID("digest-7/" + f.ID)
		checkEnvelope(t, events[i], f, id)
		ids[id] = true
	}
	if len(ids) != 3 {
		t.Errorf("digest events share ids: %v", ids)
	}
}

func TestSignature(t *testing.T) {
	const secret = "s3cret-for-hmac"
	rcv := desttest.NewReceiver(t)
	now := time.Unix(1714567890, 0)
	w := newWebhook(t, rcv.URL, webhook.Options{Secret: secret, Now: func() time.Time { return now }})
	if err := w.Send(context.Background(), desttest.Message(desttest.InstanceFinding())); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := rcv.Requests()[0]
	ts, sig := r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature)
	if ts != "1714567890" {
		t.Errorf("%s = %q, want 1714567890", webhook.HeaderTimestamp, ts)
	}
	// Computed here the way the package documentation tells receivers to.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(r.Body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); sig != want {
		t.Errorf("%s = %q, want %q", webhook.HeaderSignature, sig, want)
	}
	if !webhook.Verify(secret, ts, sig, r.Body) {
		t.Errorf("Verify(%q, %q, %q, body) = false, want true", secret, ts, sig)
	}
	tampered := bytes.Replace(r.Body, []byte(`"severity":8`), []byte(`"severity":2`), 1)
	if bytes.Equal(tampered, r.Body) {
		t.Fatal("test bug: nothing tampered")
	}
	for _, tc := range []struct {
		name, secret, ts, sig string
		body                  []byte
	}{
		{"tampered body", secret, ts, sig, tampered},
		{"other timestamp", secret, "1714567891", sig, r.Body},
		{"other secret", "guess", ts, sig, r.Body},
		{"no secret", "", ts, sig, r.Body},
		{"no prefix", secret, ts, strings.TrimPrefix(sig, "sha256="), r.Body},
		{"not hex", secret, ts, "sha256=zz" + sig[9:], r.Body},
		{"truncated", secret, ts, sig[:40], r.Body},
		{"empty", secret, ts, "", r.Body},
	} {
		if webhook.Verify(tc.secret, tc.ts, tc.sig, tc.body) {
			t.Errorf("Verify with %s = true, want false", tc.name)
		}
	}
}

func TestSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     desttest.Reply
		permanent bool
		after     time.Duration
		contains  string
	}{
		{"server error", desttest.Reply{Status: 500, Body: "boom\n\x1b[31m"}, false, 0, "500 Internal Server Error: boom"},
		{"rate limited", desttest.Reply{Status: 429, Header: map[string]string{"Retry-After": "30"}}, false, 30 * time.Second, "429"},
		{"unavailable with a date", desttest.Reply{Status: 503, Header: map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}}, false, 0, "503"},
		{"bad request", desttest.Reply{Status: 400, Body: `{"error":"schema"}`}, true, 0, `400 Bad Request: {"error":"schema"}`},
		{"unauthorized", desttest.Reply{Status: 401}, true, 0, "401"},
		{"not found", desttest.Reply{Status: 404}, true, 0, "404"},
		{"stalled", desttest.Reply{Stall: true}, false, 0, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := desttest.NewReceiver(t)
			rcv.Reply(tc.reply)
			w := newWebhook(t, strings.Replace(rcv.URL, "http://", "http://user:pa55word@", 1)+"?token=SECRET", webhook.Options{Timeout: 200 * time.Millisecond})
			err := w.Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
			if err == nil {
				t.Fatal("Send = nil, want an error")
			}
			if got := notify.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			var ra *notify.RetryAfterError
			if got := errors.As(err, &ra); got != (tc.after > 0 || tc.name == "unavailable with a date") {
				t.Errorf("Send = %v: RetryAfterError %v", err, got)
			} else if got && ra.After != tc.after {
				t.Errorf("Send = %v: retry after %s, want %s (a date in the past is no wait)", err, ra.After, tc.after)
			}
			for _, secret := range []string{"SECRET", "pa55word", "user", "/services/", "\x1b"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Send = %q: shows %q", err, secret)
				}
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.Contains(err.Error(), "siem") {
				t.Errorf("Send = %v, want it to name the destination and contain %q", err, tc.contains)
			}
		})
	}
}
