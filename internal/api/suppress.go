package api

import (
	"context"
	"sync"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// Suppression rules: as in GuardDuty, a new finding that matches a filter
// with action ARCHIVE is stored archived, and stays archived each time it
// recurs (finding.Finding.Merge takes the newer occurrence's archived
// flag). Filters with action NOOP are saved views and change nothing.

// suppressionRule is a parsed ARCHIVE filter.
type suppressionRule struct {
	name     string
	criteria *finding.Criteria
}

// serverState is the in-memory state of the filter and plan operations:
// the parsed suppression rules and the plans of vigil.yaml. It would be a
// field of Server; it is kept beside it, by server, until server.go
// grows one.
type serverState struct {
	mu          sync.Mutex
	rules       []suppressionRule // ARCHIVE filters in rank order
	rulesLoaded bool

	configPlans []PlanSpec
	applied     map[string]PlanSpec // the API plans Plans returned, by id; nil before the first call
}

// compileRules parses the ARCHIVE filters of fs, in order. A stored filter
// that no longer parses is skipped and logged (it was valid when saved).
func (s *Server) compileRules(fs []filterDoc) []suppressionRule {
	var rules []suppressionRule
	for _, f := range fs {
		if f.Action != "ARCHIVE" {
			continue
		}
		c, err := finding.ParseFilterCriteria(f.Criteria)
		if err != nil {
			s.log.Error("suppression rule skipped: its criteria do not parse", "filter", f.Name, "err", err)
			continue
		}
		rules = append(rules, suppressionRule{name: f.Name, criteria: c})
	}
	return rules
}

// setSuppressionRules replaces the rules after a change of the filters.
func (s *Server) setSuppressionRules(fs []filterDoc) {
	rules := s.compileRules(fs)
	st := &s.state
	st.mu.Lock()
	st.rules, st.rulesLoaded = rules, true
	st.mu.Unlock()
}

// suppressionRules returns the rules, loading them on first use.
func (s *Server) suppressionRules(ctx context.Context) ([]suppressionRule, error) {
	st := &s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.rulesLoaded {
		var fs []filterDoc
		if err := s.opts.Settings.Load(ctx, "filters", &fs); err != nil {
			return nil, err
		}
		st.rules, st.rulesLoaded = s.compileRules(fs), true
	}
	return st.rules, nil
}

// Suppress archives, in place, each finding of fs that matches a filter
// with action ARCHIVE (GuardDuty's suppression rules); other findings are
// left as they are. If the filters cannot be loaded it logs the error and
// changes nothing: detection never stops on a broken filter document.
//
// Callers that notify after storing should skip archived findings, as
// GuardDuty does not publish suppressed ones.
func (s *Server) Suppress(ctx context.Context, fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	rules, err := s.suppressionRules(ctx)
	if err != nil {
		s.log.Error("suppression rules unavailable; findings are stored unsuppressed", "err", err)
		return
	}
	for i := range fs {
		for _, rule := range rules {
			if rule.criteria.Match(&fs[i]) {
				fs[i].Service.Archived = true
				break
			}
		}
	}
}

// WrapStore returns st with suppression: UpsertFindings and CommitFile
// call Suppress on their findings first; every other method is st's. The
// result implements store.ScanStore and store.PendingStore exactly when st
// does, so type assertions on it work as on st; Unwrap returns st.
func (s *Server) WrapStore(st store.Store) store.Store {
	w := &suppressingStore{Store: st, srv: s}
	scans, isScan := st.(store.ScanStore)
	pending, isPending := st.(store.PendingStore)
	switch {
	case isScan && isPending:
		return &suppressingScanPendingStore{w, scans, pending}
	case isScan:
		return &suppressingScanStore{w, scans}
	case isPending:
		return &suppressingPendingStore{w, pending}
	}
	return w
}

// suppressingStore is the store.Store decorator of WrapStore.
type suppressingStore struct {
	store.Store
	srv *Server
}

// UpsertFindings implements store.Store.
func (w *suppressingStore) UpsertFindings(ctx context.Context, fs []finding.Finding) (int, error) {
	w.srv.Suppress(ctx, fs)
	return w.Store.UpsertFindings(ctx, fs)
}

// CommitFile implements store.Store.
func (w *suppressingStore) CommitFile(ctx context.Context, mark store.FileMark, fs []finding.Finding) (int, error) {
	w.srv.Suppress(ctx, fs)
	return w.Store.CommitFile(ctx, mark, fs)
}

// Unwrap returns the wrapped store.
func (w *suppressingStore) Unwrap() store.Store { return w.Store }

type suppressingScanStore struct {
	*suppressingStore
	store.ScanStore
}

type suppressingPendingStore struct {
	*suppressingStore
	store.PendingStore
}

type suppressingScanPendingStore struct {
	*suppressingStore
	store.ScanStore
	store.PendingStore
}

var (
	_ store.Store        = (*suppressingStore)(nil)
	_ store.ScanStore    = (*suppressingScanStore)(nil)
	_ store.PendingStore = (*suppressingPendingStore)(nil)
	_ store.ScanStore    = (*suppressingScanPendingStore)(nil)
	_ store.PendingStore = (*suppressingScanPendingStore)(nil)
)
