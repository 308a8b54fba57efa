package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
	"github.com/vigil-sec/vigil/internal/web"
)

// serveFlags are the process-plumbing flags of "vigil serve"; everything
// else comes from vigil.yaml.
type serveFlags struct {
	config   string
	dataDir  string
	listen   string
	watch    multiFlag
	interval time.Duration
	once     bool
	maxFiles int
	log      logFlags
	s3       s3Flags
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: vigil serve [options]\n\nWatches the configured folders and buckets, stores findings in the data dir, serves /healthz and /metrics.")
		fs.PrintDefaults()
	}
	var sf serveFlags
	fs.StringVar(&sf.config, "config", "", "path to vigil.yaml (optional; the embedded default needs none)")
	fs.StringVar(&sf.dataDir, "data-dir", "", "where the embedded store lives (default ./vigil-data)")
	fs.StringVar(&sf.listen, "listen", "", "HTTP listen address (default 127.0.0.1:8080)")
	fs.Var(&sf.watch, "watch", "a folder, file or s3://bucket/prefix to watch (repeatable)")
	fs.DurationVar(&sf.interval, "poll-interval", 0, "how often --watch sources are polled (default 30s)")
	fs.BoolVar(&sf.once, "once", false, "make one pass over the sources, then exit (for cron and tests)")
	fs.IntVar(&sf.maxFiles, "max-files-per-pass", 0, "read at most this many files per pass (0: all); the rest waits for the next pass")
	sf.log.register(fs)
	sf.s3.register(fs)
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("serve: unexpected argument %q (use --watch)", rest[0])
	}
	cfg, err := sf.loadConfig()
	if err != nil {
		return err
	}
	log, err := newLogger(os.Stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, &sf, log)
}

func (sf *serveFlags) loadConfig() (*config.Config, error) {
	cfg := config.Default()
	if sf.config != "" {
		var err error
		if cfg, err = config.Load(sf.config); err != nil {
			return nil, err
		}
	}
	if sf.dataDir != "" {
		cfg.DataDir = sf.dataDir
	}
	if sf.listen != "" {
		cfg.Listen = sf.listen
	}
	if sf.log.level != "" {
		cfg.Log.Level = sf.log.level
	}
	if sf.log.format != "" {
		cfg.Log.Format = sf.log.format
	}
	interval := sf.interval
	if interval == 0 {
		interval = config.DefaultPollInterval
	}
	for _, w := range sf.watch {
		cfg.Sources = append(cfg.Sources, config.Source{URL: w, PollInterval: interval})
	}
	return cfg, cfg.Validate()
}

func serve(ctx context.Context, cfg *config.Config, sf *serveFlags, log *slog.Logger) error {
	start := time.Now()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "vigil.db"), log)
	if err != nil {
		return err
	}
	defer db.Close()
	detectorID, err := ensureDetectorID(cfg)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	hr := newHealth(db, reg, log) // servehealth.go
	s3o := s3OptionsFrom(cfg.S3)
	sf.s3.apply(&s3o)
	ti, err := newIntelLoader(cfg, s3o, filepath.Join(cfg.DataDir, "intel-cache"), log, reg)
	if err != nil {
		return err
	}
	if err := ti.Load(ctx); err != nil {
		log.Warn("threat intelligence not fully loaded; the lists that loaded are in use", "err", err)
	}
	inv, invRefresh, err := newInventory(ctx, cfg, s3o, log)
	if err != nil {
		return err
	}
	eo, err := engineOptions(cfg, log, reg, ti.Current, inv)
	if err != nil {
		return err
	}
	eo.DetectorID = detectorID
	eng := detect.New(detect.Registered(), eo)
	sources, err := watchSources(ctx, cfg, sf)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		log.Warn("no sources configured; add --watch DIR|s3://bucket/prefix or sources in vigil.yaml")
	}
	plans := newPlanSupervisor(cfg, db, detectorID, log)
	apiSrv, users, err := startAPI(ctx, cfg, db, detectorID, ti, plans.Changed, reg, log)
	if err != nil {
		return err
	}
	w := pipeline.NewWatcher(pipeline.WatchOptions{
		Sources: sources, Engine: eng, Store: apiSrv.WrapStore(db), Logger: log, Registerer: reg, MaxFilesPerPass: sf.maxFiles,
		MaxFileBytes: cfg.Input.MaxFileBytes, Usage: db, Inventory: inv, Health: hr,
	})
	if sf.once {
		st, err := w.Poll(ctx, true)
		log.Info("single pass done", "files", st.Files, "events", st.Events, "errors", st.Errors, "findings", st.Findings)
		return err
	}
	if err := plans.Start(ctx, apiSrv, apiSrv.WrapStore(db)); err != nil {
		return err
	}
	notes, err := startNotifications(ctx, cfg, db, apiSrv, destinationHealth(hr), reg, log) // servenotify.go
	if err != nil {
		return err
	}
	notes.notifyHealthChanges(ctx, hr, log)
	pricing, err := usagePricing(cfg)
	if err != nil {
		return err
	}
	console := web.New(web.Options{API: apiSrv.Handler(), Users: users, DetectorID: detectorID, Store: db, Logger: log,
		Pricing: pricing, Resources: selfResources(cfg.DataDir, start), Health: hr, Sources: consoleSources(w), Intel: ti})
	return runService(ctx, cfg, w, plans, apiSrv.Handler(), console.Handler(), []func(context.Context) error{ti.Run, invRefresh.Run, plans.Run, notes.Run, watchIntel(ti, hr, intelHealthEvery)}, hr.Handler(), reg, log)
}

