package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/health"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TestRegistryChanges follows one source through silence and recovery:
// Since moves only when the status changes, Updated on every Set, and
// OnChange sees each change once, in order.
func TestRegistryChanges(t *testing.T) {
	clk := &clock{t: t0}
	r := health.NewRegistry(nil, clk.now)
	var seen []string
	r.OnChange(func(c health.Check) { seen = append(seen, string(c.Status)+" "+c.Message) })

	r.Set("source", "s3://trail", health.OK, "")
	clk.add(time.Minute)
	r.Set("source", "s3://trail", health.Warning, "no new log file for 1h1m")
	clk.add(time.Minute)
	r.Set("source", "s3://trail", health.Warning, "no new log file for 1h2m")
	clk.add(time.Minute)
	r.Set("source", "s3://trail", health.OK, "")
	r.Set("source", "s3://trail", health.OK, "")

	want := []string{"warning no new log file for 1h1m", "ok "}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("OnChange calls (-want +got):\n%s", d)
	}
	got := r.Checks()
	wantChecks := []health.Check{{Component: "source", Name: "s3://trail", Status: health.OK, Since: t0.Add(3 * time.Minute), Updated: t0.Add(3 * time.Minute)}}
	if d := cmp.Diff(wantChecks, got); d != "" {
		t.Errorf("Checks() (-want +got):\n%s", d)
	}
}

func TestRegistryWarningSince(t *testing.T) {
	clk := &clock{t: t0}
	r := health.NewRegistry(nil, clk.now)
	r.Set("intel", "tor", health.Warning, "fetch failed")
	clk.add(time.Hour)
	r.Set("intel", "tor", health.Warning, "fetch failed again")
	c := r.Checks()[0]
	if !c.Since.Equal(t0) || !c.Updated.Equal(t0.Add(time.Hour)) || c.Message != "fetch failed again" {
		t.Errorf("check after a repeated warning = %+v; want since %v, updated an hour later, the new message", c, t0)
	}
}

func TestRegistryWorstAndOrder(t *testing.T) {
	r := health.NewRegistry(nil, nil)
	if w := r.Worst(); w != health.OK {
		t.Errorf("Worst() of an empty registry = %q, want ok", w)
	}
	r.Set("source", "b", health.OK, "")
	r.Set("notify", "slack", health.Warning, "429")
	r.Set("source", "a", health.Warning, "silent")
	if w := r.Worst(); w != health.Warning {
		t.Errorf("Worst() = %q, want warning", w)
	}
	r.Set("store", "sqlite", health.Error, "disk I/O error")
	if w := r.Worst(); w != health.Error {
		t.Errorf("Worst() = %q, want error", w)
	}
	var order, problems []string
	for _, c := range r.Checks() {
		order = append(order, c.Component+"/"+c.Name)
	}
	for _, c := range r.Problems() {
		problems = append(problems, c.Component+"/"+c.Name)
	}
	if d := cmp.Diff([]string{"notify/slack", "source/a", "source/b", "store/sqlite"}, order); d != "" {
		t.Errorf("Checks() order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"store/sqlite", "notify/slack", "source/a"}, problems); d != "" {
		t.Errorf("Problems() order (-want +got):\n%s", d)
	}
}

func TestRegistryRemove(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := health.NewRegistry(reg, nil)
	var seen []health.Check
	r.OnChange(func(c health.Check) { seen = append(seen, c) })
	r.Set("source", "quiet", health.OK, "")
	r.Set("source", "broken", health.Warning, "listing failed")
	r.Remove("source", "quiet")
	r.Remove("source", "broken")
	r.Remove("source", "never-set")
	if n := len(r.Checks()); n != 0 {
		t.Errorf("%d checks left after removing all", n)
	}
	if len(seen) != 2 || seen[1].Status != health.OK || seen[1].Name != "broken" || seen[1].Message != "removed" {
		t.Errorf("OnChange saw %+v; want the warning, then broken back to ok as removed", seen)
	}
	if got := gauges(t, reg); len(got) != 0 {
		t.Errorf("vigil_health_status after Remove = %v, want no series", got)
	}
}

func TestRegistryMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := health.NewRegistry(reg, nil)
	r.Set("source", "/var/log/ct", health.OK, "")
	r.Set("notify", "slack", health.Warning, "timeout")
	r.Set("store", "sqlite", health.Error, "locked")
	want := map[string]float64{"notify/slack": 1, "source//var/log/ct": 0, "store/sqlite": 2}
	if d := cmp.Diff(want, gauges(t, reg)); d != "" {
		t.Errorf("vigil_health_status (-want +got):\n%s", d)
	}
}

