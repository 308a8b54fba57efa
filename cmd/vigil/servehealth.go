package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/intel/loader"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/web"
)

// intelHealthEvery is how often the lists' load state is copied into the
// health registry.
const intelHealthEvery = 15 * time.Second

// newHealth returns the health registry of "vigil serve": its gauge is
// registered with reg, it logs each change, and /healthz (its Handler)
// probes the store. Sources, lists and notification destinations set
// their own checks; OnChange tells of each change.
func newHealth(db store.Store, reg prometheus.Registerer, log *slog.Logger) *health.Registry {
	h := health.NewRegistry(reg, nil)
	h.SetLogger(log)
	h.Probe(health.ComponentStore, "findings", func(ctx context.Context) error {
		if _, err := db.GetState(ctx, "healthz-probe"); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	return h
}

// intelStatus is what watchIntel reads of the loader.
type intelStatus interface{ Status() []loader.Status }

// watchIntel returns a refresher that copies the load state of each list
// into h every interval until ctx is done: a list whose last load or
// refresh failed is a warning, OK otherwise; lists no longer loaded
// (an API list deleted) are removed.
func watchIntel(l intelStatus, h *health.Registry, every time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(every)
		defer t.Stop()
		seen := map[string]bool{}
		for {
			seen = setIntelHealth(l.Status(), h, seen)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// setIntelHealth sets a check per list and removes those of lists gone
// since the last call (prev); it returns the names set.
func setIntelHealth(sts []loader.Status, h *health.Registry, prev map[string]bool) map[string]bool {
	now := map[string]bool{}
	for _, s := range sts {
		if s.Role == loader.RoleBuiltin { // compiled in: never fails
			continue
		}
		name := string(s.Role) + ":" + s.Name
		now[name] = true
		status, msg := health.OK, ""
		switch {
		case s.OK():
		case s.Stale || s.FromCache:
			status, msg = health.Warning, fmt.Sprintf("cannot be refreshed; the last good copy (%d entries) is in use: %s", s.Entries, s.Error)
		default:
			status, msg = health.Warning, "not loaded: "+s.Error
		}
		h.Set(health.ComponentIntel, name, status, msg)
	}
	for name := range prev {
		if !now[name] {
			h.Remove(health.ComponentIntel, name)
		}
	}
	return now
}

// consoleSources reports the watcher's sources to the console.
func consoleSources(w *pipeline.Watcher) func() []web.SourceState {
	return func() []web.SourceState {
		var out []web.SourceState
		for _, s := range w.SourceStatus() {
			out = append(out, web.SourceState{Name: s.Name, URL: s.URL, ExpectedInterval: s.ExpectedInterval,
				LastPoll: s.LastPoll, LastFile: s.LastFile, LastEvent: s.LastEvent, Files: s.Files, Events: s.Events, Err: s.Err})
		}
		return out
	}
}
