// Package health is Vigil's self-watching: a registry of health checks
// that components set when something they depend on goes wrong or comes
// back — a source that falls silent or cannot be listed, a notification
// destination that keeps failing, a list that cannot be refreshed, the
// store — and that the console, /healthz, the metrics and (through
// OnChange) notifications read.
//
// The registry only keeps and reports states: it never probes a
// component on its own schedule or sends anything itself. Check names
// come from configuration (source URLs, list and destination names),
// never from event content, since they become metric labels.
package health

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Status is the state of one check.
type Status string

// Statuses, from good to bad.
const (
	OK      Status = "ok"
	Warning Status = "warning" // degraded: Vigil works, but something needs a look
	Error   Status = "error"   // broken: /healthz answers 503
)

// level orders statuses; unknown ones count as errors.
func (s Status) level() int {
	switch s {
	case OK:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Worse reports whether s is worse than o.
func (s Status) Worse(o Status) bool { return s.level() > o.level() }

// Components that set checks.
const (
	ComponentSource = "source"
	ComponentNotify = "notify"
	ComponentIntel  = "intel"
	ComponentStore  = "store"
)

// Check is the state of one watched thing.
type Check struct {
	Component string    `json:"component"` // "source", "notify", "intel", "store"
	Name      string    `json:"name"`      // the source URL, destination or list name
	Status    Status    `json:"status"`
	Message   string    `json:"message,omitempty"`
	Since     time.Time `json:"since"`   // when Status last changed
	Updated   time.Time `json:"updated"` // when the check was last set
}

type key struct{ component, name string }

// probe is a check made when /healthz is asked.
type probe struct {
	component, name string
	fn              func(context.Context) error
}

// Registry keeps the checks. It is safe for concurrent use.
type Registry struct {
	now   func() time.Time
	gauge *prometheus.GaugeVec

	mu       sync.Mutex
	checks   map[key]*Check
	subs     []func(Check)
	pending  []Check // changes not yet given to subs
	draining bool    // a Set is calling subs
	probes   []probe
	log      *slog.Logger
}

// NewRegistry returns an empty registry. Its gauge
// vigil_health_status{component,name} (0 ok, 1 warning, 2 error) is
// registered with reg unless reg is nil; now defaults to time.Now.
func NewRegistry(reg prometheus.Registerer, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	r := &Registry{now: now, checks: map[key]*Check{},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_health_status", Help: "State of each health check: 0 ok, 1 warning, 2 error.",
		}, []string{"component", "name"})}
	if reg != nil {
		reg.MustRegister(r.gauge)
	}
	return r
}

// SetLogger makes the registry log each change of status; nil discards.
func (r *Registry) SetLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r.mu.Lock()
	r.log = l.With("component", "health")
	r.mu.Unlock()
}

// Set records the state of the check (component, name). An empty status
// is OK. A check that was never set counts as OK, so setting it OK is no
// change.
func (r *Registry) Set(component, name string, s Status, msg string) {
	if s == "" {
		s = OK
	}
	now := r.now()
	r.mu.Lock()
	k := key{component, name}
	c, ok := r.checks[k]
	if !ok {
		c = &Check{Component: component, Name: name, Status: OK, Since: now}
		r.checks[k] = c
	}
	changed := c.Status != s
	if changed {
		c.Since = now
	}
	c.Status, c.Message, c.Updated = s, msg, now
	r.gauge.WithLabelValues(component, name).Set(float64(s.level()))
	if changed {
		r.logChange(*c)
		r.pending = append(r.pending, *c)
	}
	r.drain() // unlocks r.mu
}

// Remove forgets a check, such as a source no longer configured. Removing
// a check that is not OK is a change to OK (with the message "removed").
func (r *Registry) Remove(component, name string) {
	r.mu.Lock()
	k := key{component, name}
	c, ok := r.checks[k]
	if ok {
		delete(r.checks, k)
		r.gauge.DeleteLabelValues(component, name)
		if c.Status != OK {
			now := r.now()
			gone := Check{Component: component, Name: name, Status: OK, Message: "removed", Since: now, Updated: now}
			r.logChange(gone)
			r.pending = append(r.pending, gone)
		}
	}
	r.drain()
}

func (r *Registry) logChange(c Check) {
	lvl := slog.LevelWarn
	if c.Status == OK {
		lvl = slog.LevelInfo
	}
	r.log.Log(context.Background(), lvl, "health check changed", "check", c.Component, "name", c.Name, "status", c.Status, "message", c.Message)
}

// drain gives pending changes to the subscribers, in order, outside the
// lock; r.mu is held on entry and released on return. One caller drains
// at a time: a Set made meanwhile (from another goroutine, or from a
// subscriber) queues its change for the drainer, so subscribers see
// every change once and in order and may call Set themselves.
func (r *Registry) drain() {
	if r.draining {
		r.mu.Unlock()
		return
	}
	r.draining = true
	for len(r.pending) > 0 {
		batch, subs := r.pending, r.subs
		r.pending = nil
		r.mu.Unlock()
		for _, c := range batch {
			for _, fn := range subs {
				fn(c)
			}
		}
		r.mu.Lock()
	}
	r.draining = false
	r.mu.Unlock()
}

// OnChange registers fn to be called with a check each time its Status
// changes (a new check that is not OK, a change between statuses, the
// removal of a check that was not OK). Calls are made one at a time, in
// the order of the changes, without the registry's lock held, by the
// goroutine of a Set or Remove; fn may call Set, and should not block for
// long.
func (r *Registry) OnChange(fn func(Check)) {
	r.mu.Lock()
	r.subs = append(r.subs, fn)
	r.mu.Unlock()
}

// Probe registers a check made each time /healthz is asked (and by
// RunProbes): fn's error sets (component, name) to Error with the error's
// text, nil sets it to OK. It suits cheap checks such as a store ping.
func (r *Registry) Probe(component, name string, fn func(context.Context) error) {
	r.mu.Lock()
	r.probes = append(r.probes, probe{component, name, fn})
	r.mu.Unlock()
}

// RunProbes makes the registered probes now.
func (r *Registry) RunProbes(ctx context.Context) {
	r.mu.Lock()
	ps := slices.Clone(r.probes)
	r.mu.Unlock()
	for _, p := range ps {
		if err := p.fn(ctx); err != nil {
			r.Set(p.component, p.name, Error, err.Error())
		} else {
			r.Set(p.component, p.name, OK, "")
		}
	}
}

// Checks returns every check, sorted by component and name.
func (r *Registry) Checks() []Check {
	r.mu.Lock()
	out := make([]Check, 0, len(r.checks))
	for _, c := range r.checks {
		out = append(out, *c)
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Check) int {
		return cmp.Or(cmp.Compare(a.Component, b.Component), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// Problems returns the checks that are not OK, worst first, then by
// component and name.
func (r *Registry) Problems() []Check {
	var out []Check
	for _, c := range r.Checks() {
		if c.Status != OK {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Check) int { return cmp.Compare(b.Status.level(), a.Status.level()) })
	return out
}

// Worst returns the worst status of all checks; OK when there are none.
func (r *Registry) Worst() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := OK
	for _, c := range r.checks {
		if c.Status.Worse(w) {
			w = c.Status
		}
	}
	return w
}
