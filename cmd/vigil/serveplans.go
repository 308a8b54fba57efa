package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// planSupervisor runs Malware Protection for S3 with the plans of
// vigil.yaml and those created through the API, and restarts it with the
// new set when the API changes a plan, so plans apply without a restart
// of the service. The S3 event webhook is mounted once and forwards to
// the running protection.
type planSupervisor struct {
	cfg        *config.Config // with the plans of vigil.yaml only
	db         *sqlite.DB
	findings   store.Store
	detectorID string
	log        *slog.Logger
	api        *api.Server

	changed chan struct{}
	webhook atomic.Pointer[http.Handler]

	// The running protection, started by start and replaced by Run, and
	// its metrics: each start registers them afresh in its own registry
	// (counters start again from zero after a change of plans).
	pr      *protection
	metrics atomic.Pointer[prometheus.Registry]
}

func newPlanSupervisor(cfg *config.Config, db *sqlite.DB, detectorID string, log *slog.Logger) *planSupervisor {
	return &planSupervisor{cfg: cfg, db: db, detectorID: detectorID, log: log.With("component", "plans"),
		changed: make(chan struct{}, 1)}
}

// Changed is the API's PlansChanged hook.
func (s *planSupervisor) Changed() {
	select {
	case s.changed <- struct{}{}:
	default: // a reload is already pending
	}
}

// start builds protection for the current plans; nil when there are none.
func (s *planSupervisor) start(ctx context.Context) (*protection, *prometheus.Registry, error) {
	plans, err := s.api.Plans(ctx) // also marks them applied for the API's status
	if err != nil {
		return nil, nil, err
	}
	cfg := *s.cfg
	cfg.MalwareProtection.Plans = append([]config.MalwarePlan(nil), s.cfg.MalwareProtection.Plans...)
	// API plans take the key decoding of vigil.yaml's plans, since one
	// webhook serves them all; without any, S3's own (URL-encoded keys).
	decoding := "url"
	if len(s.cfg.MalwareProtection.Plans) > 0 {
		decoding = s.cfg.MalwareProtection.Plans[0].KeyDecoding
	}
	for _, p := range plans {
		tagging := p.Tagging
		cfg.MalwareProtection.Plans = append(cfg.MalwareProtection.Plans, config.MalwarePlan{
			ID: p.ID, Bucket: p.Bucket, Prefixes: p.Prefixes, Tagging: &tagging, PostScanAction: "none", KeyDecoding: decoding})
	}
	reg := prometheus.NewRegistry()
	pr, err := startProtection(ctx, &cfg, s.db, s.findings, s.detectorID, reg, s.log)
	if err != nil {
		return nil, nil, err
	}
	return pr, reg, nil
}

// Start starts protection for the plans at hand; an error (a plan that
// cannot run) stops the service from starting, as a bad vigil.yaml does.
func (s *planSupervisor) Start(ctx context.Context, apiSrv *api.Server, findings store.Store) error {
	s.api, s.findings = apiSrv, findings
	pr, tr, err := s.start(ctx)
	if err != nil {
		return err
	}
	s.install(pr, tr)
	return nil
}

func (s *planSupervisor) install(pr *protection, reg *prometheus.Registry) {
	s.pr = pr
	s.metrics.Store(reg)
	if pr == nil {
		s.webhook.Store(nil)
		return
	}
	h := pr.webhook
	s.webhook.Store(&h)
}

// ServeHTTP forwards S3 event notifications to the running protection.
func (s *planSupervisor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := s.webhook.Load()
	if h == nil {
		http.Error(w, "no malware protection plan is active", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

// Run runs the protection's components until ctx is done, restarting
// them with the new plans after each change through the API. A new set
// of plans that cannot start is logged and the previous one keeps
// running.
func (s *planSupervisor) Run(ctx context.Context) error {
	for {
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		if s.pr != nil {
			for _, run := range s.pr.runners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := run(runCtx); err != nil && runCtx.Err() == nil {
						s.log.Error("malware protection component stopped", "err", err)
					}
				}()
			}
		}
		var (
			pr  *protection
			reg *prometheus.Registry
		)
		for pr == nil && reg == nil {
			select {
			case <-ctx.Done():
				cancel()
				wg.Wait()
				return nil
			case <-s.changed:
			}
			time.Sleep(200 * time.Millisecond) // let a burst of changes settle
			select {
			case <-s.changed:
			default:
			}
			var err error
			if pr, reg, err = s.start(ctx); err != nil {
				s.log.Error("the changed malware protection plans cannot run; the previous ones keep running", "err", err)
				pr, reg = nil, nil
			}
		}
		cancel()
		wg.Wait()
		s.install(pr, reg)
		n := 0
		if pr != nil {
			n = pr.plans
		}
		s.log.Info("malware protection plans applied", "plans", n)
	}
}

// Gather implements prometheus.Gatherer with the running protection's
// metrics.
func (s *planSupervisor) Gather() ([]*dto.MetricFamily, error) {
	if reg := s.metrics.Load(); reg != nil {
		return reg.Gather()
	}
	return nil, nil
}
