package protect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/store"
)

// Scanner scans one object's content; internal/malware's Scanner
// implements it. Result.SHA256 should be the content's SHA-256: it goes
// into findings.
type Scanner interface {
	Scan(ctx context.Context, name string, r io.Reader, size int64) malware.Result
}

// Store is what the Protector keeps: scan records, and findings for
// objects with threats.
type Store interface {
	store.ScanStore
	UpsertFindings(ctx context.Context, fs []finding.Finding) (created int, err error)
}

// Errors of Deliver.
var (
	ErrQueueFull = errors.New("malware scan queue is full")
	ErrStopped   = errors.New("malware protection has stopped")
)

// Defaults of Options.
const (
	DefaultWorkers        = 4
	DefaultQueueSize      = 1000
	DefaultMaxObjectBytes = 100 << 30 // GuardDuty's limit: 100 GB
	// DefaultCopyPartBytes is S3's largest single CopyObject (5 GiB):
	// larger objects are quarantined with a multipart copy in parts of
	// this size.
	DefaultCopyPartBytes = 5 << 30
)

// Options configure a Protector. Plans, S3, Scanner and Store are required.
type Options struct {
	Plans   []Plan
	S3      S3API // reaches every plan's bucket
	Scanner Scanner
	Store   Store
	// Publishers receive every scan-result event, in the background: a
	// slow or failing publisher never holds up scans.
	Publishers []Publisher
	// AccountID, Region and Partition are reported in plan ARNs, events
	// and findings (defaults 000000000000, us-east-1, aws).
	AccountID, Region, Partition string
	// DetectorID is the detector of Object:S3/MaliciousFile findings;
	// empty makes no findings, as GuardDuty without a detector.
	DetectorID string
	Workers    int // scans at once (default 4)
	QueueSize  int // events waiting for a worker (default 1000)
	// MaxObjectBytes: larger objects are UNSUPPORTED without being read
	// (default 100 GiB).
	MaxObjectBytes int64
	// CopyPartBytes: objects larger than this are quarantined with a
	// multipart copy in parts of this size (default 5 GiB, S3's limit for
	// one CopyObject; at least 5 MiB, S3's smallest part).
	CopyPartBytes int64
	Logger        *slog.Logger
	Registerer    prometheus.Registerer // nil registers no metrics
	Now           func() time.Time
}

// Protector runs the plans: object events in, scan, tag, post-scan
// action, record, finding and scan-result event out. Deliver queues
// events; Run works the queue until its context ends.
type Protector struct {
	o     Options
	plans map[string]*Plan // by bucket
	log   *slog.Logger
	m     *metrics

	queue   chan job
	results chan any // events for the publishers

	mu       sync.Mutex
	inflight map[string]bool // objects queued or being scanned
	running  bool
	stopped  bool
}

type job struct {
	ev   ObjectEvent
	plan *Plan
	id   string // bucket, key and version: the in-flight key
}

// New returns a Protector for the plans; it checks them and fills
// defaults. Call Run to start scanning.
func New(o Options) (*Protector, error) {
	if o.S3 == nil || o.Scanner == nil || o.Store == nil {
		return nil, errors.New("malware protection: S3, Scanner and Store are required")
	}
	if err := checkPlans(o.Plans); err != nil {
		return nil, fmt.Errorf("malware protection: %w", err)
	}
	fillDefaults(&o)
	p := &Protector{
		o: o, plans: map[string]*Plan{}, log: o.Logger.With("component", "protect"),
		m:        newMetrics(o.Registerer),
		queue:    make(chan job, o.QueueSize),
		results:  make(chan any, o.QueueSize),
		inflight: map[string]bool{},
	}
	for i := range o.Plans {
		p.plans[o.Plans[i].Bucket] = &o.Plans[i]
	}
	return p, nil
}

