package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// Limits of the finding operations, as GuardDuty's.
const (
	maxListResults  = 50 // ListFindings maxResults
	maxFindingIDs   = 50 // GetFindings, ArchiveFindings, UnarchiveFindings, UpdateFindingsFeedback
	maxSampleTypes  = 50 // CreateSampleFindings findingTypes
	maxStatsResults = 100
	defStatsResults = 25
	maxCommentBytes = 2048 // UpdateFindingsFeedback comments (not kept)
)

// Bounds on the work one request may do where the store cannot filter or
// sort for it.
const (
	// memorySortLimit bounds the findings ListFindings sorts in memory, for
	// a sort attribute the store has no column for: the findings the
	// criteria's store filters (severity range, one type, account, region,
	// archived) select. Beyond it the request is refused.
	memorySortLimit = 10000
	// storeBatch is the largest store page the operations ask for.
	storeBatch = 1000
	// statsScanLimit bounds the findings GetFindingsStatistics reads one by
	// one, for criteria on fields other than the store's columns (or a
	// store that cannot count); beyond it the request is refused.
	statsScanLimit = 200000
)

// scanBudget bounds the findings ListFindings reads from the store and
// tests with the criteria for one page. When it is spent before maxResults
// findings matched, the page is returned short with a nextToken that
// continues the scan, as GuardDuty may return short pages; paginators
// follow it. A variable only so that tests can lower it.
var scanBudget = 10000

// findingCounter is implemented by stores that count findings in groups
// without reading each one (the SQLite store keeps per-group counts).
type findingCounter interface {
	// CountFindings calls fn once for each group of the findings q's filters
	// select (q's sort and paging are ignored) that were updated in
	// [updatedFrom, updatedTo) (a zero time leaves that end open), grouped
	// by the dimensions in by: the columns "type", "severity", "accountId",
	// "region" and "service.archived", "date" (the UTC day of updatedAt)
	// and "resource" (resource.resourceType and the resource's id, as
	// resourceOf reads it). fn gets a finding with those fields set,
	// updatedAt the group's newest, and the group's size.
	CountFindings(ctx context.Context, q finding.Query, updatedFrom, updatedTo time.Time, by []string,
		fn func(f *finding.Finding, n int) error) error
}

// keyLister is implemented by stores that list findings without reading
// them whole, for criteria on the columns alone.
type keyLister interface {
	// ListFindingKeys is ListFindings except that each finding has only its
	// id, the columns (type, severity, accountId, region,
	// service.archived, updatedAt) and the sort attribute set.
	ListFindingKeys(ctx context.Context, q finding.Query) ([]finding.Finding, string, error)
}

// feedbackSetter is implemented by stores that keep the user's feedback on
// findings.
type feedbackSetter interface {
	// SetFeedback sets service.userFeedback ("USEFUL", "NOT_USEFUL") of the
	// findings and nothing else. If any id is unknown it changes nothing and
	// returns an error wrapping store.ErrNotFound.
	SetFeedback(ctx context.Context, ids []string, feedback string) error
}

// storeAs returns the store, or a store it wraps (Unwrap), as T.
func storeAs[T any](st store.Store) (T, bool) {
	for st != nil {
		if t, ok := st.(T); ok {
			return t, true
		}
		u, ok := st.(interface{ Unwrap() store.Store })
		if !ok {
			break
		}
		st = u.Unwrap()
	}
	var zero T
	return zero, false
}

func (s *Server) findingRoutes() []route {
	const p = "POST /detector/{detectorId}/findings"
	return []route{
		{op: "ListFindings", pattern: p, h: s.listFindings},
		{op: "GetFindings", pattern: p + "/get", h: s.getFindings},
		{op: "GetFindingsStatistics", pattern: p + "/statistics", h: s.findingsStatistics},
		{op: "ArchiveFindings", pattern: p + "/archive", write: true, h: s.archiveFindings(true)},
		{op: "UnarchiveFindings", pattern: p + "/unarchive", write: true, h: s.archiveFindings(false)},
		{op: "UpdateFindingsFeedback", pattern: p + "/feedback", write: true, h: s.findingsFeedback},
		{op: "CreateSampleFindings", pattern: p + "/create", write: true, h: s.createSampleFindings},
	}
}