// runService serves HTTP and runs the watcher, malware protection and the
// background refreshers until ctx is done.
func runService(ctx context.Context, cfg *config.Config, w *pipeline.Watcher, plans *planSupervisor, apiHandler, console http.Handler,
	refreshers []func(context.Context) error, healthz http.Handler, reg *prometheus.Registry, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	mux := httpHandler(healthz, prometheus.Gatherers{reg, plans})
	for _, p := range []string{"/detector", "/detector/", "/malware-protection-plan", "/malware-protection-plan/", "/tags/"} {
		mux.Handle(p, apiHandler)
	}
	mux.Handle("/console/", console)
	mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	var wg sync.WaitGroup
	mux.Handle("POST "+cfg.MalwareProtection.WebhookPath, plans) // S3 event notifications
	for _, run := range refreshers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = run(ctx) // refreshes until ctx is done; failures are logged
		}()
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("vigil serving", "listen", ln.Addr().String(), "data_dir", cfg.DataDir, "sources", len(cfg.Sources))
	werr := w.Run(ctx)
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("vigil stopped")
	return werr
}

// httpHandler serves /healthz (health.Registry.Handler) and /metrics.
func httpHandler(healthz http.Handler, reg prometheus.Gatherer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

func watchSources(ctx context.Context, cfg *config.Config, sf *serveFlags) ([]pipeline.WatchSource, error) {
	var out []pipeline.WatchSource
	for _, s := range cfg.Sources {
		o := s3OptionsFrom(cfg.S3)
		sf.s3.apply(&o)
		l, err := source.Open(ctx, s.URL, o)
		if err != nil {
			return nil, err
		}
		ws := pipeline.WatchSource{Lister: l, Interval: s.PollInterval, URL: s.URL, ExpectedInterval: s.Expected()}
		if !strings.HasPrefix(s.URL, "s3://") {
			ws.Settle = time.Minute // files appear in place; a half-written one is read again
		}
		out = append(out, ws)
	}
	return out, nil
}

func s3OptionsFrom(c config.S3) source.S3Options {
	return source.S3Options{
		Endpoint: c.Endpoint, Region: c.Region, PathStyle: c.PathStyle, Profile: c.Profile,
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey.Value(),
	}
}

// ensureDetectorID returns the configured detector id, or the one kept in
// the data dir, creating it on first start.
func ensureDetectorID(cfg *config.Config) (string, error) {
	if cfg.DetectorID != "" {
		return cfg.DetectorID, nil
	}
	path := filepath.Join(cfg.DataDir, "detector-id")
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); len(id) == 32 {
			return id, nil
		}
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("detector id: %w", err)
	}
	return id, nil
}
