package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store"
)

// AnalyzeOptions configure a one-shot analysis.
type AnalyzeOptions struct {
	Listers      []source.Lister
	Engine       *detect.Engine
	Workers      int   // readers; GOMAXPROCS by default
	MaxFileBytes int64 // per file, decompressed
	Logger       *slog.Logger
	// Usage receives the usage of each file read (see usage.go), such as
	// a UsageTotals; nil meters nothing. Inventory tells Lambda functions'
	// interfaces to it.
	Usage     store.UsageStore
	Inventory detect.Inventory
	// Now is the clock whose UTC day usage is metered on (nil: time.Now).
	Now func() time.Time
}

// Analyze reads every file of the listers once, runs detection and returns
// the findings aggregated by id (repeats merged), most severe first, with
// the pass's statistics. Bad records and files are logged, counted in
// Stats.Errors/Failed, and skipped.
func Analyze(ctx context.Context, o AnalyzeOptions) ([]finding.Finding, Stats, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var (
		mu    sync.Mutex
		nerr  int
		agg   = map[string]*finding.Finding{}
		onErr = logErrors(log.With("component", "analyze"), &nerr, &mu)
	)
	jobs, _ := listAll(ctx, o.Listers, onErr, nil)
	meterJobs(jobs, o.Usage != nil, o.Inventory, o.Now)
	sink := func(ctx context.Context, j *job, _ source.Stats, _ error, fs []finding.Finding) error {
		if o.Usage != nil && len(j.usage) > 0 {
			if err := o.Usage.AddUsage(ctx, j.usage); err != nil {
				return fmt.Errorf("usage of %s: %w", j.obj.URL, err)
			}
		}
		for _, f := range fs {
			if cur, ok := agg[f.ID]; ok {
				cur.Merge(f)
			} else {
				f := f
				agg[f.ID] = &f
			}
		}
		return nil
	}
	st, err := process(ctx, jobs, o.Workers, o.MaxFileBytes, o.Engine, onErr, sink)
	mu.Lock()
	st.Errors = nerr // every problem reported: records, files, listings
	mu.Unlock()
	out := make([]finding.Finding, 0, len(agg))
	for _, f := range agg {
		out = append(out, *f)
	}
	SortBySeverity(out)
	return out, st, err
}

// SortBySeverity orders findings most severe first, then by type and id.
func SortBySeverity(fs []finding.Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ID < b.ID
	})
}
