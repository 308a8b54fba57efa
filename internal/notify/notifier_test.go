package notify_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 30, 0, time.UTC)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// recorder is a destination that records messages and fails on demand.
type recorder struct {
	name string
	mu   sync.Mutex
	msgs []notify.Message
	fail error // returned by Send while set
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.msgs = append(r.msgs, m)
	return nil
}
func (r *recorder) setFail(err error) { r.mu.Lock(); r.fail = err; r.mu.Unlock() }
func (r *recorder) messages() []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Message(nil), r.msgs...)
}

// delivered returns "id:count" for every finding in the recorded
// messages, counting digests' omitted findings under "omitted".
func (r *recorder) delivered() map[string]int {
	out := map[string]int{}
	for _, m := range r.messages() {
		for _, f := range m.Findings {
			out[fmt.Sprintf("%s:%d", f.ID, f.Service.Count)]++
		}
		if m.Omitted > 0 {
			out["omitted"] += m.Omitted
		}
	}
	return out
}

type harness struct {
	db    *sqlite.DB
	clk   *clock
	n     *notify.Notifier
	dests map[string]*recorder
}

func newHarness(t *testing.T, routes []notify.Route, dests ...string) *harness {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{db: db, clk: &clock{t: t0}, dests: map[string]*recorder{}}
	h.n = h.notifier(t, routes, dests...)
	h.route(t) // starts the cursor
	return h
}

