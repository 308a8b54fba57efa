package protect

import (
	"context"
	"iter"
	"sync"

	"github.com/vigil-sec/vigil/internal/store"
)

// OnDemandPlanID is the plan id of on-demand scans of a bucket no plan
// protects.
const OnDemandPlanID = "on-demand"

// OnDemand configures ScanPrefix.
type OnDemand struct {
	// Tagging writes GuardDutyMalwareScanStatus on the scanned objects.
	Tagging bool
	// Workers scanning at once (default: Options.Workers).
	Workers int
}

// ScanPrefix scans the objects under s3://bucket/prefix now, whatever the
// plans' prefixes (as GuardDuty's on-demand scans), and yields each record
// as its scan completes, in no particular order. Each scan is recorded,
// publishes its result event and, with threats, makes a finding with scan
// type ON_DEMAND. No post-scan action is taken. Objects already scanned
// are scanned again. A listing error is yielded with a zero record and ends
// the scan; stopping the iteration cancels the scans in progress.
// ScanPrefix needs no Run.
func (p *Protector) ScanPrefix(ctx context.Context, bucket, prefix string, o OnDemand) iter.Seq2[store.ScanRecord, error] {
	return func(yield func(store.ScanRecord, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		plan := p.onDemandPlan(bucket)
		objects := make(chan ObjectEvent)
		results := make(chan store.ScanRecord)
		listErr := make(chan error, 1)
		go func() {
			defer close(objects)
			listErr <- listObjects(ctx, p.o.S3, bucket, prefix, func(ev ObjectEvent) error {
				select {
				case objects <- ev:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
		var wg sync.WaitGroup
		for range cmpOr(o.Workers, p.o.Workers) {
			wg.Go(func() { p.onDemandWorker(ctx, plan, o.Tagging, objects, results) })
		}
		go func() { wg.Wait(); close(results) }()
		for rec := range results {
			if !yield(rec, nil) {
				cancel()
				for range results { // let the workers finish
				}
				return
			}
		}
		if err := <-listErr; err != nil && ctx.Err() == nil {
			yield(store.ScanRecord{}, err)
		}
	}
}

func (p *Protector) onDemandWorker(ctx context.Context, plan *Plan, tagging bool, objects <-chan ObjectEvent, results chan<- store.ScanRecord) {
	for ev := range objects {
		rec := p.scan(ctx, plan, ev, store.TriggerOnDemand, tagging)
		if ctx.Err() != nil {
			return
		}
		p.report(ctx, plan, rec, p.publishNow)
		select {
		case results <- rec:
		case <-ctx.Done():
			return
		}
	}
}

// onDemandPlan is the bucket's plan without its post-scan action, or a
// plan of its own for a bucket without one.
func (p *Protector) onDemandPlan(bucket string) *Plan {
	plan := Plan{ID: OnDemandPlanID, Bucket: bucket}
	if pl := p.plans[bucket]; pl != nil {
		plan = *pl
	}
	plan.Prefixes, plan.PostScanAction = nil, ActionNone
	return &plan
}

func cmpOr(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}