// gauges returns vigil_health_status by "component/name".
func gauges(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "vigil_health_status" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out[l["component"]+"/"+l["name"]] = m.GetGauge().GetValue()
		}
	}
	return out
}

// TestOnChangeMaySet: a subscriber that sets another check (as a notifier
// whose destination fails would) neither deadlocks nor loses the change.
func TestOnChangeMaySet(t *testing.T) {
	r := health.NewRegistry(nil, nil)
	var seen []string
	r.OnChange(func(c health.Check) {
		seen = append(seen, c.Component+" "+string(c.Status))
		if c.Component == "source" {
			r.Set("notify", "slack", health.Warning, "could not tell about "+c.Name)
		}
	})
	r.Set("source", "s3://b", health.Warning, "silent")
	if d := cmp.Diff([]string{"source warning", "notify warning"}, seen); d != "" {
		t.Errorf("OnChange calls (-want +got):\n%s", d)
	}
}

// TestOnChangeConcurrent: with many goroutines flipping one check, every
// change reaches the subscriber once, and the last one seen is the
// check's final status.
func TestOnChangeConcurrent(t *testing.T) {
	r := health.NewRegistry(nil, nil)
	var mu sync.Mutex
	var seen []health.Status
	r.OnChange(func(c health.Check) {
		mu.Lock()
		seen = append(seen, c.Status)
		mu.Unlock()
	})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				s := health.OK
				if (i+j)%2 == 0 {
					s = health.Warning
				}
				r.Set("source", "x", s, "")
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(seen); i++ {
		if seen[i] == seen[i-1] {
			t.Fatalf("OnChange saw %s twice in a row at %d: a change was lost or repeated", seen[i], i)
		}
	}
	final := r.Checks()[0].Status
	if len(seen) > 0 && seen[len(seen)-1] != final {
		t.Errorf("last change seen %s, check is %s", seen[len(seen)-1], final)
	}
	if len(seen) == 0 && final != health.OK {
		t.Errorf("no change seen, check is %s", final)
	}
}

func TestHandler(t *testing.T) {
	r := health.NewRegistry(nil, func() time.Time { return t0 })
	storeErr := error(nil)
	r.Probe("store", "sqlite", func(context.Context) error { return storeErr })
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		r.Handler().ServeHTTP(rec, req)
		return rec
	}

	if rec := get("/healthz"); rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("all ok: /healthz = %d %q, want 200 \"ok\\n\"", rec.Code, rec.Body.String())
	}

	r.Set("source", "s3://trail/AWSLogs/", health.Warning, "no new log file for 2h")
	rec := get("/healthz")
	if rec.Code != http.StatusOK || rec.Body.String() != "warning\nwarning source s3://trail/AWSLogs/: no new log file for 2h\n" {
		t.Errorf("a warning: /healthz = %d %q", rec.Code, rec.Body.String())
	}
	for _, req := range [][]string{{"/healthz?verbose=1"}, {"/healthz", "Accept", "application/json"}} {
		rec := get(req[0], req[1:]...)
		var rep health.Report
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rec.Code != http.StatusOK ||
			rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("GET %v = %d %q: %v", req, rec.Code, rec.Body.String(), err)
		}
		want := health.Report{Status: health.Warning, Checks: []health.Check{
			{Component: "source", Name: "s3://trail/AWSLogs/", Status: health.Warning, Message: "no new log file for 2h", Since: t0, Updated: t0},
			{Component: "store", Name: "sqlite", Status: health.OK, Since: t0, Updated: t0},
		}}
		if d := cmp.Diff(want, rep); d != "" {
			t.Errorf("GET %v report (-want +got):\n%s", req, d)
		}
	}

	storeErr = errors.New("database is locked")
	if rec := get("/healthz"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "error store sqlite: database is locked") {
		t.Errorf("store down: /healthz = %d %q, want 503 naming the store", rec.Code, rec.Body.String())
	}
	if rec := get("/healthz?verbose=1"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"status": "error"`) {
		t.Errorf("store down: /healthz?verbose=1 = %d %q", rec.Code, rec.Body.String())
	}
	storeErr = nil
	r.Set("source", "s3://trail/AWSLogs/", health.OK, "")
	if rec := get("/healthz"); rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("recovered: /healthz = %d %q", rec.Code, rec.Body.String())
	}
}