// sortCriteria is GuardDuty's SortCriteria.
type sortCriteria struct {
	AttributeName string `json:"attributeName"`
	OrderBy       string `json:"orderBy"`
}

// sortSpec is a validated sort order.
type sortSpec struct {
	attr  string // the finding attribute, a criteria field path
	desc  bool
	store string // the store's finding.Sort* for attr, "" when it has none
}

// storeSorts are the attributes the store sorts by.
var storeSorts = map[string]string{
	"severity": finding.SortSeverity, "updatedAt": finding.SortUpdatedAt, "createdAt": finding.SortCreatedAt,
	"type": finding.SortType, "service.count": finding.SortCount,
}

// parseSort validates sortCriteria. Without one, findings come newest
// first (updatedAt DESC, as the console lists them); an attribute without
// orderBy sorts ascending.
func parseSort(sc *sortCriteria) (sortSpec, error) {
	if sc == nil || (sc.AttributeName == "" && sc.OrderBy == "") {
		return sortSpec{attr: "updatedAt", desc: true, store: finding.SortUpdatedAt}, nil
	}
	sp := sortSpec{attr: cmp.Or(sc.AttributeName, "updatedAt")}
	switch sc.OrderBy {
	case "", "ASC":
	case "DESC":
		sp.desc = true
	default:
		return sp, badRequest("sortCriteria.orderBy %q is not ASC or DESC", sc.OrderBy)
	}
	if _, ok := finding.SortValue(&finding.Finding{}, sp.attr); !ok {
		return sp, badRequest("sortCriteria.attributeName %q is not a finding attribute", sp.attr)
	}
	sp.store = storeSorts[sp.attr]
	return sp, nil
}

// parseCriteria parses findingCriteria.
func parseCriteria(raw json.RawMessage) (*finding.Criteria, error) {
	c, err := finding.ParseCriteria(raw)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return c, nil
}

