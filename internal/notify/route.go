package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Route selects findings for a destination.
type Route struct {
	Name        string
	Destination string
	Filter      Filter
	// Digest > 0 folds every finding of the route into one message per
	// Digest interval (aligned to UTC).
	Digest time.Duration
	// RateLimit > 0 bounds the messages sent at once per RateWindow;
	// beyond it findings wait for one digest at the window's end, except
	// the first finding of each type in the window.
	RateLimit  int
	RateWindow time.Duration
}

// Filter is what a route matches. Empty fields match everything.
type Filter struct {
	MinSeverity, MaxSeverity float64 // inclusive
	Types, ExcludeTypes      []string
	Accounts, Regions        []string
	ResourceTags             map[string]string
}

// Match reports whether f passes the filter.
func (fl *Filter) Match(f *finding.Finding) bool {
	if f.Severity < fl.MinSeverity || f.Severity > fl.MaxSeverity {
		return false
	}
	if len(fl.Types) > 0 && !matchType(fl.Types, f.Type) || matchType(fl.ExcludeTypes, f.Type) {
		return false
	}
	if len(fl.Accounts) > 0 && !slices.Contains(fl.Accounts, f.AccountID) {
		return false
	}
	if len(fl.Regions) > 0 && !slices.Contains(fl.Regions, f.Region) {
		return false
	}
	if len(fl.ResourceTags) > 0 {
		tags := ResourceTags(f)
		for k, v := range fl.ResourceTags {
			if got, ok := tags[k]; !ok || (v != "*" && got != v) {
				return false
			}
		}
	}
	return true
}

// matchType reports whether typ is one of pats: exact, or a prefix ending
// in "*".
func matchType(pats []string, typ string) bool {
	for _, p := range pats {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(typ, pre) {
				return true
			}
		} else if p == typ {
			return true
		}
	}
	return false
}

// ResourceTags returns the tags of a finding's resource (instance,
// buckets, function), later keys winning.
func ResourceTags(f *finding.Finding) map[string]string {
	out := map[string]string{}
	add := func(ts []finding.Tag) {
		for _, t := range ts {
			out[t.Key] = t.Value
		}
	}
	r := &f.Resource
	if r.InstanceDetails != nil {
		add(r.InstanceDetails.Tags)
	}
	for _, b := range r.S3BucketDetails {
		add(b.Tags)
	}
	if r.LambdaDetails != nil {
		add(r.LambdaDetails.Tags)
	}
	return out
}

// RoutesFromConfig builds the routes of vigil.yaml's notify section,
// which Config.Validate has checked.
func RoutesFromConfig(n config.Notify) ([]Route, error) {
	var out []Route
	for _, r := range n.Routes {
		lo, err := config.SeverityBound(r.MinSeverity, false)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		hi, err := config.SeverityBound(r.MaxSeverity, true)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		rt := Route{Name: r.Name, Destination: r.Destination, Digest: r.Digest, RateLimit: r.RateLimit, RateWindow: r.RateWindow,
			Filter: Filter{MinSeverity: lo, MaxSeverity: hi, Types: r.Types, ExcludeTypes: r.ExcludeTypes,
				Accounts: r.Accounts, Regions: r.Regions, ResourceTags: r.ResourceTags}}
		if rt.RateLimit > 0 && rt.RateWindow == 0 {
			rt.RateWindow = time.Minute
		}
		out = append(out, rt)
	}
	return out, nil
}
