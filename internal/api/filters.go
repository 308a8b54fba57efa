package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Saved filters and suppression rules (GuardDuty's filters): a filter with
// action ARCHIVE archives the new findings it matches (see Suppress), one
// with NOOP is only a saved view. They are kept in rank order in the
// "filters" settings document; rank is the 1-based position in that list.

// Filter limits (GuardDuty's).
const (
	maxFilters           = 100
	maxFilterDescription = 512
)

var (
	filterNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,64}$`)
	filtersMu    sync.Mutex // serializes changes of the "filters" document
)

// filterDoc is one saved filter as stored.
type filterDoc struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Action      string          `json:"action"` // ARCHIVE or NOOP
	Criteria    json.RawMessage `json:"findingCriteria"`
	ClientToken string          `json:"clientToken,omitempty"`
	CreatedAt   int64           `json:"createdAt"` // Unix seconds
	UpdatedAt   int64           `json:"updatedAt"`
}

// filterInput is the body of CreateFilter and UpdateFilter.
type filterInput struct {
	Name            string            `json:"name"`
	Description     *string           `json:"description"`
	Action          string            `json:"action"`
	Rank            *int              `json:"rank"`
	FindingCriteria json.RawMessage   `json:"findingCriteria"`
	ClientToken     string            `json:"clientToken"`
	Tags            map[string]string `json:"tags"`
}

func (s *Server) filterRoutes() []route {
	return []route{
		{op: "CreateFilter", pattern: "POST /detector/{detectorId}/filter", write: true, h: s.createFilter},
		{op: "ListFilters", pattern: "GET /detector/{detectorId}/filter", h: s.listFilters},
		{op: "GetFilter", pattern: "GET /detector/{detectorId}/filter/{filterName}", h: s.getFilter},
		{op: "UpdateFilter", pattern: "POST /detector/{detectorId}/filter/{filterName}", write: true, h: s.updateFilter},
		{op: "DeleteFilter", pattern: "DELETE /detector/{detectorId}/filter/{filterName}", write: true, h: s.deleteFilter},
	}
}

func (s *Server) filterARN(name string) string { return s.DetectorARN() + "/filter/" + name }

func (s *Server) loadFilters(ctx context.Context) ([]filterDoc, error) {
	var fs []filterDoc
	return fs, s.opts.Settings.Load(ctx, "filters", &fs)
}

// saveFilters stores the filters and refreshes the suppression rules
// Suppress applies.
func (s *Server) saveFilters(ctx context.Context, fs []filterDoc) error {
	if err := s.opts.Settings.Save(ctx, "filters", fs); err != nil {
		return err
	}
	s.setSuppressionRules(fs)
	return nil
}

// findFilter returns the index of the named filter, or a
// BadRequestException as GuardDuty answers for an unknown filter.
func findFilter(fs []filterDoc, name string) (int, error) {
	for i := range fs {
		if fs[i].Name == name {
			return i, nil
		}
	}
	return -1, badRequest("The request is rejected because the filter %q does not exist.", name)
}

// checkCriteria validates findingCriteria and returns it compacted.
func checkCriteria(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("findingCriteria is required")
	}
	c, err := finding.ParseFilterCriteria(raw)
	if err != nil {
		if errors.Is(err, finding.ErrBadCriteria) {
			return nil, badRequest("%v", err)
		}
		return nil, badRequest("invalid findingCriteria: %v", err)
	}
	if len(c.Fields()) == 0 {
		// GuardDuty wants 1 to 50 fields; an empty one would match (and,
		// as a suppression rule, archive) every finding.
		return nil, badRequest("findingCriteria.criterion must name at least one field")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, badRequest("invalid findingCriteria: %v", err)
	}
	return b.Bytes(), nil
}

// applyFilter validates and applies the fields of in that are set.
func applyFilter(f *filterDoc, in filterInput) error {
	if in.Description != nil {
		if len(*in.Description) > maxFilterDescription {
			return badRequest("description is longer than %d characters", maxFilterDescription)
		}
		f.Description = *in.Description
	}
	switch in.Action {
	case "":
	case "ARCHIVE", "NOOP":
		f.Action = in.Action
	default:
		return badRequest("action %q is not ARCHIVE or NOOP", in.Action)
	}
	if in.Rank != nil && (*in.Rank < 1 || *in.Rank > maxFilters) {
		return badRequest("rank %d is not between 1 and %d", *in.Rank, maxFilters)
	}
	if in.FindingCriteria != nil {
		c, err := checkCriteria(in.FindingCriteria)
		if err != nil {
			return err
		}
		f.Criteria = c
	}
	return nil
}

// placeFilter inserts f at rank (1-based; nil or beyond the end: last).
func placeFilter(fs []filterDoc, f filterDoc, rank *int) []filterDoc {
	at := len(fs)
	if rank != nil && *rank-1 < at {
		at = *rank - 1
	}
	return slices.Insert(fs, at, f)
}

func (s *Server) createFilter(r *http.Request) (any, error) {
	var in filterInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	if !filterNameRe.MatchString(in.Name) {
		return nil, badRequest("name %q is not 3 to 64 letters, digits, '_', '.' or '-'", in.Name)
	}
	if in.FindingCriteria == nil {
		return nil, badRequest("findingCriteria is required")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.opts.Now().Unix()
	f := filterDoc{Name: in.Name, Action: "NOOP", ClientToken: in.ClientToken, CreatedAt: now, UpdatedAt: now}
	if err := applyFilter(&f, in); err != nil {
		return nil, err
	}
	s.filtersMu.Lock()
	defer s.filtersMu.Unlock()
	fs, err := s.loadFilters(r.Context())
	if err != nil {
		return nil, err
	}
	if i, _ := findFilter(fs, in.Name); i >= 0 {
		if in.ClientToken != "" && fs[i].ClientToken == in.ClientToken {
			return map[string]string{"name": in.Name}, nil // a retry of the same request
		}
		return nil, badRequest("a filter named %q already exists", in.Name)
	}
	if len(fs) >= maxFilters {
		return nil, badRequest("the detector already has the maximum of %d filters", maxFilters)
	}
	if err := s.saveFilters(r.Context(), placeFilter(fs, f, in.Rank)); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.setResourceTags(r, s.filterARN(f.Name), in.Tags); err != nil {
			return nil, err
		}
	}
	return map[string]string{"name": f.Name}, nil
}

func (s *Server) getFilter(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	fs, err := s.loadFilters(r.Context())
	if err != nil {
		return nil, err
	}
	i, err := findFilter(fs, r.PathValue("filterName"))
	if err != nil {
		return nil, err
	}
	f := fs[i]
	tags, err := s.resourceTags(r, s.filterARN(f.Name))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"name": f.Name, "description": f.Description, "action": f.Action, "rank": i + 1,
		"findingCriteria": f.Criteria, "createdAt": f.CreatedAt, "updatedAt": f.UpdatedAt, "tags": tags,
	}, nil
}

func (s *Server) updateFilter(r *http.Request) (any, error) {
	var in filterInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	f, err := s.editFilter(r, func(fs []filterDoc, i int) ([]filterDoc, error) {
		f := fs[i]
		if err := applyFilter(&f, in); err != nil {
			return nil, err
		}
		f.UpdatedAt = s.opts.Now().Unix()
		fs[i] = f
		if in.Rank != nil {
			fs = placeFilter(slices.Delete(fs, i, i+1), f, in.Rank)
		}
		return fs, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"name": f.Name}, nil
}

func (s *Server) deleteFilter(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	f, err := s.editFilter(r, deleteAt)
	if err != nil {
		return nil, err
	}
	return nil, s.setResourceTags(r, s.filterARN(f.Name), nil)
}

func (s *Server) listFilters(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	fs, err := s.loadFilters(r.Context())
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	page, next, err := listPage(r, names)
	if err != nil {
		return nil, err
	}
	return withNextToken(map[string]any{"filterNames": page}, next), nil
}

// withNextToken adds nextToken to a list response unless it is the last page.
func withNextToken(resp map[string]any, next string) map[string]any {
	if next != "" {
		resp["nextToken"] = next
	}
	return resp
}

// listPage returns one page of a GET list operation: maxResults (1-50,
// default 50) items from the offset in nextToken, and the next token (""
// on the last page).
func listPage(r *http.Request, items []string) ([]string, string, error) {
	q := r.URL.Query()
	size := 50
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return nil, "", badRequest("maxResults %q is not a number from 1 to 50", v)
		}
		size = n
	}
	from := 0
	if v := q.Get("nextToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", badRequest("nextToken %q is not valid (it comes from the previous response)", v)
		}
		from = min(n, len(items)) // items were deleted since
	}
	to := min(from+size, len(items))
	next := ""
	if to < len(items) {
		next = strconv.Itoa(to)
	}
	return append([]string{}, items[from:to]...), next, nil
}

// resourceTags returns the tags of a filter, list or plan. They live in the
// "tags" document by ARN, so TagResource, UntagResource and
// ListTagsForResource see the same tags as the object's Get.
func (s *Server) resourceTags(r *http.Request, arn string) (map[string]string, error) {
	all, err := s.loadTags(r)
	if err != nil {
		return nil, err
	}
	return orEmpty(all[arn]), nil
}

// setResourceTags replaces the tags of arn; nil forgets them (the object
// was deleted).
func (s *Server) setResourceTags(r *http.Request, arn string, tags map[string]string) error {
	s.tagsMu.Lock()
	defer s.tagsMu.Unlock()
	all, err := s.loadTags(r)
	if err != nil {
		return err
	}
	if _, ok := all[arn]; !ok && len(tags) == 0 {
		return nil
	}
	if len(tags) == 0 {
		delete(all, arn)
	} else {
		all[arn] = tags
	}
	return s.opts.Settings.Save(r.Context(), "tags", all)
}
