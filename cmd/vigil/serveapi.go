package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/intel/loader"
	"github.com/vigil-sec/vigil/internal/store"
)

// startAPI builds the GuardDuty-compatible API: its users (returned for
// the console) and its lists fed to the threat-intelligence loader. The
// plans of vigil.yaml are given to it, so it can refuse API plans for the
// same buckets; plansChanged is called when a plan is created, changed or
// deleted through it.
func startAPI(ctx context.Context, cfg *config.Config, db store.Store, detectorID string, ti *loader.Loader,
	plansChanged func(), reg prometheus.Registerer, log *slog.Logger) (*api.Server, *api.Users, error) {
	list, err := apiUsers(cfg, os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	users := api.NewUsers(list)
	pricing, err := usagePricing(cfg)
	if err != nil {
		return nil, nil, err
	}
	srv := api.New(api.Options{
		DetectorID: detectorID, AccountID: cfg.MalwareProtection.AccountID, Region: cfg.MalwareProtection.Region,
		Store: db, Detectors: detect.Registered(), Users: users, Lists: apiLists{ti, cfg.Intel.Limits},
		PlansChanged: plansChanged, Pricing: pricing, Logger: log, Registerer: reg,
	})
	var specs []api.PlanSpec
	for _, p := range cfg.MalwareProtection.Plans {
		specs = append(specs, api.PlanSpec{ID: p.ID, Bucket: p.Bucket, Prefixes: p.Prefixes, Tagging: p.Tagging == nil || *p.Tagging})
	}
	srv.SetConfigPlans(specs)
	if err := srv.ActivateLists(ctx); err != nil {
		log.Warn("API-managed lists not activated", "err", err)
	}
	return srv, users, nil
}

// apiLists makes the loader the home of the API's IP sets and threat
// intel sets.
type apiLists struct {
	l      *loader.Loader
	limits config.IntelLimits
}

func (a apiLists) SetAPILists(ctx context.Context, lists []api.APIList) {
	var specs []loader.Spec
	for _, l := range lists {
		s := loader.Spec{ID: l.ID, Name: l.Name, Location: l.Location, Format: intel.Format(strings.ToUpper(l.Format))}
		if l.Trusted {
			s.Role, s.Limit = loader.RoleTrusted, a.limits.TrustedListEntries
		} else {
			s.Role, s.Family, s.Limit = loader.RoleThreat, intel.FamilyCustom, a.limits.ThreatListEntries
		}
		specs = append(specs, s)
	}
	a.l.SetAPILists(ctx, specs)
}

func (a apiLists) APIListStatus(id string) (int, string, bool) {
	st, ok := a.l.StatusOf(id)
	if !ok || (st.LoadedAt.IsZero() && st.Error == "") {
		return 0, "", false
	}
	return st.Entries, st.Error, true
}
