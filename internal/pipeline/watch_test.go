package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// clock is a settable WatchOptions.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// watchFolder returns a watcher of one folder source, storing into db.
func watchFolder(dir string, db store.Store, o pipeline.WatchOptions, src pipeline.WatchSource) *pipeline.Watcher {
	src.Lister = source.NewFolder(dir)
	o.Sources = []pipeline.WatchSource{src}
	o.Store = db
	if o.Engine == nil {
		o.Engine = newEngine()
	}
	return pipeline.NewWatcher(o)
}

// poll makes a forced pass and returns its statistics without Bytes.
func poll(t *testing.T, w *pipeline.Watcher) pipeline.Stats {
	t.Helper()
	st, err := w.Poll(context.Background(), true)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	st.Bytes = 0
	return st
}

// rootCount returns the count of the stored root credential usage finding
// for an API, 0 if there is none.
func rootCount(t *testing.T, db store.Store, api string) int {
	t.Helper()
	id := finding.ID(account, "us-east-1", rootType, "AKIA6ON6E4XEROOTKEY1|"+api)
	f, err := db.GetFinding(context.Background(), id)
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatalf("GetFinding(%s): %v", id, err)
	}
	return f.Service.Count
}

// touch sets a file's modification time.
func touch(t *testing.T, path string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestWatcherPoll follows a folder through the life of "vigil serve": each
// file is read once, new and rewritten files are read on the next pass,
// and the stored finding counts every call once.
func TestWatcherPoll(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t)
	w := watchFolder(dir, db, pipeline.WatchOptions{Workers: 2}, pipeline.WatchSource{Interval: time.Minute})
	var a1 string
	steps := []struct {
		name      string
		change    func()
		want      pipeline.Stats
		wantCount int
	}{{
		name: "first pass reads every file",
		change: func() {
			a1 = writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1)), role(at(2))))
			writeLog(t, dir, "a2.json.gz", delivery(t, "a2", root("ListBuckets", at(3))))
		},
		want:      pipeline.Stats{Files: 2, Records: 3, Events: 3, Findings: 2},
		wantCount: 2,
	}, {
		name:      "second pass reads nothing",
		change:    func() {},
		want:      pipeline.Stats{Skipped: 2},
		wantCount: 2,
	}, {
		name:      "a new file is read",
		change:    func() { writeLog(t, dir, "a3.json", delivery(t, "a3", root("ListBuckets", at(4)))) },
		want:      pipeline.Stats{Files: 1, Skipped: 2, Records: 1, Events: 1, Findings: 1},
		wantCount: 3,
	}, {
		name: "a rewritten file is read again",
		change: func() {
			writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1)), role(at(2)), root("ListBuckets", at(5))))
			touch(t, a1, day.Add(time.Hour))
		},
		want:      pipeline.Stats{Files: 1, Skipped: 2, Records: 3, Events: 3, Findings: 2},
		wantCount: 5,
	}, {
		name:      "a file touched but not changed is read again",
		change:    func() { touch(t, a1, day.Add(2*time.Hour)) },
		want:      pipeline.Stats{Files: 1, Skipped: 2, Records: 3, Events: 3, Findings: 2},
		wantCount: 7,
	}, {
		name:      "and then not again",
		change:    func() {},
		want:      pipeline.Stats{Skipped: 3},
		wantCount: 7,
	}}
	var total pipeline.Stats
	for _, step := range steps {
		step.change()
		got := poll(t, w)
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s: Poll stats differ (-want +got):\n%s", step.name, diff)
		}
		if got := rootCount(t, db, "ListBuckets"); got != step.wantCount {
			t.Errorf("%s: stored ListBuckets finding count = %d, want %d", step.name, got, step.wantCount)
		}
		total.Files += got.Files
		total.Skipped += got.Skipped
		total.Events += got.Events
	}
	gotTotal := w.Stats()
	if gotTotal.Files != total.Files || gotTotal.Skipped != total.Skipped || gotTotal.Events != total.Events {
		t.Errorf("Stats() = %+v, want the sum of the passes: %d files, %d skipped, %d events", gotTotal, total.Files, total.Skipped, total.Events)
	}
}

// TestWatcherInterval checks that Poll without force only visits a source
// once its interval has passed.
func TestWatcherInterval(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{now}
	w := watchFolder(dir, openStore(t), pipeline.WatchOptions{Now: clk.now}, pipeline.WatchSource{Interval: time.Minute})
	writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1))))
	steps := []struct {
		advance time.Duration
		newFile string
		want    pipeline.Stats
	}{
		{0, "", pipeline.Stats{Files: 1, Records: 1, Events: 1, Findings: 1}},
		{30 * time.Second, "a2.json", pipeline.Stats{}},
		{29 * time.Second, "", pipeline.Stats{}},
		{time.Second, "", pipeline.Stats{Files: 1, Skipped: 1, Records: 1, Events: 1, Findings: 1}},
		{time.Second, "", pipeline.Stats{}},
	}
	for i, step := range steps {
		clk.t = clk.t.Add(step.advance)
		if step.newFile != "" {
			writeLog(t, dir, step.newFile, delivery(t, step.newFile, root("ListBuckets", at(2))))
		}
		got, err := w.Poll(context.Background(), false)
		if err != nil {
			t.Fatalf("step %d: Poll: %v", i, err)
		}
		got.Bytes = 0
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("step %d (%v after the first): Poll(force false) stats differ (-want +got):\n%s", i, clk.t.Sub(now), diff)
		}
	}
}

