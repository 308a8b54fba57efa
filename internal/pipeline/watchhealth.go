package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/source"
)

// HealthSetter receives the state of each source, as component "source"
// and the source's name; *health.Registry is one.
type HealthSetter interface {
	Set(component, name string, s health.Status, msg string)
}

// SourceStatus is what a Watcher knows of one source since it started.
type SourceStatus struct {
	Name string // the lister's name, as in checkpoints and health checks
	URL  string // as configured
	// ExpectedInterval is how long the source may go without a new file
	// before it is reported silent; 0: never.
	ExpectedInterval time.Duration
	LastPoll         time.Time // the last listing, successful or not
	LastFile         time.Time // when a new file was last read
	LastEvent        time.Time // the newest event time seen in a file
	Files, Events    int64     // new files read and their events
	Err              string    // the last listing's error; "" when it worked
}

// maxHealthMessage bounds the error text a health check carries.
const maxHealthMessage = 300

// initSources makes the per-source state.
func (w *Watcher) initSources() {
	w.started = w.o.Now()
	w.src = make([]SourceStatus, len(w.o.Sources))
	for i, s := range w.o.Sources {
		st := &w.src[i]
		st.Name, st.URL, st.ExpectedInterval = s.Lister.Name(), s.URL, s.ExpectedInterval
		if st.URL == "" {
			st.URL = st.Name
		}
	}
}

// SourceStatus returns the state of each source, in configuration order.
func (w *Watcher) SourceStatus() []SourceStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.src)
}

// listDue lists the due sources (indexes of w.o.Sources) as listAll
// does, noting each listing's time and outcome, and each job's source.
func (w *Watcher) listDue(ctx context.Context, due []int, onErr func(error),
	skip func(source.Lister, source.Object) (bool, error)) ([]*job, int) {
	var jobs []*job
	skipped := 0
	for _, i := range due {
		l := w.o.Sources[i].Lister
		n := &noting{Lister: l}
		js, sk := listAll(ctx, []source.Lister{n}, onErr, func(_ source.Lister, o source.Object) (bool, error) { return skip(l, o) })
		for _, j := range js {
			j.lister, j.src = l, i
		}
		jobs, skipped = append(jobs, js...), skipped+sk
		w.mu.Lock()
		w.src[i].LastPoll = w.o.Now()
		w.src[i].Err = ""
		if n.err != nil {
			w.src[i].Err = n.err.Error()
		}
		w.mu.Unlock()
	}
	return jobs, skipped
}

// noting is a lister that keeps the error of its last List.
type noting struct {
	source.Lister
	err error
}

func (n *noting) List(ctx context.Context, after string) ([]source.Object, error) {
	objs, err := n.Lister.List(ctx, after)
	n.err = err
	return objs, err
}

// noteFile records a new file of j's source, read with st.
func (w *Watcher) noteFile(j *job, st source.Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := &w.src[j.src]
	s.LastFile = w.o.Now()
	s.Files++
	s.Events += int64(st.Events)
	if j.lastEvent.After(s.LastEvent) {
		s.LastEvent = j.lastEvent
	}
}

// checkHealth sets each source's health check: a warning when its last
// listing failed, or when no new file came for longer than its expected
// interval (counted from the watcher's start before the first file);
// otherwise OK.
func (w *Watcher) checkHealth() {
	if w.o.Health == nil {
		return
	}
	now := w.o.Now()
	type result struct {
		name, msg string
		status    health.Status
	}
	w.mu.Lock()
	rs := make([]result, 0, len(w.src))
	for i := range w.src {
		s := &w.src[i]
		r := result{name: s.Name, status: health.OK}
		since := s.LastFile
		if since.IsZero() {
			since = w.started
		}
		switch quiet := now.Sub(since); {
		case s.Err != "":
			r.status, r.msg = health.Warning, "listing failed: "+clip(s.Err, maxHealthMessage)
		case s.ExpectedInterval > 0 && quiet > s.ExpectedInterval:
			what := "no new log file for " + roundDuration(quiet)
			if s.LastFile.IsZero() {
				what = "no new log file since Vigil started " + roundDuration(quiet) + " ago"
			}
			r.status, r.msg = health.Warning, fmt.Sprintf("%s (expected one at least every %s)", what, roundDuration(s.ExpectedInterval))
		}
		rs = append(rs, r)
	}
	w.mu.Unlock()
	for _, r := range rs {
		w.o.Health.Set(health.ComponentSource, r.name, r.status, r.msg)
	}
}

// roundDuration prints d to the second (to the minute above an hour).
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
