package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
)

// flaky is a lister whose listing fails while *fail is set.
type flaky struct {
	source.Lister
	fail *bool
}

func (f flaky) List(ctx context.Context, after string) ([]source.Object, error) {
	if *f.fail {
		return nil, errors.New("AccessDenied: not allowed to list s3://trail")
	}
	return f.Lister.List(ctx, after)
}

// TestWatcherSourceHealth follows one source on a fake clock: quiet for
// longer than its expected interval it warns, a new file clears it, a
// failing listing warns at once, and SourceStatus counts files, events
// and the newest event time.
func TestWatcherSourceHealth(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{now}
	reg := health.NewRegistry(nil, clk.now)
	var changes []string
	reg.OnChange(func(c health.Check) { changes = append(changes, string(c.Status)+": "+c.Message) })
	fail := false
	src := pipeline.WatchSource{Lister: flaky{source.NewFolder(dir), &fail}, Interval: time.Minute,
		ExpectedInterval: 10 * time.Minute, URL: "file://" + dir}
	w := pipeline.NewWatcher(pipeline.WatchOptions{Sources: []pipeline.WatchSource{src}, Store: openStore(t),
		Engine: newEngine(), Now: clk.now, Health: reg})
	name := src.Lister.Name()

	writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1))))
	steps := []struct {
		name    string
		advance time.Duration
		change  func()
		want    health.Status
		msg     string
	}{
		{"first file", 0, nil, health.OK, ""},
		{"quiet, within the interval", 10 * time.Minute, nil, health.OK, ""},
		{"quiet for longer", time.Minute, nil, health.Warning, "no new log file for 11m0s (expected one at least every 10m0s)"},
		{"a new file", time.Minute, func() { writeLog(t, dir, "a2.json", delivery(t, "a2", root("GetObject", at(9)), role(at(5)))) }, health.OK, ""},
		{"listing fails", time.Minute, func() { fail = true }, health.Warning, "listing failed: AccessDenied: not allowed to list s3://trail"},
		{"listing works again", time.Minute, func() { fail = false }, health.OK, ""},
	}
	for _, s := range steps {
		clk.t = clk.t.Add(s.advance)
		if s.change != nil {
			s.change()
		}
		if _, err := w.Poll(context.Background(), true); err != nil {
			t.Fatalf("%s: Poll: %v", s.name, err)
		}
		checks := reg.Checks()
		if len(checks) != 1 || checks[0].Component != "source" || checks[0].Name != name ||
			checks[0].Status != s.want || checks[0].Message != s.msg {
			t.Errorf("%s: checks = %+v; want source %s %s %q", s.name, checks, name, s.want, s.msg)
		}
	}
	wantChanges := []string{"warning: no new log file for 11m0s (expected one at least every 10m0s)", "ok: ",
		"warning: listing failed: AccessDenied: not allowed to list s3://trail", "ok: "}
	if d := cmp.Diff(wantChanges, changes); d != "" {
		t.Errorf("health changes (-want +got):\n%s", d)
	}
	want := []pipeline.SourceStatus{{Name: name, URL: "file://" + dir, ExpectedInterval: 10 * time.Minute,
		LastPoll: clk.t, LastFile: now.Add(12 * time.Minute), LastEvent: at(9), Files: 2, Events: 3}}
	if d := cmp.Diff(want, w.SourceStatus()); d != "" {
		t.Errorf("SourceStatus() (-want +got):\n%s", d)
	}
}

// TestWatcherSilentFromStart: a source that never delivers a file warns
// once its interval has passed since the watcher started; one without an
// expected interval never does.
func TestWatcherSilentFromStart(t *testing.T) {
	clk := &clock{now}
	reg := health.NewRegistry(nil, clk.now)
	checked := source.NewFolder(t.TempDir())
	unchecked := source.NewFolder(t.TempDir())
	w := pipeline.NewWatcher(pipeline.WatchOptions{Store: openStore(t), Engine: newEngine(), Now: clk.now, Health: reg,
		Sources: []pipeline.WatchSource{{Lister: checked, Interval: time.Minute, ExpectedInterval: time.Hour},
			{Lister: unchecked, Interval: time.Minute}}})
	for _, step := range []struct {
		advance time.Duration
		want    health.Status
	}{{0, health.OK}, {time.Hour, health.OK}, {time.Minute, health.Warning}, {24 * time.Hour, health.Warning}} {
		clk.t = clk.t.Add(step.advance)
		if _, err := w.Poll(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		got := map[string]health.Status{}
		for _, c := range reg.Checks() {
			got[c.Name] = c.Status
		}
		want := map[string]health.Status{checked.Name(): step.want, unchecked.Name(): health.OK}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%v after start: checks (-want +got):\n%s", clk.t.Sub(now), d)
		}
	}
	c := reg.Problems()[0]
	if want := "no new log file since Vigil started 25h1m0s ago (expected one at least every 1h0m0s)"; c.Message != want {
		t.Errorf("message = %q, want %q", c.Message, want)
	}
	if st := w.SourceStatus(); st[0].URL != checked.Name() || st[0].Files != 0 || !st[0].LastFile.IsZero() {
		t.Errorf("SourceStatus()[0] = %+v; want the lister's name as URL, no files", st[0])
	}
}