// TestWatcherMaxFilesPerPass checks that a backlog is worked off in
// bounded passes, each continuing where the last stopped.
func TestWatcherMaxFilesPerPass(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t)
	for _, name := range []string{"a1.json", "a2.json", "a3.json", "a4.json", "a5.json"} {
		writeLog(t, dir, name, delivery(t, name, root("ListBuckets", at(1))))
	}
	w := watchFolder(dir, db, pipeline.WatchOptions{MaxFilesPerPass: 2, Workers: 3}, pipeline.WatchSource{})
	for i, want := range []pipeline.Stats{
		{Files: 2, Records: 2, Events: 2, Findings: 2},
		{Files: 2, Skipped: 2, Records: 2, Events: 2, Findings: 2},
		{Files: 1, Skipped: 4, Records: 1, Events: 1, Findings: 1},
		{Skipped: 5},
	} {
		if diff := cmp.Diff(want, poll(t, w)); diff != "" {
			t.Errorf("pass %d: Poll stats differ (-want +got):\n%s", i+1, diff)
		}
	}
	if got := rootCount(t, db, "ListBuckets"); got != 5 {
		t.Errorf("stored ListBuckets finding count = %d, want 5", got)
	}
}

// TestWatcherSettle checks what happens to a file that ends in the middle
// of a record: while it was modified less than Settle ago it is probably
// still being written, so it is neither checkpointed nor are its findings
// stored; otherwise it is taken as it is.
func TestWatcherSettle(t *testing.T) {
	mtime := now.Add(-10 * time.Second)
	rec1, rec2 := root("ListBuckets", at(1)).record(t, "1"), root("ListBuckets", at(2)).record(t, "2")
	truncated := `{"Records":[` + rec1 + ",\n" + rec2[:len(rec2)/2]
	complete := `{"Records":[` + rec1 + ",\n" + rec2 + "]}"
	tests := []struct {
		name   string
		settle time.Duration
		// after the first pass, the second (same file) and the third (the
		// file completed)
		want      [3]pipeline.Stats
		wantCount [3]int
	}{{
		name:   "recently modified: read again",
		settle: time.Minute,
		want: [3]pipeline.Stats{
			{Files: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
			{Files: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
			{Files: 1, Records: 2, Events: 2, Findings: 2},
		},
		wantCount: [3]int{0, 0, 2},
	}, {
		name:   "settled long ago: checkpointed",
		settle: 5 * time.Second,
		want: [3]pipeline.Stats{
			{Files: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
			{Skipped: 1},
			{Files: 1, Records: 2, Events: 2, Findings: 2},
		},
		wantCount: [3]int{1, 1, 3},
	}, {
		name:   "no settle time: checkpointed",
		settle: 0,
		want: [3]pipeline.Stats{
			{Files: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
			{Skipped: 1},
			{Files: 1, Records: 2, Events: 2, Findings: 2},
		},
		wantCount: [3]int{1, 1, 3},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openStore(t)
			w := watchFolder(dir, db, pipeline.WatchOptions{Now: func() time.Time { return now }}, pipeline.WatchSource{Settle: tt.settle})
			path := writeLog(t, dir, "a1.json", truncated)
			touch(t, path, mtime)
			for pass := range 3 {
				if pass == 2 {
					writeLog(t, dir, "a1.json", complete)
					touch(t, path, mtime.Add(time.Second))
				}
				if diff := cmp.Diff(tt.want[pass], poll(t, w)); diff != "" {
					t.Errorf("pass %d: Poll stats differ (-want +got):\n%s", pass+1, diff)
				}
				if got := rootCount(t, db, "ListBuckets"); got != tt.wantCount[pass] {
					t.Errorf("pass %d: stored ListBuckets finding count = %d, want %d", pass+1, got, tt.wantCount[pass])
				}
			}
		})
	}
}

// TestWatcherFailedFileRetried checks that a file that could not be read
// at all is not checkpointed: it is tried again on every pass.
func TestWatcherFailedFileRetried(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1))))
	writeLog(t, dir, "a2.json", "not a log\n")
	w := watchFolder(dir, openStore(t), pipeline.WatchOptions{}, pipeline.WatchSource{})
	for i, want := range []pipeline.Stats{
		{Files: 1, Failed: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
		{Skipped: 1, Failed: 1, Errors: 1},
	} {
		if diff := cmp.Diff(want, poll(t, w)); diff != "" {
			t.Errorf("pass %d: Poll stats differ (-want +got):\n%s", i+1, diff)
		}
	}
}

