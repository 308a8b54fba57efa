package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/intel"
)

// engineOptions returns the detection engine's options from the config:
// state limit, disabled types and parameter overrides (checked).
func engineOptions(cfg *config.Config, log *slog.Logger, reg prometheus.Registerer, ti func() *intel.Intel, inv detect.Inventory) (detect.Options, error) {
	if err := detect.CheckParams(detect.Registered(), cfg.Detection.Params); err != nil {
		return detect.Options{}, usageError{err}
	}
	return detect.Options{
		StateLimit: cfg.Detection.StateLimit, Logger: log, Registerer: reg, Intel: ti,
		Params: cfg.Detection.Params, Disabled: cfg.Detection.Disabled, Inventory: inv,
	}, nil
}
