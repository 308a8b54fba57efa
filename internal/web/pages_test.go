package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/intel/loader"
)

// fakeIntel is an IntelStatus with fixed lists; byID are the API's.
type fakeIntel struct {
	all  []loader.Status
	byID map[string]loader.Status
}

func (f fakeIntel) Status() []loader.Status { return f.all }
func (f fakeIntel) StatusOf(id string) (loader.Status, bool) {
	s, ok := f.byID[id]
	return s, ok
}

var loadedAt = time.Date(2025, 6, 30, 11, 58, 0, 0, time.UTC)

func TestWebSummaryHealthWarnings(t *testing.T) {
	reg := health.NewRegistry(nil, func() time.Time { return loadedAt })
	tc := newTestConsole(t, func(o *Options) { o.Health = reg })
	tc.seed(t, 4)
	b := signIn(t, tc, testReadOnly)
	if body := b.get("/console/").Body.String(); strings.Contains(body, `id="health"`) || strings.Contains(body, `id="health-warnings"`) {
		t.Error("the summary shows health warnings while every check is OK")
	}
	reg.Set(health.ComponentSource, "/var/log/ct", health.OK, "")
	reg.Set(health.ComponentSource, "s3://trail/AWSLogs/", health.Warning, "no new log file for 2h0m0s (expected one at least every 1h0m0s)")
	reg.Set(health.ComponentNotify, "slack", health.Error, "HTTP 404 <from the destination>")
	body := b.get("/console/").Body.String()
	for _, want := range []string{
		`<section class="health health-error" id="health">`,
		`data-component="source" data-name="s3://trail/AWSLogs/" data-status="warning"`,
		"no new log file for 2h0m0s (expected one at least every 1h0m0s)",
		"HTTP 404 &lt;from the destination&gt;", // escaped
		`id="health-warnings" href="/console/#health">⚠ 2 health warnings</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the summary lacks %s", want)
		}
	}
	if strings.Contains(body, `data-name="/var/log/ct"`) {
		t.Error("the summary lists a check that is OK")
	}
	if i, j := strings.Index(body, `data-component="notify"`), strings.Index(body, `data-component="source"`); i < 0 || j < 0 || i > j {
		t.Error("the error is not listed before the warning")
	}
	// Every page's header shows the count.
	if !strings.Contains(b.get("/console/filters").Body.String(), `id="health-warnings"`) {
		t.Error("the rules page header does not show the health warnings")
	}
}

func TestWebPlansShowsSources(t *testing.T) {
	reg := health.NewRegistry(nil, func() time.Time { return loadedAt })
	reg.Set(health.ComponentSource, "/logs/ct", health.Warning, "no new log file for 3m0s (expected one at least every 2m0s)")
	reg.Set(health.ComponentSource, "s3://trail/AWSLogs/", health.OK, "")
	sources := []SourceState{
		{Name: "/logs/ct", URL: "/logs/ct", ExpectedInterval: 2 * time.Minute, LastPoll: loadedAt, LastFile: loadedAt.Add(-3 * time.Minute),
			LastEvent: time.Date(2025, 6, 30, 11, 40, 0, 0, time.UTC), Files: 12, Events: 3024},
		{Name: "s3://trail/AWSLogs/", URL: "s3://trail/AWSLogs/", LastPoll: loadedAt},
		{Name: "/new", URL: "/new"}, // not checked yet
	}
	tc := newTestConsole(t, func(o *Options) { o.Health, o.Sources = reg, func() []SourceState { return sources } })
	b := signIn(t, tc, testReadOnly)
	body := b.get("/console/plans").Body.String()
	rows := regexp.MustCompile(`(?s)<tr class="source" (.*?)</tr>`).FindAllStringSubmatch(body, -1)
	if len(rows) != 3 {
		t.Fatalf("the sources table has %d rows, want 3:\n%s", len(rows), body)
	}
	for i, want := range [][]string{
		{`data-name="/logs/ct" data-health="warning"`, "no new log file for 3m0s", `<td class="last-event">2025-06-30 11:40 UTC</td>`,
			`<td class="num">12</td><td class="num">3024</td><td>2m0s</td>`},
		{`data-health="ok"`, `<td class="last-event">—</td>`, "<td>not checked</td>"},
		{`data-health=""`, "not checked yet"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i][1], w) {
				t.Errorf("source row %d lacks %s:\n%s", i, w, rows[i][1])
			}
		}
	}
	if !strings.Contains(body, "No Malware Protection plans.") {
		t.Error("the plans table is gone")
	}
}

func TestWebListsShowsLoadStateAndConfigLists(t *testing.T) {
	threat := loader.Status{Role: loader.RoleThreat, Name: "bad-ips", Location: "s3://intel/bad.txt", Format: intel.TXT, Entries: 1234, LoadedAt: loadedAt}
	fi := fakeIntel{byID: map[string]loader.Status{}, all: []loader.Status{
		{Role: loader.RoleThreat, Name: "tor-exits", Location: "https://example.net/tor.txt", Format: intel.TXT, Entries: 1200, LoadedAt: loadedAt},
		{Role: loader.RoleTrusted, Name: "office", Location: "/etc/vigil/office.txt", Format: intel.TXT, Entries: 3, Invalid: 1,
			Problems: []string{"line 4: not an IP address"}, LoadedAt: loadedAt},
		{Role: loader.RoleFeed, Name: "spamhaus_drop", Location: "https://example.net/drop.txt", Entries: 800, LoadedAt: loadedAt,
			Error: "GET https://example.net/drop.txt: 503", Stale: true},
		threat, // the API's, listed with it and not again
	}}
	tc := newTestConsole(t, func(o *Options) { o.Intel = &fi })
	b := signIn(t, tc, testAdmin)
	// An API threat list, through the API as an administrator would.
	admin, _ := tc.users.ByKey(testAdmin.AccessKeyID)
	cl := newClient(tc.api, admin, testDetectorID, time.Now)
	var out struct {
		ThreatIntelSetID string `json:"threatIntelSetId"`
	}
	in := map[string]any{"name": "bad-ips", "format": "TXT", "location": "s3://intel/bad.txt", "activate": true}
	if err := cl.do(t.Context(), "POST", "/detector/"+testDetectorID+"/threatintelset", in, &out); err != nil {
		t.Fatal(err)
	}
	fi.byID[out.ThreatIntelSetID] = threat
	body := b.get("/console/lists").Body.String()
	threatRows := regexp.MustCompile(`(?s)<table class="list" id="threatsets">.*?</table>`).FindString(body)
	if !strings.Contains(threatRows, `data-name="bad-ips"`) || !strings.Contains(threatRows, `<td class="num">1234</td>`) ||
		!strings.Contains(threatRows, "2025-06-30 11:58 UTC") {
		t.Errorf("the API's threat list lacks its entries or load time:\n%s", threatRows)
	}
	config := regexp.MustCompile(`(?s)<table class="list" id="configlists">.*?</table>`).FindString(body)
	for _, want := range []string{`data-name="tor-exits" data-entries="1200"`, `data-name="office" data-entries="3"`, "line 4: not an IP address",
		`data-name="spamhaus_drop"`, `<span class="tag tag-warning" title="GET https://example.net/drop.txt: 503">stale</span>`} {
		if !strings.Contains(config, want) {
			t.Errorf("the vigil.yaml lists lack %s:\n%s", want, config)
		}
	}
	if strings.Contains(config, "bad-ips") {
		t.Error("the API's list is listed again among the lists of vigil.yaml")
	}
}

func TestWebListsWithoutLoader(t *testing.T) {
	tc := newTestConsole(t)
	b := signIn(t, tc, testReadOnly)
	if body := b.get("/console/lists").Body.String(); !strings.Contains(body, "shows the API's lists only") {
		t.Errorf("without a loader the lists page does not say so:\n%s", body)
	}
}

// TestWebSummaryChartOfReplayedLogs: findings of logs from the past are
// charted on their own days (the chart ends on the newest finding's day),
// and only the chart's days are counted for it.
func TestWebSummaryChartOfReplayedLogs(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 3)
	day := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range fs {
		fs[i].UpdatedAt = finding.At(day.Add(time.Duration(i) * time.Hour))
		fs[i].ID = fmt.Sprintf("%032x", 0x200+i)
	}
	old := fs[0] // a month earlier: outside the chart
	old.ID, old.UpdatedAt = fmt.Sprintf("%032x", 0x300), finding.At(day.AddDate(0, -1, 0))
	if _, err := tc.db.UpsertFindings(t.Context(), append(fs, old)); err != nil {
		t.Fatal(err)
	}
	body := signIn(t, tc, testReadOnly).get("/console/").Body.String()
	// The seeded findings are updated now: the chart ends today, so the
	// old ones are outside it.
	if strings.Contains(body, "<title>Mar 1: 3</title>") {
		t.Error("findings outside the chart's days are charted")
	}
	if !strings.Contains(body, `id="total">7<`) {
		t.Error("the total of current findings is not 7")
	}
	// Archive today's three: the chart then ends on Mar 1, 2024.
	if err := tc.db.SetArchived(t.Context(), []string{fmt.Sprintf("%032x", 1), fmt.Sprintf("%032x", 2), fmt.Sprintf("%032x", 3)}, true); err != nil {
		t.Fatal(err)
	}
	body = signIn(t, tc, testReadOnly).get("/console/").Body.String()
	if !strings.Contains(body, "<title>Mar 1: 3</title>") || !strings.Contains(body, "<title>Feb 17: 0</title>") {
		t.Errorf("the chart does not end on the replayed day with its 3 findings:\n%s", regexp.MustCompile(`<title>[^<]*</title>`).FindAllString(body, -1))
	}
	if strings.Contains(body, "<title>Feb 1: 1</title>") {
		t.Error("the finding a month before is charted")
	}
}