// statefulDetectors returns the names of the registered detectors whose
// state survives a restart.
func statefulDetectors(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, d := range detect.Registered() {
		if d.DecodeState != nil {
			names = append(names, d.Name)
		}
	}
	if len(names) == 0 {
		t.Fatal("no registered detector keeps state (DecodeState)")
	}
	return names
}

const passwordDetector = "iam.password_policy_change"

// stopOnList is a Lister that cancels a context each time it lists, so
// that Watcher.Run stops in its first pass.
type stopOnList struct {
	source.Lister
	stop context.CancelFunc
}

func (l stopOnList) List(ctx context.Context, after string) ([]source.Object, error) {
	l.stop()
	return l.Lister.List(ctx, after)
}

// TestWatcherSavesState checks that each pass saves the detectors' state,
// and that a new watcher restores it in Run: a password policy that the
// previous process already saw is not reported again as weaker than the
// baseline.
func TestWatcherSavesState(t *testing.T) {
	if names := statefulDetectors(t); !strings.Contains(strings.Join(names, ","), passwordDetector) {
		t.Fatalf("stateful detectors = %v, want %s among them", names, passwordDetector)
	}
	passwordID := finding.ID(account, "us-east-1", "Stealth:IAMUser/PasswordPolicyChange",
		"ASIA6ON6E4XEEXAMPLE1|UpdateAccountPasswordPolicy|AWS::IAM::AccountPasswordPolicy="+account)
	tests := []struct {
		name      string
		restore   bool
		wantCount int
	}{
		{"restored: the same policy again is no change", true, 1},
		{"not restored: compared with the baseline again", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openStore(t)
			ctx := context.Background()
			writeLog(t, dir, "p1.json", delivery(t, "p1", passwordPolicy(8, at(1))))
			poll(t, watchFolder(dir, db, pipeline.WatchOptions{}, pipeline.WatchSource{}))

			for _, name := range statefulDetectors(t) {
				snap, err := db.GetState(ctx, name)
				if err != nil {
					t.Errorf("GetState(%s) after a pass: %v", name, err)
				}
				if name == passwordDetector && (!strings.Contains(string(snap), account) || !strings.Contains(string(snap), `"minimumPasswordLength":8`)) {
					t.Errorf("GetState(%s) = %s, want the policy of account %s", name, snap, account)
				}
			}
			if f, err := db.GetFinding(ctx, passwordID); err != nil || f.Service.Count != 1 {
				t.Fatalf("GetFinding(password policy change) = count %d, %v, want count 1", f.Service.Count, err)
			}

			// A new process: a new engine and watcher on the same store.
			eng := newEngine()
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			w := pipeline.NewWatcher(pipeline.WatchOptions{
				Sources: []pipeline.WatchSource{{Lister: stopOnList{source.NewFolder(dir), stop}}},
				Engine:  eng,
				Store:   db,
			})
			if tt.restore {
				// Run restores the state, then stops in its first pass.
				if err := w.Run(runCtx); err != nil {
					t.Fatalf("Run: %v", err)
				}
				if st, _ := eng.State(passwordDetector); st.Len() != 1 {
					t.Fatalf("after Run, %s state holds %d keys, want 1", passwordDetector, st.Len())
				}
			}
			writeLog(t, dir, "p2.json", delivery(t, "p2", passwordPolicy(8, at(2))))
			if got := poll(t, w); got.Files != 1 || got.Skipped != 1 {
				t.Fatalf("second watcher's Poll = %+v, want 1 file read, 1 skipped", got)
			}
			f, err := db.GetFinding(ctx, passwordID)
			if err != nil || f.Service.Count != tt.wantCount {
				t.Errorf("GetFinding(password policy change) = count %d, %v, want count %d", f.Service.Count, err, tt.wantCount)
			}
		})
	}
}

// TestWatcherMetrics checks the watcher's counters.
func TestWatcherMetrics(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "a1.json", delivery(t, "a1", root("ListBuckets", at(1)), role(at(2))))
	writeLog(t, dir, "a2.json", delivery(t, "a2", root("ListBuckets", at(3))))
	writeLog(t, dir, "a3.json", "not a log\n")
	reg := prometheus.NewRegistry()
	w := watchFolder(dir, openStore(t), pipeline.WatchOptions{Registerer: reg}, pipeline.WatchSource{})
	poll(t, w)
	poll(t, w)
	want := map[string]float64{
		`vigil_source_files_total{result="read"}`:    2,
		`vigil_source_files_total{result="skipped"}`: 2,
		`vigil_source_files_total{result="failed"}`:  2,
		`vigil_source_events_total`:                  3,
		`vigil_source_errors_total`:                  2,
		`vigil_findings_created_total`:               1,
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if m.GetCounter() == nil {
				continue
			}
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += `{` + l.GetName() + `="` + l.GetValue() + `"}`
			}
			got[name] = m.GetCounter().GetValue()
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counters after two passes differ (-want +got):\n%s", diff)
	}
}
