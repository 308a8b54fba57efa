package web

import (
	"context"
	"html"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// newUsageConsole is a console whose store holds recs, pricing with the
// monitored resources given and reporting res as its own use.
func newUsageConsole(t *testing.T, st func(*sqlite.DB) store.Store, monitored map[string]config.CostMonitored, res *Resources, recs ...store.UsageRecord) *testConsole {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.AddUsage(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	users := api.NewUsers([]api.User{testAdmin, testReadOnly})
	srv := api.New(api.Options{DetectorID: testDetectorID, AccountID: "111122223333", Store: db, Users: users})
	o := Options{API: srv.Handler(), Users: users, DetectorID: testDetectorID, Store: st(db),
		Pricing: &api.UsagePricing{Monitored: monitored, Account: "111122223333"}}
	if res != nil {
		o.Resources = func() Resources { return *res }
	}
	return &testConsole{h: New(o).Handler(), db: db}
}

func today(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()-n, 0, 0, 0, 0, time.UTC)
}

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	spaceRe = regexp.MustCompile(`\s+`)
)

// text returns the visible text of the element with id, tags removed.
func text(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %q on the page", id)
	}
	start := strings.LastIndex(page[:i], "<")
	name := strings.Fields(page[start+1 : i])[0]
	end := strings.Index(page[i:], "</"+name+">")
	return strings.TrimSpace(spaceRe.ReplaceAllString(html.UnescapeString(tagRe.ReplaceAllString(page[start:i+end], " ")), " "))
}

func TestUsagePage(t *testing.T) {
	plain := func(db *sqlite.DB) store.Store { return db }
	res := &Resources{CPU: 12500 * time.Millisecond, Since: time.Now().Add(-time.Hour), StoredBytes: 3_500_000}
	tc := newUsageConsole(t, plain, map[string]config.CostMonitored{"us-east-1": {RuntimeVCPUs: 4}}, res,
		// Two days with usage: each recorded amount is projected × 30 / 2.
		store.UsageRecord{Day: today(1), Account: "111122223333", Region: "us-east-1", Dimension: "CloudTrailEvents", Amount: 1e6},
		store.UsageRecord{Day: today(0), Account: "111122223333", Region: "us-east-1", Dimension: "CloudTrailEvents", Amount: 1e6},
		store.UsageRecord{Day: today(1), Account: "111122223333", Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1e9},
		store.UsageRecord{Day: today(1), Account: "111122223333", Region: "us-east-1", Dimension: "S3MalwareObjects", Amount: 2000},
		store.UsageRecord{Day: today(40), Account: "111122223333", Region: "us-east-1", Dimension: "DNSLogBytes", Amount: 1e12}, // too old
	)
	b := signIn(t, tc, testReadOnly)
	rec := b.get("/console/usage")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /console/usage = %d", rec.Code)
	}
	page := rec.Body.String()
	for id, want := range map[string]string{
		// 30M events $120.00; 15 GB $15.00; 30,000 objects $6.45; 4 vCPU-months $6.00.
		"plans": "Plan Item Month USD Foundational CloudTrail management events 30 1M events $120.00 VPC flow logs 15 GB $15.00 " +
			"Foundational total $135.00 Malware Protection for S3 objects evaluated 30 1,000 objects $6.45 " +
			"Runtime Monitoring monitored vCPUs configured 4 vCPU-month $6.00 Total per month $147.45",
		"chart-CloudTrailEvents-title": "Foundational: CloudTrail management events — 2,000,000 events in 30 days",
		"chart-FlowLogBytes-title":     "Foundational: VPC flow logs — 1.00 GB in 30 days",
		"self-cpu":                     "12.5 s",
		"self-stored":                  "3.50 MB",
	} {
		if got := text(t, page, id); got != want {
			t.Errorf("usage page #%s = %q, want %q", id, got, want)
		}
	}
	if strings.Contains(page, "chart-DNSLogBytes") {
		t.Errorf("usage older than 30 days is charted")
	}
	day := func(n int) string { return today(n).Format("Jan 2") }
	if got, want := text(t, page, "chart-FlowLogBytes"), day(1)+": 1.00 GB "+day(0)+": 0 B"; !strings.HasSuffix(got, want) {
		t.Errorf("flow log chart %q does not end with the days %q", got, want)
	}
	if got := text(t, page, "chart-CloudTrailEvents"); !strings.HasSuffix(got, day(1)+": 1,000,000 events "+day(0)+": 1,000,000 events") {
		t.Errorf("CloudTrail chart %q does not end with yesterday's and today's events", got)
	}
	if got := strings.Count(page[strings.Index(page, `id="chart-FlowLogBytes"`):], `class="bar"`); got < api.UsageWindow {
		t.Errorf("flow log chart has %d bars, want one per day (%d)", got, api.UsageWindow)
	}
}

func TestUsagePageFallbackAndNoStore(t *testing.T) {
	tc := newUsageConsole(t, func(db *sqlite.DB) store.Store { return db }, nil, nil,
		store.UsageRecord{Day: today(0), Account: "111122223333", Region: "eu-west-1", Dimension: "CloudTrailEvents", Amount: 1e5})
	page := signIn(t, tc, testAdmin).get("/console/usage").Body.String()
	if got := text(t, page, "estimate"); !strings.Contains(got, "Priced at us-east-1 list prices") || !strings.Contains(got, "eu-west-1") {
		t.Errorf("estimate %q does not say eu-west-1 was priced at us-east-1 prices", got)
	}
	if got := text(t, page, "self"); !strings.Contains(got, "Not reported") {
		t.Errorf("own use without Resources = %q", got)
	}

	tc = newUsageConsole(t, func(db *sqlite.DB) store.Store { return struct{ store.Store }{db} }, nil, nil)
	page = signIn(t, tc, testAdmin).get("/console/usage").Body.String()
	if got := text(t, page, "daily"); !strings.Contains(got, "does not keep usage") {
		t.Errorf("daily usage of a store without usage = %q", got)
	}
	if got := text(t, page, "total-usd"); got != "$0.00" {
		t.Errorf("total without usage = %q, want $0.00", got)
	}
}
