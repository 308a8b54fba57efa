package detect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Report receives each finding the engine makes. cmd/vigil plugs in the
// aggregator, the store or a printer.
type Report func(finding.Finding)

// Options configure an Engine.
type Options struct {
	// DetectorID is the 32-hex id of the (GuardDuty) detector that owns the
	// findings; it is part of every finding ARN.
	DetectorID string
	Partition  string // "aws" by default
	// StateLimit bounds the number of keys each detector may keep.
	StateLimit int
	// Now stamps createdAt/updatedAt; time.Now by default.
	Now    func() time.Time
	Logger *slog.Logger
	// Registerer receives the engine's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Intel returns the current threat intelligence (threat and trusted
	// lists, GeoIP, AWS ranges); nil means none.
	Intel func() *intel.Intel
	// Params override detectors' parameters: detector name → parameter →
	// value. Check them first with CheckParams; invalid ones are logged
	// and the defaults kept.
	Params map[string]map[string]string
	// Inventory maps network interfaces to instances and functions.
	Inventory Inventory
	// Disabled lists finding types not to report; an entry ending in "*"
	// is a prefix ("Policy:*").
	Disabled []string
}

// DefaultDetectorID is the detector id used when none is configured.
const DefaultDetectorID = "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50"

// Engine runs detectors over events.
type Engine struct {
	opts   Options
	log    *slog.Logger
	byKind [event.NumKinds][]*running
	all    []*running

	events       *prometheus.CounterVec
	byKindEvents [event.NumKinds]prometheus.Counter
	findings     prometheus.Counter
	panics       *prometheus.CounterVec
	trusted      prometheus.Counter

	nEvents, nFindings, nPanics atomic.Uint64
}

// Stats counts what the engine has done.
type Stats struct {
	Events   uint64
	Findings uint64
	Panics   uint64
}

type running struct {
	det *Detector
	ctx Context
	def map[string]Definition
}

// New returns an engine running the given detectors.
func New(dets []*Detector, opts Options) *Engine {
	if opts.DetectorID == "" {
		opts.DetectorID = DefaultDetectorID
	}
	if opts.Partition == "" {
		opts.Partition = "aws"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Intel == nil {
		opts.Intel = func() *intel.Intel { return nil }
	}
	if opts.Inventory == nil {
		opts.Inventory = noInventory{}
	}
	if opts.StateLimit <= 0 {
		opts.StateLimit = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{
		opts: opts,
		log:  opts.Logger.With("component", "detect"),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_detect_events_total", Help: "Events given to the detection engine, by kind.",
		}, []string{"kind"}),
		findings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_detect_findings_total", Help: "Findings made by detectors (before aggregation).",
		}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_detect_panics_total", Help: "Detector panics recovered by the engine, by detector.",
		}, []string{"detector"}),
		trusted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_detect_trusted_events_total", Help: "CloudTrail and flow events not examined because their remote address is on a trusted list.",
		}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(e.events, e.findings, e.panics, e.trusted)
	}
	for k := range e.byKindEvents {
		e.byKindEvents[k] = e.events.WithLabelValues(event.Kind(k).String())
	}
	for _, d := range dets {
		params, err := resolveParams(d, opts.Params[d.Name])
		if err != nil {
			e.log.Error("detector parameters not applied; using the defaults", "detector", d.Name, "err", err)
			params, _ = resolveParams(d, nil)
		}
		r := &running{det: d, ctx: Context{State: NewState(opts.StateLimit), Params: params, Inventory: opts.Inventory, StateLimit: opts.StateLimit}, def: map[string]Definition{}}
		for _, def := range d.Types {
			r.def[def.Type] = def
		}
		e.all = append(e.all, r)
		if opts.Registerer != nil {
			st := r.ctx.State
			opts.Registerer.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "vigil_detect_state_evictions_total",
				Help:        "Keys evicted from a detector's bounded state to respect detection.state_limit.",
				ConstLabels: prometheus.Labels{"detector": d.Name},
			}, func() float64 { return float64(st.Evicted()) }))
		}
		for _, k := range d.Kinds {
			if int(k) < len(e.byKind) {
				e.byKind[k] = append(e.byKind[k], r)
			}
		}
	}
	return e
}

// Process runs every detector that consumes ev's kind and reports the
// findings. A detector that panics is reported and skipped for this event;
// the others still run. As in GuardDuty, CloudTrail and flow events whose
// remote address is on a trusted list make no finding (DNS and the other
// kinds still do).
func (e *Engine) Process(ev *event.Event, report Report) {
	e.nEvents.Add(1)
	if int(ev.Kind) >= len(e.byKind) {
		return
	}
	e.byKindEvents[ev.Kind].Inc()
	in := e.opts.Intel()
	if trusted(in, ev) {
		e.trusted.Inc()
		return
	}
	for _, r := range e.byKind[ev.Kind] {
		r.ctx.Intel = in
		for _, f := range e.run(r, ev) {
			if e.disabled(f.Type) {
				continue
			}
			e.fill(r, ev, &f)
			in.Enrich(&f)
			e.nFindings.Add(1)
			e.findings.Inc()
			report(f)
		}
	}
}