func fillDefaults(o *Options) {
	o.Plans = append([]Plan(nil), o.Plans...)
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxObjectBytes <= 0 {
		o.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if o.CopyPartBytes <= 0 {
		o.CopyPartBytes = DefaultCopyPartBytes
	}
	o.CopyPartBytes = max(o.CopyPartBytes, 5<<20)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Plans returns the plans, defaults filled in.
func (p *Protector) Plans() []Plan { return append([]Plan(nil), p.o.Plans...) }

// PlanARN returns the ARN of the plan with this id.
func (p *Protector) PlanARN(id string) string {
	return PlanARN(p.o.Partition, p.o.Region, p.o.AccountID, id)
}

// Run scans queued events with Options.Workers workers and publishes
// results until ctx ends. Scans in progress are then abandoned unrecorded
// (the object is scanned again when its event is redelivered or polled);
// events still queued and results not yet published are dropped, logged
// and counted. Run can be called once.
func (p *Protector) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.running || p.stopped {
		p.mu.Unlock()
		return errors.New("malware protection: Run called twice")
	}
	p.running = true
	p.mu.Unlock()
	p.redeliverPending(ctx) // before the workers start, so none is scanned twice
	var wg sync.WaitGroup
	for range p.o.Workers {
		wg.Go(func() { p.work(ctx) })
	}
	wg.Go(func() { p.publishLoop(ctx) })
	<-ctx.Done()
	wg.Wait()
	p.mu.Lock()
	p.running, p.stopped = false, true
	p.mu.Unlock()
	if n := len(p.queue); n > 0 {
		p.log.Warn("stopped with object events queued; they are scanned when redelivered or polled", "events", n)
	}
	if n := len(p.results); n > 0 {
		p.m.published.WithLabelValues(publishDropped).Add(float64(n))
		p.log.Warn("stopped with scan results not yet published; they stay in the scan records", "events", n)
	}
	return nil
}

// Deliver queues an object event for scanning; it is a protect.Deliver.
// Events of objects no plan covers are ignored (nil error), and so is an
// event of an object already queued or being scanned. It never blocks: a
// full queue returns ErrQueueFull, so the source can have the event
// redelivered later; after Run has returned it returns ErrStopped.
func (p *Protector) Deliver(ctx context.Context, ev ObjectEvent) error {
	plan := p.planFor(ev.Bucket, ev.Key)
	if plan == nil {
		p.m.ignore(reasonNoPlan)
		return nil
	}
	j := job{ev: ev, plan: plan, id: objectID(ev.Bucket, ev.Key, ev.VersionID, ev.ETag)}
	if err := p.keepPending(ctx, j); err != nil {
		return err // not accepted: the source keeps the event
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return ErrStopped
	}
	if p.inflight[j.id] {
		p.m.ignore(reasonInProgress)
		return nil
	}
	select {
	case p.queue <- j:
		p.inflight[j.id] = true
		p.m.depth.Inc()
		return nil
	default:
		// The event stays pending: scanned when the source redelivers it,
		// or at the next start.
		p.m.ignore(reasonQueueFull)
		return ErrQueueFull
	}
}

// keepPending records an accepted event in the store (when it can keep
// pending events) so that a crash before the scan loses nothing.
func (p *Protector) keepPending(ctx context.Context, j job) error {
	ps, ok := p.o.Store.(store.PendingStore)
	if !ok {
		return nil
	}
	b, err := json.Marshal(j.ev)
	if err != nil {
		return err
	}
	return ps.PutPending(ctx, j.id, b)
}

// dropPending forgets a pending event once it is handled (or refused).
func (p *Protector) dropPending(ctx context.Context, j job) {
	if ps, ok := p.o.Store.(store.PendingStore); ok {
		if err := ps.DeletePending(context.WithoutCancel(ctx), j.id); err != nil {
			p.log.Warn("cannot clear a pending object event; it will be checked again at start", "err", err)
		}
	}
}

// redeliverPending queues the events accepted before a stop or crash but
// not scanned; objects already scanned are skipped by the usual check.
// Events that do not fit in the queue stay pending for the next start.
func (p *Protector) redeliverPending(ctx context.Context) {
	ps, ok := p.o.Store.(store.PendingStore)
	if !ok {
		return
	}
	evs, err := ps.ListPending(ctx)
	if err != nil {
		p.log.Error("cannot read pending object events", "err", err)
		return
	}
	for _, b := range evs {
		var ev ObjectEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			p.log.Warn("unreadable pending object event dropped", "err", err)
			continue
		}
		if err := p.Deliver(ctx, ev); err != nil {
			p.log.Warn("pending object event not queued; it stays pending", "bucket", ev.Bucket, "key", ev.Key, "err", err)
		}
	}
	if len(evs) > 0 {
		p.log.Info("pending object events found at start (accepted but not yet scanned)", "events", len(evs))
	}
}

func (p *Protector) planFor(bucket, key string) *Plan {
	plan := p.plans[bucket]
	if plan == nil || !plan.Matches(bucket, key) {
		return nil
	}
	return plan
}

func objectID(bucket, key, versionID, etag string) string {
	v := versionID
	if v == "" {
		v = etag
	}
	return bucket + "\x00" + key + "\x00" + v
}

func (p *Protector) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-p.queue:
			p.m.depth.Dec()
			p.handle(ctx, j)
			if ctx.Err() == nil { // a scan cut short by a stop stays pending
				p.dropPending(ctx, j)
			}
			p.mu.Lock()
			delete(p.inflight, j.id)
			p.mu.Unlock()
		}
	}
}

// handle scans one queued object unless it was scanned already.
func (p *Protector) handle(ctx context.Context, j job) {
	if p.alreadyScanned(ctx, j.plan, j.ev) {
		p.m.ignore(reasonAlreadyScanned)
		return
	}
	rec := p.scan(ctx, j.plan, j.ev, store.TriggerPlan, j.plan.Tagging)
	if ctx.Err() != nil {
		return // shutting down: the scan may have been cut short
	}
	p.report(ctx, j.plan, rec, p.enqueueResult)
}
