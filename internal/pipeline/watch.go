package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store"
)

// WatchSource is a location polled for new log files.
type WatchSource struct {
	Lister   source.Lister
	Interval time.Duration
	// Settle: a file that could not be read to its end (truncated gzip or
	// JSON) and was modified less than Settle ago is probably still being
	// written; it is not checkpointed and is read again on a later pass.
	Settle time.Duration
	// URL is the source as configured, for people (default: the lister's
	// name). ExpectedInterval is how long it may go without a new file
	// before its health check warns; 0: never.
	URL              string
	ExpectedInterval time.Duration
}

// WatchOptions configure a Watcher.
type WatchOptions struct {
	Sources      []WatchSource
	Engine       *detect.Engine
	Store        store.Store
	Workers      int
	MaxFileBytes int64
	// MaxFilesPerPass bounds the files read in one pass (0: no bound), so a
	// large backlog is worked off in steps with checkpoints in between.
	MaxFilesPerPass int
	Logger          *slog.Logger
	Registerer      prometheus.Registerer
	Now             func() time.Time
	// Health receives each source's state (see checkHealth); nil: none.
	Health HealthSetter

	// Usage receives the usage of each committed file (see usage.go); nil
	// meters nothing. Inventory tells Lambda functions' interfaces to it.
	Usage     store.UsageStore
	Inventory detect.Inventory
}

// Watcher is the long-running stage of "vigil serve": it polls its
// sources, reads each new file once, runs detection and commits the file's
// findings together with its checkpoint, so a restart neither skips nor
// repeats a file.
type Watcher struct {
	o    WatchOptions
	log  *slog.Logger
	last map[int]time.Time

	mu      sync.Mutex
	total   Stats
	started time.Time
	src     []SourceStatus // per source, as w.o.Sources (watchhealth.go)

	files    *prometheus.CounterVec
	events   prometheus.Counter
	errs     prometheus.Counter
	created  prometheus.Counter
	duration prometheus.Histogram
}

// NewWatcher returns a Watcher; call Run to start it.
func NewWatcher(o WatchOptions) *Watcher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Watcher{
		o: o, log: o.Logger.With("component", "watch"), last: map[int]time.Time{},
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_source_files_total", Help: "Log files handled by sources, by result (read, skipped, failed).",
		}, []string{"result"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_source_events_total", Help: "Events read from log files.",
		}),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_source_errors_total", Help: "Malformed records and unreadable files reported and skipped.",
		}),
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_findings_created_total", Help: "New findings stored (repeats of a finding are not counted).",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vigil_source_poll_seconds", Help: "Duration of one pass over the due sources.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(w.files, w.events, w.errs, w.created, w.duration)
	}
	w.initSources()
	return w
}

// Run restores detector state, then polls until ctx is done.
func (w *Watcher) Run(ctx context.Context) error {
	w.restore(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := w.Poll(ctx, false); err != nil && ctx.Err() == nil {
			w.log.Error("poll failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Stats returns the totals since the watcher started.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total
}

// Poll makes one pass over the sources that are due (all of them when
// force is set) and returns what it did.
func (w *Watcher) Poll(ctx context.Context, force bool) (Stats, error) {
	start := w.o.Now()
	defer w.checkHealth()
	var due []int // indexes of w.o.Sources
	for i, s := range w.o.Sources {
		if force || start.Sub(w.last[i]) >= s.Interval {
			w.last[i] = start
			due = append(due, i)
		}
	}
	if len(due) == 0 {
		return Stats{}, nil
	}
	var nerr int
	var mu sync.Mutex
	onErr := logErrors(w.log, &nerr, &mu)
	skip := func(l source.Lister, o source.Object) (bool, error) {
		return w.o.Store.FileDone(ctx, l.Name(), o.Key, o.Version)
	}
	jobs, skipped := w.listDue(ctx, due, onErr, skip)
	if n := w.o.MaxFilesPerPass; n > 0 && len(jobs) > n {
		jobs = jobs[:n]
	}
	meterJobs(jobs, w.o.Usage != nil, w.o.Inventory, w.o.Now)
	st, err := process(ctx, jobs, w.o.Workers, w.o.MaxFileBytes, w.o.Engine, onErr, w.commit)
	st.Skipped = skipped
	st.Errors = nerr
	w.account(st, w.o.Now().Sub(start)) // the same clock as start, which tests may set
	if err != nil {
		return st, err
	}
	return st, w.saveState(ctx)
}

func (w *Watcher) commit(ctx context.Context, j *job, st source.Stats, readErr error, fs []finding.Finding) error {
	if readErr != nil && w.settling(j) {
		w.log.Info("file incomplete and recently modified; will read it again", "file", j.obj.URL)
		return nil
	}
	mark := store.FileMark{Source: j.lister.Name(), Key: j.obj.Key, Version: j.obj.Version,
		Events: int64(st.Events), Errors: int64(st.Errors)}
	n, err := w.o.Store.CommitFile(ctx, mark, fs)
	if err != nil {
		return fmt.Errorf("commit %s: %w", j.obj.URL, err)
	}
	w.created.Add(float64(n))
	w.noteFile(j, st)
	w.addUsage(ctx, j)
	if n > 0 {
		w.log.Info("new findings", "file", j.obj.URL, "new", n, "findings", len(fs))
	}
	return nil
}

func (w *Watcher) settling(j *job) bool {
	for _, s := range w.o.Sources {
		if s.Lister == j.lister {
			return s.Settle > 0 && !j.obj.ModTime.IsZero() && w.o.Now().Sub(j.obj.ModTime) < s.Settle
		}
	}
	return false
}

func (w *Watcher) account(st Stats, d time.Duration) {
	w.mu.Lock()
	w.total.Files += st.Files
	w.total.Skipped += st.Skipped
	w.total.Failed += st.Failed
	w.total.Records += st.Records
	w.total.Events += st.Events
	w.total.Errors += st.Errors
	w.total.Bytes += st.Bytes
	w.total.Findings += st.Findings
	w.mu.Unlock()
	w.files.WithLabelValues("read").Add(float64(st.Files))
	w.files.WithLabelValues("skipped").Add(float64(st.Skipped))
	w.files.WithLabelValues("failed").Add(float64(st.Failed))
	w.events.Add(float64(st.Events))
	w.errs.Add(float64(st.Errors))
	w.duration.Observe(d.Seconds())
	if st.Files > 0 || st.Failed > 0 {
		w.log.Info("pass done", "files", st.Files, "failed", st.Failed, "skipped", st.Skipped,
			"events", st.Events, "errors", st.Errors, "findings", st.Findings, "took", d.Round(time.Millisecond))
	}
}

func (w *Watcher) saveState(ctx context.Context) error {
	snaps, err := w.o.Engine.Snapshots()
	if err != nil {
		return err
	}
	var errs []error
	for name, b := range snaps {
		errs = append(errs, w.o.Store.PutState(ctx, name, b))
	}
	return errors.Join(errs...)
}

func (w *Watcher) restore(ctx context.Context) {
	for _, name := range w.o.Engine.Detectors() {
		b, err := w.o.Store.GetState(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err == nil {
			err = w.o.Engine.Restore(name, b)
		}
		if err != nil {
			w.log.Warn("detector state not restored; starting empty", "detector", name, "err", err)
		}
	}
}
