package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// Defaults of Options.
const (
	DefaultPoll       = 500 * time.Millisecond
	DefaultMaxAge     = 72 * time.Hour
	DefaultTimeout    = 10 * time.Second
	DefaultUpdateFreq = 6 * time.Hour // GuardDuty's default findingPublishingFrequency
	maxBackoff        = 5 * time.Minute
	maxRetryAfter     = time.Hour // a longer Retry-After is cut to this
	changeBatch       = 500
	dueBatch          = 5000
	// digestShown is how many findings a digest message carries; the rest
	// are counted in Message.Omitted.
	digestShown = 50
	// keepDone is how long sent and failed items stay in the outbox, so a
	// recurrence at the same count is recognised as already sent.
	keepDone = 7 * 24 * time.Hour
)

// FindingGetter reads a finding by id (store.Store has it).
type FindingGetter interface {
	GetFinding(ctx context.Context, id string) (finding.Finding, error)
}

// Options configure a Notifier.
type Options struct {
	Outbox       store.Outbox
	Findings     FindingGetter
	Routes       []Route
	Destinations []Destination
	ConsoleURL   string
	// UpdateInterval returns how often updates of existing findings are
	// published (the detector's findingPublishingFrequency); nil: 6h.
	UpdateInterval func(ctx context.Context) time.Duration
	MaxAge         time.Duration // a delivery failing for longer is given up (0: 72h)
	Timeout        time.Duration // per attempt (0: 10s)
	Poll           time.Duration // how often the change feed and outbox are read (0: 500ms)
	// DestinationState is told after each attempt whether a destination
	// works (err nil) or not; the health checks use it. May be nil.
	DestinationState func(destination string, err error)
	Now              func() time.Time
	Logger           *slog.Logger
	Registerer       prometheus.Registerer
}

// Notifier turns the store's finding changes into deliveries: it queues
// each new finding and recurrence for the routes that match it, in the
// outbox, then delivers the outbox to each destination with retries.
// Detection never waits for it: it reads what the store has committed.
type Notifier struct {
	o     Options
	log   *slog.Logger
	dests map[string]Destination

	inited atomic.Bool

	mu      sync.Mutex
	windows map[string]*rateWindow // by route

	queued    *prometheus.CounterVec
	delivered *prometheus.CounterVec
	messages  *prometheus.CounterVec
	skipped   *prometheus.CounterVec
	pending   *prometheus.GaugeVec
}

// rateWindow is a route's rate-limit state for the current window.
type rateWindow struct {
	end   time.Time
	sent  int
	types map[string]bool
}

// New checks the options and returns a Notifier; call Run.
func New(o Options) (*Notifier, error) {
	if o.Outbox == nil || o.Findings == nil {
		return nil, errors.New("notify: an outbox and a finding store are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Poll == 0 {
		o.Poll = DefaultPoll
	}
	if o.UpdateInterval == nil {
		o.UpdateInterval = func(context.Context) time.Duration { return DefaultUpdateFreq }
	}
	n := &Notifier{o: o, log: o.Logger.With("component", "notify"), dests: map[string]Destination{}, windows: map[string]*rateWindow{},
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_notify_queued_total", Help: "Findings queued for delivery, by route and kind (new, update).",
		}, []string{"route", "kind"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_notify_deliveries_total", Help: "Delivery attempts of queued findings, by destination and result (sent, retry, failed).",
		}, []string{"destination", "result"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_notify_messages_total", Help: "Messages sent, by destination and form (single, digest).",
		}, []string{"destination", "form"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_notify_skipped_total", Help: "Finding changes not sent, by reason (suppressed, deleted).",
		}, []string{"reason"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_notify_pending", Help: "Deliveries waiting in the outbox, by destination.",
		}, []string{"destination"}),
	}
	for _, d := range o.Destinations {
		if _, dup := n.dests[d.Name()]; dup {
			return nil, fmt.Errorf("notify: destination %q defined twice", d.Name())
		}
		n.dests[d.Name()] = d
	}
	for _, r := range o.Routes {
		if n.dests[r.Destination] == nil {
			return nil, fmt.Errorf("notify: route %s: unknown destination %q", r.Name, r.Destination)
		}
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{n.queued, n.delivered, n.messages, n.skipped, n.pending} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
		}
	}
	return n, nil
}

