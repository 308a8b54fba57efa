package web

import (
	"time"

	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/intel/loader"
)

// HealthChecks is what the console reads of the health registry
// (*health.Registry).
type HealthChecks interface {
	// Checks returns every check, sorted by component and name.
	Checks() []health.Check
}

// SourceState is one watched log source as the console shows it.
type SourceState struct {
	Name string // as in health checks and checkpoints
	URL  string // as configured
	// ExpectedInterval is how long the source may be silent before its
	// health check warns; 0: not checked.
	ExpectedInterval              time.Duration
	LastPoll, LastFile, LastEvent time.Time
	Files, Events                 int64
	Err                           string // the last listing's error
}

// IntelStatus is what the console reads of the threat intelligence
// loader (*loader.Loader).
type IntelStatus interface {
	// Status returns the state of every list, in configuration order.
	Status() []loader.Status
	// StatusOf returns the state of the API-managed list with an id.
	StatusOf(id string) (loader.Status, bool)
}

// problems returns the health checks that are not OK, worst first.
func (c *Console) problems() []health.Check {
	if c.opts.Health == nil {
		return nil
	}
	var errs, warns []health.Check
	for _, ch := range c.opts.Health.Checks() {
		switch ch.Status {
		case health.OK:
		case health.Warning:
			warns = append(warns, ch)
		default:
			errs = append(errs, ch)
		}
	}
	return append(errs, warns...)
}

// checkOf returns the health check (component, name), or a zero Check
// with Status "" when there is none.
func (c *Console) checkOf(component, name string) health.Check {
	if c.opts.Health == nil {
		return health.Check{}
	}
	for _, ch := range c.opts.Health.Checks() {
		if ch.Component == component && ch.Name == name {
			return ch
		}
	}
	return health.Check{}
}