// Run processes events from in until it is closed or ctx is done.
func (e *Engine) Run(ctx context.Context, in <-chan *event.Event, report Report) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-in:
			if !ok {
				return nil
			}
			e.Process(ev, report)
		}
	}
}

// Stats returns the engine's counters; it is safe to call from any goroutine.
func (e *Engine) Stats() Stats {
	return Stats{Events: e.nEvents.Load(), Findings: e.nFindings.Load(), Panics: e.nPanics.Load()}
}

// State returns the state of the named detector, for snapshots.
func (e *Engine) State(detector string) (*State, bool) {
	for _, r := range e.all {
		if r.det.Name == detector {
			return r.ctx.State, true
		}
	}
	return nil, false
}

// Snapshots returns the state of every detector that keeps state and can
// restore it, keyed by detector name.
func (e *Engine) Snapshots() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, r := range e.all {
		if r.det.DecodeState == nil {
			continue
		}
		b, err := r.ctx.State.Snapshot()
		if err != nil {
			return nil, fmt.Errorf("detector %s: %w", r.det.Name, err)
		}
		out[r.det.Name] = b
	}
	return out, nil
}

// Restore loads a snapshot made by Snapshots into the named detector.
func (e *Engine) Restore(detector string, snapshot []byte) error {
	for _, r := range e.all {
		if r.det.Name == detector && r.det.DecodeState != nil {
			return r.ctx.State.Restore(snapshot, r.det.DecodeState)
		}
	}
	return nil
}

// Detectors returns the names of the engine's detectors.
func (e *Engine) Detectors() []string {
	out := make([]string, 0, len(e.all))
	for _, r := range e.all {
		out = append(out, r.det.Name)
	}
	return out
}

func (e *Engine) run(r *running, ev *event.Event) (out []finding.Finding) {
	defer func() {
		if p := recover(); p != nil {
			e.nPanics.Add(1)
			e.panics.WithLabelValues(r.det.Name).Inc()
			e.log.Error("detector panicked; event skipped for this detector",
				"detector", r.det.Name, "file", ev.Origin.File, "record", ev.Origin.Record,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out = nil
		}
	}()
	return r.det.Detect(&r.ctx, ev)
}

// disabled reports whether typ is turned off by Options.Disabled.
func (e *Engine) disabled(typ string) bool {
	for _, d := range e.opts.Disabled {
		if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(typ, p) || d == typ {
			return true
		}
	}
	return false
}

// trusted reports whether a CloudTrail event's caller or either end of a
// flow is on a trusted list.
func trusted(in *intel.Intel, ev *event.Event) bool {
	switch ev.Kind {
	case event.KindAPICall:
		return in.TrustedIP(ev.SourceIP)
	case event.KindFlow:
		return ev.Flow != nil && (in.TrustedIP(ev.Flow.SrcAddr) || in.TrustedIP(ev.Flow.DstAddr))
	}
	return false
}

// fill completes a detector's finding with the fields every finding has.
func (e *Engine) fill(r *running, ev *event.Event, f *finding.Finding) {
	def, ok := r.def[f.Type]
	if !ok {
		e.log.Warn("detector reported an undeclared finding type", "detector", r.det.Name, "type", f.Type)
	}
	if f.Severity == 0 {
		f.Severity = def.Severity
	}
	if f.Title == "" {
		f.Title = def.Title
	}
	if f.Description == "" {
		f.Description = def.Description
	}
	if f.AccountID == "" {
		f.AccountID = ev.Account
	}
	if f.Region == "" {
		f.Region = ev.Region
	}
	if f.Region == "" {
		f.Region = "unknown"
	}
	Finish(f, e.opts.DetectorID, e.opts.Partition, ev.Time, e.opts.Now())
}

// Finish fills the id, ARN, schema version, timestamps and service fields
// of a finding whose type, account, region and aggregation key are set.
// It is used by the engine and by sample findings.
func Finish(f *finding.Finding, detectorID, partition string, seen, now time.Time) {
	if partition == "" {
		partition = "aws"
	}
	f.Partition = partition
	f.SchemaVersion = finding.SchemaVersion
	f.ID = finding.ID(f.AccountID, f.Region, f.Type, f.AggregationKey)
	f.Arn = finding.ARN(partition, f.Region, f.AccountID, detectorID, f.ID)
	f.CreatedAt = finding.At(now)
	f.UpdatedAt = f.CreatedAt
	f.Service.ServiceName = "guardduty"
	f.Service.DetectorID = detectorID
	if f.Service.Count == 0 {
		f.Service.Count = 1
	}
	if seen.IsZero() {
		seen = now
	}
	f.Service.EventFirstSeen = finding.At(seen)
	f.Service.EventLastSeen = finding.At(seen)
	if f.Service.ResourceRole == "" {
		f.Service.ResourceRole = finding.RoleTarget
	}
}