// checkIDs validates a findingIds list and returns it without duplicates.
func checkIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, badRequest("findingIds is required")
	}
	if len(ids) > maxFindingIDs {
		return nil, badRequest("findingIds has %d ids; at most %d are allowed", len(ids), maxFindingIDs)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || len(id) > 300 {
			return nil, badRequest("findingIds: %q is not a finding id", id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// --- ListFindings ---

type listFindingsInput struct {
	FindingCriteria json.RawMessage `json:"findingCriteria"`
	SortCriteria    *sortCriteria   `json:"sortCriteria"`
	MaxResults      *int            `json:"maxResults"`
	NextToken       string          `json:"nextToken"`
}

type listFindingsOutput struct {
	FindingIDs []string `json:"findingIds"`
	NextToken  string   `json:"nextToken,omitempty"`
}

// listFindings pages through the store with the criteria's prefilter, in
// the store's order when it sorts by the attribute, and keeps the findings
// the criteria match. Other sort attributes are sorted in memory, for at
// most memorySortLimit prefiltered findings.
func (s *Server) listFindings(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	var in listFindingsInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	limit := maxListResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListResults {
			return nil, badRequest("maxResults must be from 1 to %d", maxListResults)
		}
		limit = *in.MaxResults
	}
	crit, err := parseCriteria(in.FindingCriteria)
	if err != nil {
		return nil, err
	}
	sp, err := parseSort(in.SortCriteria)
	if err != nil {
		return nil, err
	}
	fp, err := fingerprint(in.FindingCriteria, sp)
	if err != nil {
		return nil, err
	}
	var tok pageToken
	if in.NextToken != "" {
		if tok, err = s.openToken(in.NextToken, fp); err != nil {
			return nil, err
		}
	}
	var ids []string
	var next *pageToken
	if sp.store != "" {
		ids, next, err = s.listByStore(r.Context(), crit, sp, limit, tok.Store)
	} else {
		ids, next, err = s.listInMemory(r.Context(), crit, sp, limit, tok.Cursor)
	}
	if err != nil {
		return nil, err
	}
	out := listFindingsOutput{FindingIDs: ids}
	if out.FindingIDs == nil {
		out.FindingIDs = []string{}
	}
	if next != nil {
		next.Fingerprint = fp
		out.NextToken = s.sealToken(*next)
	}
	return out, nil
}

// listByStore collects up to limit matching ids in the store's order,
// from the store page token after (the first page when ""). It asks for
// just the missing count first (enough when the prefilter is exact), then
// for growing batches. When the page fills in the middle of a batch, the
// batch is read again up to that finding so that the store's own token
// continues right after it.
func (s *Server) listByStore(ctx context.Context, crit *finding.Criteria, sp sortSpec, limit int, after string) ([]string, *pageToken, error) {
	q := crit.Prefilter()
	q.SortBy, q.Desc, q.PageToken = sp.store, sp.desc, after
	list := s.lister(crit)
	var ids []string
	batch, scanned := limit, 0
	for {
		q.Limit = batch
		page, next, err := list(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for i := range page {
			scanned++
			if !crit.Match(&page[i]) {
				continue
			}
			if ids = append(ids, page[i].ID); len(ids) < limit {
				continue
			}
			if i < len(page)-1 {
				return cutPage(ctx, list, q, ids, page[:i+1])
			}
			return ids, storeToken(next), nil
		}
		if next == "" || scanned >= scanBudget {
			return ids, storeToken(next), nil
		}
		q.PageToken = next
		batch = min(storeBatch, max(batch*4, limit-len(ids)))
	}
}

// listFunc is the signature of store.Store.ListFindings.
type listFunc func(ctx context.Context, q finding.Query) ([]finding.Finding, string, error)

// lister returns how to list findings for the criteria: without reading
// them whole when the store can and the criteria only use the fields its
// keys have (Match decides them on findings that only have those).
func (s *Server) lister(crit *finding.Criteria) listFunc {
	if kl, ok := storeAs[keyLister](s.opts.Store); ok && usesOnly(crit, keyFields) {
		return kl.ListFindingKeys
	}
	return s.opts.Store.ListFindings
}

// Criteria fields stores keep in columns: those a findingCounter groups
// by, and those ListFindingKeys sets.
var (
	groupFields = []string{"accountId", "region", "service.archived", "severity", "type"}
	keyFields   = slices.Concat(groupFields, []string{"updatedAt"})
)

// usesOnly reports whether the criteria use no field but these.
func usesOnly(crit *finding.Criteria, fields []string) bool {
	for _, f := range crit.Fields() {
		if !slices.Contains(fields, f) {
			return false
		}
	}
	return true
}

// storeToken wraps the store's page token; nil for none.
func storeToken(next string) *pageToken {
	if next == "" {
		return nil
	}
	return &pageToken{Store: next}
}

// cutPage ends a page at the last finding of consumed (the batch read
// with q, up to the last finding kept): it reads the batch again with that
// length to get the store's token for what follows. Ids of the batch that
// the second read no longer returns (findings inserted ahead of them
// meanwhile) are dropped; the next page returns them.
func cutPage(ctx context.Context, list listFunc, q finding.Query, ids []string, consumed []finding.Finding) ([]string, *pageToken, error) {
	q.Limit = len(consumed)
	again, next, err := list(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	reread := make(map[string]bool, len(again))
	for i := range again {
		reread[again[i].ID] = true
	}
	inBatch := make(map[string]bool, len(consumed))
	for i := range consumed {
		inBatch[consumed[i].ID] = true
	}
	kept := ids[:0]
	for _, id := range ids {
		if !inBatch[id] || reread[id] {
			kept = append(kept, id)
		}
	}
	return kept, storeToken(next), nil
}

// listInMemory reads every prefiltered finding (at most memorySortLimit),
// sorts the matching ones by the attribute and id, and returns those after
// the cursor (from the start when nil).
func (s *Server) listInMemory(ctx context.Context, crit *finding.Criteria, sp sortSpec, limit int, after *sortCursor) ([]string, *pageToken, error) {
	var all []sortItem
	err := s.scanFindings(ctx, crit, memorySortLimit, func(f *finding.Finding) {
		v, _ := finding.SortValue(f, sp.attr)
		all = append(all, sortItem{v, f.ID})
	})
	if errors.Is(err, errScanLimit) {
		return nil, nil, badRequest("sorting by %s is done in memory, for at most %d findings selected by "+
			"the criteria's severity, type, accountId, region and service.archived conditions; narrow findingCriteria "+
			"or sort by severity, updatedAt, createdAt, type or service.count", sp.attr, memorySortLimit)
	}
	if err != nil {
		return nil, nil, err
	}
	order := sp.compare
	slices.SortFunc(all, order)
	start := 0
	if after != nil {
		v, err := after.value()
		if err != nil {
			return nil, nil, badRequest("invalid nextToken")
		}
		var found bool
		start, found = slices.BinarySearchFunc(all, sortItem{v, after.ID}, order)
		if found {
			start++
		}
	}
	end := min(len(all), start+limit)
	ids := make([]string, 0, end-start)
	for _, it := range all[start:end] {
		ids = append(ids, it.id)
	}
	if end == len(all) {
		return ids, nil, nil
	}
	c, err := newSortCursor(all[end-1].v, all[end-1].id)
	if err != nil {
		return nil, nil, err
	}
	return ids, &pageToken{Cursor: c}, nil
}

// sortItem is a finding's sort value and id.
type sortItem struct {
	v  any
	id string
}

// compare orders by value, then id, both reversed for DESC.
func (sp sortSpec) compare(a, b sortItem) int {
	c := cmp.Or(finding.CompareValues(a.v, b.v), strings.Compare(a.id, b.id))
	if sp.desc {
		return -c
	}
	return c
}

var errScanLimit = errors.New("scan limit reached")

// scanFindings calls fn for every finding the criteria match, reading the
// store's prefiltered findings in batches; it returns errScanLimit when
// the store selects more than limit findings.
func (s *Server) scanFindings(ctx context.Context, crit *finding.Criteria, limit int, fn func(f *finding.Finding)) error {
	q := crit.Prefilter()
	q.Limit = storeBatch
	for scanned := 0; ; {
		page, next, err := s.opts.Store.ListFindings(ctx, q)
		if err != nil {
			return err
		}
		if scanned += len(page); scanned > limit {
			return errScanLimit
		}
		for i := range page {
			if crit.Match(&page[i]) {
				fn(&page[i])
			}
		}
		if next == "" {
			return nil
		}
		q.PageToken = next
	}
}

// --- nextToken ---

// getFindings returns the findings with the ids, in the order of the ids
// unless sortCriteria says otherwise; unknown ids are left out, as
// GuardDuty does.
func (s *Server) getFindings(r *http.Request) (any, error) {
	var in getFindingsInput
	ids, err := s.decodeIDs(r, &in, func() []string { return in.FindingIDs })
	if err != nil {
		return nil, err
	}
	var sp sortSpec
	if in.SortCriteria != nil {
		if sp, err = parseSort(in.SortCriteria); err != nil {
			return nil, err
		}
	}
	fs := make([]finding.Finding, 0, len(ids))
	for _, id := range ids {
		f, err := s.opts.Store.GetFinding(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	if in.SortCriteria != nil {
		slices.SortFunc(fs, func(a, b finding.Finding) int {
			va, _ := finding.SortValue(&a, sp.attr)
			vb, _ := finding.SortValue(&b, sp.attr)
			return sp.compare(sortItem{va, a.ID}, sortItem{vb, b.ID})
		})
	}
	return map[string]any{"findings": fs}, nil
}

// --- ArchiveFindings, UnarchiveFindings, UpdateFindingsFeedback ---

type findingIDsInput struct {
	FindingIDs []string `json:"findingIds"`
	Feedback   string   `json:"feedback"`
	Comments   *string  `json:"comments"`
}

func (s *Server) archiveFindings(archived bool) handlerFunc {
	return func(r *http.Request) (any, error) {
		var in findingIDsInput
		ids, err := s.decodeIDs(r, &in, func() []string { return in.FindingIDs })
		if err != nil {
			return nil, err
		}
		return nil, s.unknownIDs(r.Context(), ids, s.opts.Store.SetArchived(r.Context(), ids, archived))
	}
}

// findingsFeedback stores the feedback in service.userFeedback. Comments
// are accepted and not kept: a GuardDuty finding has no field for them.
func (s *Server) findingsFeedback(r *http.Request) (any, error) {
	var in findingIDsInput
	ids, err := s.decodeIDs(r, &in, func() []string { return in.FindingIDs })
	if err != nil {
		return nil, err
	}
	if in.Feedback != "USEFUL" && in.Feedback != "NOT_USEFUL" {
		return nil, badRequest("feedback %q is not USEFUL or NOT_USEFUL", in.Feedback)
	}
	if in.Comments != nil && len(*in.Comments) > maxCommentBytes {
		return nil, badRequest("comments are longer than %d bytes", maxCommentBytes)
	}
	fs, ok := storeAs[feedbackSetter](s.opts.Store)
	if !ok {
		return nil, badRequest("this Vigil store does not keep finding feedback")
	}
	return nil, s.unknownIDs(r.Context(), ids, fs.SetFeedback(r.Context(), ids, in.Feedback))
}

// decodeIDs checks the path's detector, decodes the body into in and
// returns the finding ids ids reads from it, checked.
func (s *Server) decodeIDs(r *http.Request, in any, ids func() []string) ([]string, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	if err := decode(r, in); err != nil {
		return nil, err
	}
	return checkIDs(ids())
}

// unknownIDs turns a store's not-found error for a list of ids into
// GuardDuty's BadRequestException naming the unknown ids.
func (s *Server) unknownIDs(ctx context.Context, ids []string, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var missing []string
	for _, id := range ids {
		if _, err := s.opts.Store.GetFinding(ctx, id); errors.Is(err, store.ErrNotFound) {
			missing = append(missing, id)
		}
	}
	return badRequest("findingIds: no finding has the id %s", strings.Join(missing, ", "))
}

// --- CreateSampleFindings ---

// createSampleFindings stores one sample finding of each type (every type
// Vigil produces when findingTypes is empty), in Vigil's account and
// region. A sample has a stable id per type, so creating it again counts
// a recurrence.
func (s *Server) createSampleFindings(r *http.Request) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	var in struct {
		FindingTypes []string `json:"findingTypes"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if len(in.FindingTypes) > maxSampleTypes {
		return nil, badRequest("findingTypes has %d types; at most %d are allowed", len(in.FindingTypes), maxSampleTypes)
	}
	defs := detect.Definitions(s.opts.Detectors)
	if len(in.FindingTypes) > 0 {
		defs = defs[:0:0]
		for _, typ := range in.FindingTypes {
			def, _, ok := detect.Lookup(s.opts.Detectors, typ)
			if !ok {
				return nil, badRequest("findingTypes: %q is not a finding type Vigil produces", typ)
			}
			defs = append(defs, def)
		}
	}
	now := s.opts.Now()
	samples := make([]finding.Finding, 0, len(defs))
	for _, def := range defs {
		_, d, _ := detect.Lookup(s.opts.Detectors, def.Type)
		samples = append(samples, detect.SampleFinding(d, def, s.opts.AccountID, s.opts.Region, s.opts.DetectorID, now))
	}
	_, err := s.opts.Store.UpsertFindings(r.Context(), samples)
	return nil, err
}