// Run routes changes and delivers until ctx is done. Store errors are
// logged and retried; it returns nil when ctx is done.
func (n *Notifier) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for name := range n.dests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.deliverLoop(ctx, name)
		}()
	}
	n.routeLoop(ctx)
	wg.Wait()
	return nil
}

func (n *Notifier) routeLoop(ctx context.Context) {
	t := time.NewTicker(n.o.Poll)
	defer t.Stop()
	lastPrune := time.Time{}
	for {
		for {
			more, err := n.RouteOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					n.log.Error("routing findings failed; retrying", "err", err)
				}
				break
			}
			if !more {
				break
			}
		}
		if now := n.o.Now(); now.Sub(lastPrune) > time.Hour {
			lastPrune = now
			if k, err := n.o.Outbox.PruneOutbox(ctx, now.Add(-keepDone)); err != nil {
				n.log.Warn("pruning the outbox failed", "err", err)
			} else if k > 0 {
				n.log.Debug("outbox pruned", "items", k)
			}
			n.updatePending(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Notifier) updatePending(ctx context.Context) {
	stats, err := n.o.Outbox.OutboxStats(ctx)
	if err != nil {
		return
	}
	for name := range n.dests {
		n.pending.WithLabelValues(name).Set(0)
	}
	for _, s := range stats {
		if s.State == store.DeliveryPending {
			n.pending.WithLabelValues(s.Destination).Set(float64(s.Items))
		}
	}
}

// Init starts the change feed's cursor on the first run, after the
// newest change, so findings made before notifications were set up are
// not sent; later runs resume where the last one stopped. Call it before
// detection starts, or the first findings may be taken for history.
func (n *Notifier) Init(ctx context.Context) error {
	if n.inited.Load() {
		return nil
	}
	_, ok, err := n.o.Outbox.NotifyCursor(ctx)
	if err != nil {
		return err
	}
	if !ok {
		latest, err := n.o.Outbox.LatestChange(ctx)
		if err != nil {
			return err
		}
		if err := n.o.Outbox.Enqueue(ctx, latest, nil); err != nil {
			return err
		}
	}
	n.inited.Store(true)
	return nil
}

// RouteOnce reads one batch of changes after the cursor and queues their
// deliveries. It reports whether more changes may be waiting. On the
// first run it calls Init.
func (n *Notifier) RouteOnce(ctx context.Context) (more bool, err error) {
	if err := n.Init(ctx); err != nil {
		return false, err
	}
	cursor, _, err := n.o.Outbox.NotifyCursor(ctx)
	if err != nil {
		return false, err
	}
	changes, err := n.o.Outbox.FindingChanges(ctx, cursor, changeBatch)
	if err != nil || len(changes) == 0 {
		return false, err
	}
	if len(n.o.Routes) == 0 { // nothing to send: only move the cursor on
		return len(changes) == changeBatch, n.o.Outbox.Enqueue(ctx, changes[len(changes)-1].Seq, nil)
	}
	now := n.o.Now().UTC()
	var items []store.OutboxItem
	var updateDue time.Time
	for _, c := range changes {
		f, err := n.o.Findings.GetFinding(ctx, c.FindingID)
		if errors.Is(err, store.ErrNotFound) {
			n.skipped.WithLabelValues("deleted").Inc()
			continue
		}
		if err != nil {
			return false, err
		}
		if f.Service.Archived {
			// Stored archived as it arrived: a suppression rule matched.
			// (A manually archived finding that recurs is current again.)
			n.skipped.WithLabelValues("suppressed").Inc()
			continue
		}
		var body []byte
		for i := range n.o.Routes {
			r := &n.o.Routes[i]
			if !r.Filter.Match(&f) {
				continue
			}
			if body == nil {
				if body, err = json.Marshal(f); err != nil {
					return false, fmt.Errorf("encode finding %s: %w", f.ID, err)
				}
			}
			it := store.OutboxItem{Route: r.Name, Destination: r.Destination, FindingID: f.ID, Count: f.Service.Count,
				Kind: "new", Body: body, QueuedAt: now, DueAt: now, NextAttempt: now}
			if !c.Created {
				it.Kind = "update"
				if updateDue.IsZero() {
					updateDue = boundary(now, n.o.UpdateInterval(ctx))
				}
				it.DueAt = updateDue
			}
			n.schedule(r, &it, f.Type, now)
			items = append(items, it)
		}
	}
	if err := n.o.Outbox.Enqueue(ctx, changes[len(changes)-1].Seq, items); err != nil {
		return false, err
	}
	for _, it := range items {
		n.queued.WithLabelValues(it.Route, it.Kind).Inc()
	}
	return len(changes) == changeBatch, nil
}

// schedule decides whether an item is sent on its own or folded into the
// route's digest, and when.
func (n *Notifier) schedule(r *Route, it *store.OutboxItem, typ string, now time.Time) {
	if r.Digest > 0 {
		it.Digest = true
		it.DueAt = maxTime(it.DueAt, boundary(now, r.Digest))
		return
	}
	if r.RateLimit <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	w := n.windows[r.Name]
	at := it.DueAt
	if w == nil || !at.Before(w.end) {
		w = &rateWindow{end: boundary(at, r.RateWindow), types: map[string]bool{}}
		n.windows[r.Name] = w
	}
	if w.sent < r.RateLimit || !w.types[typ] {
		w.sent++
		w.types[typ] = true
		return
	}
	it.Digest = true
	it.DueAt = w.end
}

// boundary returns the first multiple of d (counted from the zero time,
// so 24h is UTC midnight) after t.
func boundary(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	return t.Truncate(d).Add(d)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (n *Notifier) deliverLoop(ctx context.Context, dest string) {
	t := time.NewTicker(n.o.Poll)
	defer t.Stop()
	for {
		for {
			sent, err := n.DeliverOnce(ctx, dest)
			if err != nil {
				if ctx.Err() == nil {
					n.log.Error("reading the outbox failed; retrying", "destination", dest, "err", err)
				}
				break
			}
			if sent == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// message is one message to send and the outbox items it covers.
type message struct {
	msg   Message
	items []store.OutboxItem
}

// DeliverOnce sends what is due for one destination and returns how many
// messages it sent. After the first failure it defers the rest of the
// batch rather than wait for a broken destination once per item.
func (n *Notifier) DeliverOnce(ctx context.Context, dest string) (int, error) {
	now := n.o.Now().UTC()
	items, err := n.o.Outbox.DueItems(ctx, dest, now, dueBatch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	msgs := n.build(items)
	d := n.dests[dest]
	sent := 0
	for i, m := range msgs {
		if ctx.Err() != nil {
			return sent, nil
		}
		sctx, cancel := context.WithTimeout(ctx, n.o.Timeout)
		serr := d.Send(sctx, m.msg)
		cancel()
		if ctx.Err() != nil {
			return sent, nil // shutting down: the items stay pending
		}
		if n.o.DestinationState != nil {
			n.o.DestinationState(dest, serr)
		}
		if serr == nil {
			sent++
			if err := n.o.Outbox.MarkSent(ctx, ids(m.items), n.o.Now()); err != nil {
				return sent, err
			}
			form := "single"
			if m.msg.Digest {
				form = "digest"
			}
			n.messages.WithLabelValues(dest, form).Inc()
			n.delivered.WithLabelValues(dest, "sent").Add(float64(len(m.items)))
			continue
		}
		if err := n.failed(ctx, dest, m, serr); err != nil {
			return sent, err
		}
		if !IsPermanent(serr) {
			// The destination is down or slow: everything after this
			// message waits as long as it does.
			var rest []store.OutboxItem
			for _, m2 := range msgs[i+1:] {
				rest = append(rest, m2.items...)
			}
			if len(rest) > 0 {
				next := n.retryAt(m.items[0].Attempts+1, serr)
				if err := n.o.Outbox.MarkRetry(ctx, ids(rest), next, "deferred: "+serr.Error()); err != nil {
					return sent, err
				}
			}
			return sent, nil
		}
	}
	return sent, nil
}

// failed records a failed attempt: retried later, or given up when the
// error is permanent or the item is older than MaxAge.
func (n *Notifier) failed(ctx context.Context, dest string, m message, serr error) error {
	now := n.o.Now()
	oldest := m.items[0].QueuedAt
	if IsPermanent(serr) || now.Sub(oldest) > n.o.MaxAge {
		n.log.Error("delivery failed; not retrying", "destination", dest, "route", m.msg.Route, "message", m.msg.ID,
			"findings", len(m.items), "err", serr)
		n.delivered.WithLabelValues(dest, "failed").Add(float64(len(m.items)))
		return n.o.Outbox.MarkFailed(ctx, ids(m.items), now, serr.Error())
	}
	next := n.retryAt(m.items[0].Attempts+1, serr)
	n.log.Warn("delivery failed; will retry", "destination", dest, "route", m.msg.Route, "message", m.msg.ID,
		"attempt", m.items[0].Attempts+1, "next", next.Format(time.RFC3339), "err", serr)
	n.delivered.WithLabelValues(dest, "retry").Add(float64(len(m.items)))
	return n.o.Outbox.MarkRetry(ctx, ids(m.items), next, serr.Error())
}

// retryAt returns when to try again after the attempt-th failure:
// exponential backoff from 1s, capped at 5 minutes, with jitter (half
// the delay random), and never before a Retry-After the destination gave
// (up to an hour).
func (n *Notifier) retryAt(attempt int, err error) time.Time {
	d := time.Second << min(attempt, 20)
	d = min(d, maxBackoff)
	d = d/2 + rand.N(d/2+1)
	var ra *RetryAfterError
	if errors.As(err, &ra) && ra.After > d {
		d = min(ra.After, maxRetryAfter)
	}
	return n.o.Now().Add(d)
}

// build groups due items into messages: each non-digest item on its own,
// the digest items of each route together.
func (n *Notifier) build(items []store.OutboxItem) []message {
	var out []message
	digests := map[string]int{} // route → index in out
	for _, it := range items {
		if !it.Digest {
			m := message{items: []store.OutboxItem{it}, msg: Message{
				ID:    it.Route + "/" + it.FindingID + ":" + strconv.Itoa(it.Count),
				Route: it.Route, Update: it.Kind == "update", ConsoleURL: n.o.ConsoleURL, Queued: it.QueuedAt}}
			if f, ok := n.decode(it); ok {
				m.msg.Findings = []finding.Finding{f}
			}
			out = append(out, m)
			continue
		}
		i, ok := digests[it.Route]
		if !ok {
			i = len(out)
			digests[it.Route] = i
			out = append(out, message{msg: Message{Route: it.Route, Digest: true, ConsoleURL: n.o.ConsoleURL, Queued: it.QueuedAt}})
		}
		m := &out[i]
		m.items = append(m.items, it)
		if len(m.msg.Findings) < digestShown {
			if f, ok := n.decode(it); ok {
				m.msg.Findings = append(m.msg.Findings, f)
				continue
			}
		}
		m.msg.Omitted++
	}
	for i := range out {
		m := &out[i]
		if m.msg.Digest {
			m.msg.ID = fmt.Sprintf("%s/digest:%d-%d", m.msg.Route, m.items[0].ID, m.items[len(m.items)-1].ID)
		}
	}
	return out
}

func (n *Notifier) decode(it store.OutboxItem) (finding.Finding, bool) {
	var f finding.Finding
	if err := json.Unmarshal(it.Body, &f); err != nil {
		n.log.Error("queued finding does not decode; sent without details", "finding", it.FindingID, "err", err)
		return f, false
	}
	return f, true
}

func ids(items []store.OutboxItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}
