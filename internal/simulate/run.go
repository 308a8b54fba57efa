package simulate

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Run simulates the estate described by opts: it writes the delivery files
// and then OUT/manifest.json, and returns the manifest. Files are written
// by several goroutines; the output does not depend on how many. When ctx
// is cancelled Run stops soon and returns ctx's error; files already
// written stay and no manifest is written.
func Run(ctx context.Context, opts Options) (*Manifest, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e := newEstate(o)
	p := newPlan(o)
	attacks, netAttacks, injected, err := p.inject(e, o)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	m := &Manifest{Regions: o.Regions, Organization: o.OrgID, Seed: o.Seed, Start: p.start, End: p.end, Attacks: injected}
	for _, a := range e.accounts {
		m.Accounts = append(m.Accounts, a.id)
	}
	if err := p.write(ctx, o, e, attacks, m); err != nil {
		return nil, err
	}
	if o.Flows > 0 || o.DNSQueries > 0 || len(netAttacks) > 0 {
		if err := p.writeNetwork(o, e, netAttacks, m); err != nil {
			return nil, err
		}
	}
	if err := m.save(o.Out); err != nil {
		return nil, err
	}
	return m, nil
}

// write runs the workers over every cell and totals what they wrote in m.
func (p *plan) write(ctx context.Context, o Options, e *estate, attacks map[int][]pending, m *Manifest) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := tally(m, o.Progress)
	n := min(runtime.GOMAXPROCS(0), 16)
	jobs := make(chan job, n)
	var wg sync.WaitGroup
	for range n {
		wk := newWorker(o, p, e)
		wg.Go(func() {
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain after a failure
				}
				if err := wk.writeCell(j, done); err != nil {
					cancel(err)
				}
			}
		})
	}
	p.schedule(func(c, n int, first int64) bool {
		if n == 0 && len(attacks[c]) == 0 {
			return true
		}
		select {
		case jobs <- job{cell: c, n: n, first: first, attacks: attacks[c]}:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// tally returns the function workers call after each file: it adds the file
// to m's totals and reports progress, one call at a time.
func tally(m *Manifest, progress func(int)) func(records int, bytes int64) {
	var mu sync.Mutex
	return func(records int, bytes int64) {
		mu.Lock()
		defer mu.Unlock()
		m.Events += records
		m.Files++
		m.Bytes += bytes
		if progress != nil {
			progress(m.Events)
		}
	}
}
