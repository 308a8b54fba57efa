package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/intel/loader"
)

// TestHealthSilentSource runs vigil serve with a source that expects a
// new log file every 2 seconds and gets none after its first: /healthz
// reports the warning (200, plain and JSON), /metrics has it, and the
// console shows it on the summary and, with the source's last event
// time, on the sources page.
func TestHealthSilentSource(t *testing.T) {
	logs := t.TempDir()
	writeKali(t, logs, "123456789012") // one event, at 2025-06-02T03:00:00Z
	cfg := filepath.Join(t.TempDir(), "vigil.yaml")
	hooks := newHookServer(t) // told of health changes (notify.health)
	yaml := "sources:\n  - url: " + logs + "\n    poll_interval: 1s\n    expected_interval: 2s\n" +
		"notify:\n  health: ops\n  destinations:\n    - {name: ops, type: webhook, url: " + hooks.URL + "/ops}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServeAPI(t, adminEnv, "--config", cfg)
	base := "http://" + s.addr
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	var silent health.Check
	var rep health.Report
	for deadline := time.Now().Add(30 * time.Second); silent.Name == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, body := get(http.DefaultClient, "/healthz?verbose=1")
		if err := json.Unmarshal([]byte(body), &rep); err != nil || code != http.StatusOK {
			t.Fatalf("/healthz?verbose=1 = %d %q: %v", code, body, err)
		}
		for _, c := range rep.Checks {
			if c.Component == "source" && c.Status == health.Warning && strings.HasSuffix(c.Name, filepath.Base(logs)) {
				silent = c
			}
		}
	}
	if silent.Name == "" {
		t.Fatalf("no source warning within 30s; /healthz?verbose=1 = %+v", rep)
	}
	if !strings.HasPrefix(silent.Message, "no new log file for ") || !strings.HasSuffix(silent.Message, "(expected one at least every 2s)") {
		t.Errorf("source warning message = %q", silent.Message)
	}
	if rep.Status != health.Warning {
		t.Errorf("/healthz?verbose=1 status = %q, want warning", rep.Status)
	}
	waitFor(t, "the health notification", 15*time.Second, func() bool {
		for _, r := range hooks.requests("/ops") {
			if strings.Contains(string(r.body), `"type":"Vigil:Health/Warning"`) && strings.Contains(string(r.body), "no new log file for") {
				return true
			}
		}
		return false
	})
	var others []string
	for _, c := range rep.Checks {
		if c.Status != health.OK && c.Name != silent.Name {
			others = append(others, c.Component+" "+c.Name+": "+c.Message)
		}
	}
	if len(others) > 0 {
		t.Errorf("other checks are not OK: %v", others)
	}
	if code, body := get(http.DefaultClient, "/healthz"); code != http.StatusOK || !strings.HasPrefix(body, "warning\nwarning source "+silent.Name+": no new log file") {
		t.Errorf("/healthz = %d %q; want 200 and the warning", code, body)
	}
	if _, metrics := get(http.DefaultClient, "/metrics"); !strings.Contains(metrics, `vigil_health_status{component="source",name="`+silent.Name+`"} 1`) {
		t.Error("/metrics lacks the source's vigil_health_status 1")
	}

	// The console, signed in as the administrator.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/console/signin", url.Values{"access_key_id": {"AKIAVIGILE2EADMIN001"}, "secret_access_key": {"e2e-admin-secret-0123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, summary := get(c, "/console/"); !strings.Contains(summary, `data-component="source" data-name="`+silent.Name+`" data-status="warning"`) {
		t.Errorf("the summary does not show the source warning:\n%s", summary)
	}
	_, plans := get(c, "/console/plans")
	row := plans[strings.Index(plans, `data-name="`+silent.Name+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{`data-health="warning"`, "no new log file for", `<td class="last-event">2025-06-02 03:00 UTC</td>`,
		`<td class="num">1</td><td class="num">1</td><td>2s</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("the sources page row of %s lacks %s:\n%s", silent.Name, want, row)
		}
	}
}

// TestHealthIntelLists: a list whose refresh fails is a warning naming
// the copy in use, one never loaded a warning too, and a list no longer
// loaded loses its check.
func TestHealthIntelLists(t *testing.T) {
	h := health.NewRegistry(nil, nil)
	sts := []loader.Status{
		{Role: loader.RoleThreat, Name: "tor", Entries: 1200},
		{Role: loader.RoleBuiltin, Name: "GuardDuty test domains", Entries: 2},
		{Role: loader.RoleFeed, Name: "drop", Entries: 800, Stale: true, Error: "GET https://example.net/drop.txt: 503"},
		{Role: loader.RoleTrusted, Name: "office", Error: "open /etc/vigil/office.txt: no such file or directory"},
	}
	seen := setIntelHealth(sts, h, nil)
	got := map[string]string{}
	for _, c := range h.Checks() {
		got[c.Component+" "+c.Name] = string(c.Status) + ": " + c.Message
	}
	want := map[string]string{
		"intel threat:tor":     "ok: ",
		"intel feed:drop":      "warning: cannot be refreshed; the last good copy (800 entries) is in use: GET https://example.net/drop.txt: 503",
		"intel trusted:office": "warning: not loaded: open /etc/vigil/office.txt: no such file or directory",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("intel checks (-want +got):\n%s", d)
	}
	setIntelHealth(sts[:1], h, seen)
	if n := len(h.Checks()); n != 1 || h.Worst() != health.OK {
		t.Errorf("after two lists went away: %d checks, worst %s; want the one OK list", n, h.Worst())
	}
}
