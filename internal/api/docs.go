package api

import (
	"context"
	"net/http"
	"slices"
	"sync"
)

// editDoc changes one object of a settings document that holds a list of
// them (filters, lists, plans), under the document's lock: it loads the
// list, finds the object (find returns its index or the error to answer),
// lets change return the new list, and saves it with save. It returns
// the object as it was found.
func editDoc[T any](ctx context.Context, mu *sync.Mutex, load func(context.Context) ([]T, error), save func(context.Context, []T) error,
	find func([]T) (int, error), change func(ts []T, i int) ([]T, error)) (T, error) {
	mu.Lock()
	defer mu.Unlock()
	var zero T
	ts, err := load(ctx)
	if err != nil {
		return zero, err
	}
	i, err := find(ts)
	if err != nil {
		return zero, err
	}
	found := ts[i]
	if ts, err = change(ts, i); err != nil {
		return zero, err
	}
	return found, save(ctx, ts)
}

// deleteAt is an editDoc change that removes the object found.
func deleteAt[T any](ts []T, i int) ([]T, error) { return slices.Delete(ts, i, i+1), nil }

// The documents editDoc changes.

func (s *Server) editFilter(r *http.Request, change func([]filterDoc, int) ([]filterDoc, error)) (filterDoc, error) {
	name := r.PathValue("filterName")
	return editDoc(r.Context(), &s.filtersMu, s.loadFilters, s.saveFilters,
		func(fs []filterDoc) (int, error) { return findFilter(fs, name) }, change)
}

func (s *Server) editList(r *http.Request, k listKind, change func([]listDoc, int) ([]listDoc, error)) (listDoc, error) {
	return editDoc(r.Context(), &s.listsMu, s.loadLists, s.saveLists,
		func(ls []listDoc) (int, error) { return findList(r, ls, k) }, change)
}

func (s *Server) editPlan(r *http.Request, change func([]planDoc, int) ([]planDoc, error)) (planDoc, error) {
	p, err := editDoc(r.Context(), &s.plansMu, s.loadPlans, s.savePlans,
		func(ps []planDoc) (int, error) { return s.findPlan(r, ps) }, change)
	if err == nil {
		s.plansChanged()
	}
	return p, err
}