func (h *harness) notifier(t *testing.T, routes []notify.Route, dests ...string) *notify.Notifier {
	t.Helper()
	var ds []notify.Destination
	for _, d := range dests {
		if h.dests[d] == nil {
			h.dests[d] = &recorder{name: d}
		}
		ds = append(ds, h.dests[d])
	}
	n, err := notify.New(notify.Options{Outbox: h.db, Findings: h.db, Routes: routes, Destinations: ds, Now: h.clk.Now,
		UpdateInterval: func(context.Context) time.Duration { return 15 * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (h *harness) upsert(t *testing.T, fs ...finding.Finding) {
	t.Helper()
	if _, err := h.db.UpsertFindings(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) route(t *testing.T) {
	t.Helper()
	for {
		more, err := h.n.RouteOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return
		}
	}
}

// deliver routes and delivers everything due now.
func (h *harness) deliver(t *testing.T) {
	t.Helper()
	h.route(t)
	for name := range h.dests {
		for {
			n, err := h.n.DeliverOnce(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
}

func newFinding(id, typ string, sev float64, at time.Time) finding.Finding {
	f := finding.Finding{ID: id, Type: typ, Severity: sev, AccountID: "111122223333", Region: "us-east-1",
		SchemaVersion: "2.0", CreatedAt: finding.Time{Time: at}, UpdatedAt: finding.Time{Time: at}}
	f.Resource.ResourceType = "Instance"
	f.Service.Count = 1
	f.Service.EventFirstSeen = finding.Time{Time: at}
	f.Service.EventLastSeen = finding.Time{Time: at}
	return f
}

const (
	typeSSH   = "UnauthorizedAccess:EC2/SSHBruteForce"
	typeProbe = "Recon:EC2/PortProbeUnprotectedPort"
	typeRoot  = "Policy:IAMUser/RootCredentialUsage"
	typeExfil = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
)

func TestRoutingBySeverityAndType(t *testing.T) {
	routes := []notify.Route{
		{Name: "urgent", Destination: "slack", Filter: notify.Filter{MinSeverity: 7, MaxSeverity: 10, ExcludeTypes: []string{"Recon:*"}}},
		{Name: "iam", Destination: "hook", Filter: notify.Filter{MinSeverity: 0, MaxSeverity: 10, Types: []string{"Policy:IAMUser/*", typeExfil}}},
		{Name: "daily", Destination: "mail", Digest: 24 * time.Hour, Filter: notify.Filter{MinSeverity: 0, MaxSeverity: 6.9}},
	}
	h := newHarness(t, routes, "slack", "hook", "mail")
	h.upsert(t,
		newFinding("ssh", typeSSH, 8, t0),     // urgent
		newFinding("probe", typeProbe, 8, t0), // excluded from urgent (Recon:*), not medium
		newFinding("root", typeRoot, 2, t0),   // iam, daily
		newFinding("exfil", typeExfil, 8, t0), // urgent, iam
		newFinding("low", typeProbe, 2, t0),   // daily
	)
	h.deliver(t)
	got := map[string][]string{}
	for name, r := range h.dests {
		for _, m := range r.messages() {
			for _, f := range m.Findings {
				got[name] = append(got[name], f.ID)
			}
		}
		sort.Strings(got[name])
	}
	want := map[string][]string{"slack": {"exfil", "ssh"}, "hook": {"exfil", "root"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sent at once (-want +got):\n%s", d)
	}
	// The digest waits for UTC midnight, then comes as one message.
	h.clk.Add(14 * time.Hour)
	h.deliver(t)
	msgs := h.dests["mail"].messages()
	if len(msgs) != 1 || !msgs[0].Digest {
		t.Fatalf("mail got %d messages, want one digest: %+v", len(msgs), msgs)
	}
	var ids []string
	for _, f := range msgs[0].Findings {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	if d := cmp.Diff([]string{"low", "root"}, ids); d != "" {
		t.Errorf("digest (-want +got):\n%s", d)
	}
}

func TestSuppressedNeverSentArchivedRecurrenceSent(t *testing.T) {
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	sup := newFinding("sup", typeSSH, 8, t0)
	sup.Service.Archived = true // as the suppression rules store it
	h.upsert(t, sup, newFinding("man", typeSSH, 8, t0))
	h.deliver(t)
	if d := cmp.Diff(map[string]int{"man:1": 1}, h.dests["d"].delivered()); d != "" {
		t.Fatalf("first delivery (-want +got):\n%s", d)
	}
	// The suppressed one recurs still suppressed; the manually archived
	// one recurs and is current again, so its update is published.
	if err := h.db.SetArchived(context.Background(), []string{"man"}, true); err != nil {
		t.Fatal(err)
	}
	h.clk.Add(time.Minute)
	again := newFinding("man", typeSSH, 8, h.clk.Now())
	h.upsert(t, sup, again)
	h.route(t)
	h.clk.Add(15 * time.Minute)
	h.deliver(t)
	want := map[string]int{"man:1": 1, "man:2": 1}
	if d := cmp.Diff(want, h.dests["d"].delivered()); d != "" {
		t.Errorf("deliveries (-want +got):\n%s", d)
	}
}

func TestUpdatesBatchedPerPublishingFrequency(t *testing.T) {
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	h.upsert(t, newFinding("a", typeSSH, 8, t0))
	h.deliver(t)
	for i := 1; i <= 3; i++ {
		h.clk.Add(time.Minute)
		h.upsert(t, newFinding("a", typeSSH, 8, h.clk.Now()))
		h.deliver(t)
	}
	if d := cmp.Diff(map[string]int{"a:1": 1}, h.dests["d"].delivered()); d != "" {
		t.Fatalf("before the publishing time (-want +got):\n%s", d)
	}
	h.clk.Add(15 * time.Minute) // past the next 15-minute boundary
	h.deliver(t)
	if d := cmp.Diff(map[string]int{"a:1": 1, "a:4": 1}, h.dests["d"].delivered()); d != "" {
		t.Errorf("after the publishing time (-want +got):\n%s", d)
	}
	msgs := h.dests["d"].messages()
	if !msgs[len(msgs)-1].Update {
		t.Errorf("the batched message is not marked as an update")
	}
}

func TestBurstFoldsIntoDigest(t *testing.T) {
	const total, types, limit = 10000, 20, 10
	routes := []notify.Route{{Name: "urgent", Destination: "d", RateLimit: limit, RateWindow: time.Minute,
		Filter: notify.Filter{MinSeverity: 7, MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	// 10,000 new findings within one minute, 20 types.
	for i := 0; i < total; i += 500 {
		var batch []finding.Finding
		for j := i; j < i+500; j++ {
			batch = append(batch, newFinding(fmt.Sprintf("f%05d", j), fmt.Sprintf("Backdoor:EC2/Type%02d", j%types), 8, t0))
		}
		h.upsert(t, batch...)
		h.deliver(t)
	}
	h.clk.Add(time.Minute) // the window ends: its digest is due
	h.deliver(t)
	msgs := h.dests["d"].messages()
	singles, digests, accounted := 0, 0, 0
	for _, m := range msgs {
		if m.Digest {
			digests++
		} else {
			singles++
		}
		accounted += len(m.Findings) + m.Omitted
	}
	// The first `limit` findings, then the first of each other type, at
	// once; the rest in digests of at most 5,000 outbox items.
	if singles > limit+types {
		t.Errorf("%d single messages, want at most %d", singles, limit+types)
	}
	if digests < 1 || digests > 3 {
		t.Errorf("%d digest messages, want 1-3", digests)
	}
	if accounted != total {
		t.Errorf("messages account for %d findings, want %d", accounted, total)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		for _, f := range m.Findings {
			seen[f.ID]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("finding %s in %d messages", id, n)
		}
	}
}

func TestDestinationDownForAnHour(t *testing.T) {
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	d := h.dests["d"]
	d.setFail(errors.New("503 service unavailable"))
	want := map[string]int{}
	for minute := 0; minute < 60; minute++ {
		id := fmt.Sprintf("f%02d", minute)
		h.upsert(t, newFinding(id, typeSSH, 8, h.clk.Now()))
		want[id+":1"] = 1
		h.deliver(t)
		h.clk.Add(time.Minute)
	}
	if n := len(d.messages()); n != 0 {
		t.Fatalf("%d messages while down", n)
	}
	d.setFail(nil)
	h.clk.Add(maxBackoffForTest)
	h.deliver(t)
	if diff := cmp.Diff(want, d.delivered()); diff != "" {
		t.Errorf("after the outage (-want +got):\n%s", diff)
	}
	// A restart (a new notifier on the same store) sends nothing again.
	h.n = h.notifier(t, routes, "d")
	h.clk.Add(time.Hour)
	h.deliver(t)
	if diff := cmp.Diff(want, d.delivered()); diff != "" {
		t.Errorf("after a restart (-want +got):\n%s", diff)
	}
}

const maxBackoffForTest = 5*time.Minute + time.Second

func TestPendingSurvivesRestart(t *testing.T) {
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	h.upsert(t, newFinding("a", typeSSH, 8, t0), newFinding("b", typeSSH, 8, t0))
	h.route(t) // queued, not delivered: the process stops here
	h.n = h.notifier(t, routes, "d")
	h.deliver(t)
	h.deliver(t)
	if d := cmp.Diff(map[string]int{"a:1": 1, "b:1": 1}, h.dests["d"].delivered()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestRetryAfterAndPermanentFailures(t *testing.T) {
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h := newHarness(t, routes, "d")
	d := h.dests["d"]
	d.setFail(&notify.RetryAfterError{After: 10 * time.Minute, Err: errors.New("429 too many requests")})
	h.upsert(t, newFinding("a", typeSSH, 8, t0))
	h.deliver(t)
	d.setFail(nil)
	h.clk.Add(9 * time.Minute)
	h.deliver(t)
	if n := len(d.messages()); n != 0 {
		t.Fatalf("sent before Retry-After elapsed")
	}
	h.clk.Add(2 * time.Minute)
	h.deliver(t)
	if n := len(d.messages()); n != 1 {
		t.Fatalf("%d messages after Retry-After, want 1", n)
	}

	d.setFail(notify.Permanent(errors.New("404 no_service")))
	h.upsert(t, newFinding("b", typeSSH, 8, h.clk.Now()))
	h.deliver(t)
	d.setFail(nil)
	h.clk.Add(time.Hour)
	h.deliver(t)
	if n := len(d.messages()); n != 1 {
		t.Errorf("a permanently failed delivery was retried")
	}
	stats, err := h.db.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxStat{{Destination: "d", State: "failed", Items: 1}, {Destination: "d", State: "sent", Items: 1}}
	for i := range stats {
		stats[i].Oldest = time.Time{}
	}
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestFirstRunSkipsHistory(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.UpsertFindings(context.Background(), []finding.Finding{newFinding("old", typeSSH, 8, t0)}); err != nil {
		t.Fatal(err)
	}
	h := &harness{db: db, clk: &clock{t: t0}, dests: map[string]*recorder{}}
	routes := []notify.Route{{Name: "all", Destination: "d", Filter: notify.Filter{MaxSeverity: 10}}}
	h.n = h.notifier(t, routes, "d")
	h.deliver(t)
	h.upsert(t, newFinding("new", typeSSH, 8, t0))
	h.deliver(t)
	if d := cmp.Diff(map[string]int{"new:1": 1}, h.dests["d"].delivered()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestFilterMatch(t *testing.T) {
	f := newFinding("x", typeSSH, 5, t0)
	f.Resource.InstanceDetails = &finding.InstanceDetails{Tags: []finding.Tag{{Key: "env", Value: "prod"}}}
	tests := []struct {
		name string
		fl   notify.Filter
		want bool
	}{
		{"all", notify.Filter{MaxSeverity: 10}, true},
		{"below min", notify.Filter{MinSeverity: 7, MaxSeverity: 10}, false},
		{"above max", notify.Filter{MaxSeverity: 3.9}, false},
		{"exact type", notify.Filter{MaxSeverity: 10, Types: []string{typeSSH}}, true},
		{"prefix", notify.Filter{MaxSeverity: 10, Types: []string{"UnauthorizedAccess:EC2/*"}}, true},
		{"other prefix", notify.Filter{MaxSeverity: 10, Types: []string{"Recon:*"}}, false},
		{"not a prefix without star", notify.Filter{MaxSeverity: 10, Types: []string{"UnauthorizedAccess:EC2/"}}, false},
		{"excluded", notify.Filter{MaxSeverity: 10, ExcludeTypes: []string{"UnauthorizedAccess:*"}}, false},
		{"account", notify.Filter{MaxSeverity: 10, Accounts: []string{"111122223333"}}, true},
		{"other account", notify.Filter{MaxSeverity: 10, Accounts: []string{"999999999999"}}, false},
		{"region", notify.Filter{MaxSeverity: 10, Regions: []string{"eu-west-1"}}, false},
		{"tag", notify.Filter{MaxSeverity: 10, ResourceTags: map[string]string{"env": "prod"}}, true},
		{"tag any value", notify.Filter{MaxSeverity: 10, ResourceTags: map[string]string{"env": "*"}}, true},
		{"tag other value", notify.Filter{MaxSeverity: 10, ResourceTags: map[string]string{"env": "dev"}}, false},
		{"missing tag", notify.Filter{MaxSeverity: 10, ResourceTags: map[string]string{"team": "*"}}, false},
	}
	for _, tt := range tests {
		if got := tt.fl.Match(&f); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHealthNotification(t *testing.T) {
	h := newHarness(t, nil, "ops")
	if err := h.n.NotifyHealth(context.Background(), "ops", "source", "folder:/logs", "warning", "no new log file for 2h"); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)
	msgs := h.dests["ops"].messages()
	if len(msgs) != 1 || len(msgs[0].Findings) != 1 {
		t.Fatalf("got %+v, want one message with one finding", msgs)
	}
	f := msgs[0].Findings[0]
	if f.Type != notify.TypeHealthWarning || f.Description != "no new log file for 2h" || msgs[0].Route != notify.HealthRoute {
		t.Errorf("health message = %s %q route %s", f.Type, f.Description, msgs[0].Route)
	}
	if err := h.n.NotifyHealth(context.Background(), "nowhere", "source", "x", "ok", ""); err == nil {
		t.Error("NotifyHealth to an unknown destination: no error")
	}
}

func TestNoRoutesConsumesTheFeed(t *testing.T) {
	h := newHarness(t, nil)
	h.upsert(t, newFinding("a", typeSSH, 8, t0), newFinding("b", typeSSH, 8, t0))
	h.route(t)
	if cs, err := h.db.FindingChanges(context.Background(), 0, 10); err != nil || len(cs) != 0 {
		t.Errorf("changes left after routing without routes: %v, %v", cs, err)
	}
}
