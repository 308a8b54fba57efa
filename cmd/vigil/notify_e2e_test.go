package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify/webhook"
)

// hookServer stands in for Slack and webhook receivers: it records every
// request and answers with the status set by fail (200 when 0).
type hookServer struct {
	*httptest.Server
	mu       sync.Mutex
	fail     int
	attempts int
	got      map[string][]hookRequest // by path
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookServer(t *testing.T) *hookServer {
	h := &hookServer{got: map[string][]hookRequest{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.attempts++
		if h.fail != 0 {
			w.WriteHeader(h.fail)
			return
		}
		h.got[r.URL.Path] = append(h.got[r.URL.Path], hookRequest{r.Header.Clone(), body})
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) setFail(code int) { h.mu.Lock(); h.fail = code; h.mu.Unlock() }
func (h *hookServer) requests(path string) []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got[path]...)
}
func (h *hookServer) attemptCount() int { h.mu.Lock(); defer h.mu.Unlock(); return h.attempts }

// envelopes decodes the webhook requests: finding id and count of each
// EventBridge event, counted, after checking each signature.
func envelopes(t *testing.T, reqs []hookRequest, secret string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range reqs {
		if !webhook.Verify(secret, r.header.Get(webhook.HeaderTimestamp), r.header.Get(webhook.HeaderSignature), r.body) {
			t.Errorf("a webhook request's signature does not verify")
		}
		type event struct {
			DetailType string          `json:"detail-type"`
			Source     string          `json:"source"`
			Detail     finding.Finding `json:"detail"`
		}
		evs := make([]event, 1)
		if r.header.Get(webhook.HeaderDigest) == "true" {
			if err := json.Unmarshal(r.body, &evs); err != nil {
				t.Fatalf("digest body: %v", err)
			}
		} else {
			if err := json.Unmarshal(r.body, &evs[0]); err != nil {
				t.Fatalf("event body: %v", err)
			}
		}
		for _, ev := range evs {
			if ev.DetailType != "GuardDuty Finding" || ev.Source != "aws.guardduty" {
				t.Errorf("envelope detail-type %q source %q", ev.DetailType, ev.Source)
			}
			out[fmt.Sprintf("%s:%d", ev.Detail.ID, ev.Detail.Service.Count)]++
		}
	}
	return out
}

// startServeNotify starts "vigil serve" on the simulated logs with the
// notify section appended to the simulation's vigil.yaml.
func startServeNotify(t *testing.T, logs, data, notifyYAML string) (stop func(kill bool)) {
	t.Helper()
	base, err := os.ReadFile(intelConfig(logs))
	if err != nil {
		t.Fatal(err)
	}
	cfg := t.TempDir() + "/vigil.yaml"
	if err := os.WriteFile(cfg, append(base, []byte("\n"+notifyYAML)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := vigil(t, "config", "check", cfg); code != 0 {
		t.Fatalf("config check: %s%s", out, errOut)
	}
	_, stop = startServe(t, nil, data, "--config", cfg, "--watch", logs, "--poll-interval", "1s")
	return stop
}

// storedFindings lists the findings in the data dir: "id:count" of each,
// and the ids of those of High severity and above.
func storedFindings(t *testing.T, data string) (all map[string]int, high []string) {
	t.Helper()
	all = map[string]int{}
	for _, f := range decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data)) {
		all[fmt.Sprintf("%s:%d", f.ID, f.Service.Count)] = 1
		if f.Severity >= 7 {
			high = append(high, f.ID)
		}
	}
	sort.Strings(high)
	return all, high
}

// settled waits until the stored findings stop changing (a pass over the
// logs has ended) and delivered says they have all arrived, and returns
// them as storedFindings does.
func settled(t *testing.T, data string, delivered func(all map[string]int) bool) (all map[string]int, high []string) {
	t.Helper()
	var prev map[string]int
	waitFor(t, "findings to be stored and delivered", 90*time.Second, func() bool {
		all, high = storedFindings(t, data)
		stable := len(all) > 0 && cmp.Equal(all, prev)
		prev = all
		if !stable || !delivered(all) {
			time.Sleep(time.Second) // longer than the source's poll interval between looks
			return false
		}
		return true
	})
	return all, high
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// TestServeNotifies: "vigil serve" sends High and Critical findings to
// Slack at once (a Block Kit message linking the console, with the
// runbook) and every finding to a signed webhook as GuardDuty EventBridge
// events, each once.
func TestServeNotifies(t *testing.T) {
	logs, data := t.TempDir(), t.TempDir()
	mustVigil(t, "simulate", "--out", logs, "--events", "3000", "--accounts", "1", "--seed", "5", "--all-attacks")
	hooks := newHookServer(t)
	const secret = "e2e-webhook-secret"
	exportDir := t.TempDir()
	stop := startServeNotify(t, logs, data, fmt.Sprintf(`notify:
  console_url: http://vigil.example/console/
  destinations:
    - {name: slack, type: slack, url: %[1]s/slack}
    - {name: hook, type: webhook, url: %[1]s/hook, secret: %[2]s}
    - {name: archive, type: folder, url: %[3]s}
  routes:
    - {name: urgent, destination: slack, min_severity: high}
    - {name: everything, destination: hook}
    - {name: export, destination: archive}
`, hooks.URL, secret, exportDir))
	// Wait until the source is read and the webhook has every finding.
	all, high := settled(t, data, func(all map[string]int) bool {
		return len(envelopes(t, hooks.requests("/hook"), secret)) >= len(all) && len(readExport(t, exportDir)) >= len(all)
	})
	stop(false)
	if diff := cmp.Diff(all, envelopes(t, hooks.requests("/hook"), secret)); diff != "" {
		t.Errorf("webhook events (-stored +received):\n%s", diff)
	}
	if len(high) == 0 {
		t.Fatal("no High finding; the Slack route is not tested")
	}
	exported := readExport(t, exportDir)
	if diff := cmp.Diff(all, exported); diff != "" {
		t.Errorf("exported findings (-stored +exported):\n%s", diff)
	}
	link := regexp.MustCompile(`http://vigil\.example/console/findings/([0-9a-f]+)`)
	var slackIDs []string
	for _, r := range hooks.requests("/slack") {
		m := link.FindSubmatch(r.body)
		if m == nil {
			t.Errorf("a Slack message has no console link: %.300s", r.body)
			continue
		}
		slackIDs = append(slackIDs, string(m[1]))
		for _, want := range []string{`"blocks"`, `"color"`, "How to investigate", "How to respond"} {
			if !bytes.Contains(r.body, []byte(want)) {
				t.Errorf("Slack message for %s lacks %s", m[1], want)
			}
		}
	}
	sort.Strings(slackIDs)
	if diff := cmp.Diff(high, slackIDs); diff != "" {
		t.Errorf("Slack got (-High and Critical findings +messages):\n%s", diff)
	}
}

// TestServeKilledWithPendingNotifications: the webhook is down while
// findings are made, "vigil serve" is killed with deliveries pending, the
// webhook comes back and a restarted serve delivers every finding once.
func TestServeKilledWithPendingNotifications(t *testing.T) {
	logs, data := t.TempDir(), t.TempDir()
	mustVigil(t, "simulate", "--out", logs, "--events", "3000", "--accounts", "1", "--seed", "6", "--all-attacks")
	hooks := newHookServer(t)
	hooks.setFail(http.StatusServiceUnavailable)
	const secret = "e2e-webhook-secret"
	cfg := fmt.Sprintf(`notify:
  destinations:
    - {name: hook, type: webhook, url: %s/hook, secret: %s}
  routes:
    - {name: everything, destination: hook}
`, hooks.URL, secret)
	stop := startServeNotify(t, logs, data, cfg)
	waitFor(t, "delivery attempts", 60*time.Second, func() bool { return hooks.attemptCount() >= 2 })
	stop(true)
	all, _ := storedFindings(t, data)
	if len(all) == 0 {
		t.Fatal("no findings stored before the kill")
	}
	hooks.setFail(0)
	startServeNotify(t, logs, data, cfg)
	// The restarted serve may read logs the killed one had not reached.
	all, _ = settled(t, data, func(all map[string]int) bool {
		return len(envelopes(t, hooks.requests("/hook"), secret)) >= len(all)
	})
	time.Sleep(2 * time.Second) // anything sent twice would arrive by now
	if diff := cmp.Diff(all, envelopes(t, hooks.requests("/hook"), secret)); diff != "" {
		t.Errorf("webhook events after the restart (-stored +received):\n%s", diff)
	}
}

// readExport reads a folder export: GuardDuty's layout, gzip JSON lines;
// "id:count" of each finding, counted.
func readExport(t *testing.T, dir string) map[string]int {
	t.Helper()
	exported := map[string]int{}
	layout := regexp.MustCompile(`^AWSLogs/\d{12}/GuardDuty/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/[0-9a-f]+\.jsonl\.gz$`)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err // temp files of a write in progress start with "."
		}
		rel, _ := filepath.Rel(dir, path)
		if !layout.MatchString(filepath.ToSlash(rel)) {
			t.Errorf("export object %s is not in GuardDuty's layout", rel)
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range decodeFindings(t, gunzip(t, b)) {
			exported[fmt.Sprintf("%s:%d", f.ID, f.Service.Count)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return exported
}
