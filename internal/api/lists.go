package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// IP sets (trusted IP lists) and threat intel sets: stored in the "lists"
// settings document, and the activated ones handed to Options.Lists,
// Vigil's threat-intelligence loader, which fetches and parses them like
// the lists of vigil.yaml.

// listKind is IPSet or ThreatIntelSet: their operations differ only in
// names and limits.
type listKind struct {
	name     string // IPSet, ThreatIntelSet
	path     string // ipset, threatintelset
	idField  string // ipSetId, threatIntelSetId
	idsField string // ipSetIds, threatIntelSetIds
	limit    int    // per detector (GuardDuty's)
	trusted  bool
}

var (
	ipSetKind      = listKind{name: "IPSet", path: "ipset", idField: "ipSetId", idsField: "ipSetIds", limit: 1, trusted: true}
	threatIntelSet = listKind{name: "ThreatIntelSet", path: "threatintelset", idField: "threatIntelSetId", idsField: "threatIntelSetIds", limit: 6}
)

// listFormats are GuardDuty's list formats.
var listFormats = map[string]bool{"TXT": true, "STIX": true, "OTX_CSV": true, "ALIEN_VAULT": true, "PROOF_POINT": true, "FIRE_EYE": true}

const maxListField = 300 // name and location

var (
	listsMu    sync.Mutex // serializes changes of the "lists" document and SetAPILists calls
	bucketAcct = regexp.MustCompile(`^[0-9]{12}$`)
)

// listDoc is one IP set or threat intel set as stored.
type listDoc struct {
	ID                  string `json:"id"`
	Kind                string `json:"kind"` // listKind.name
	Name                string `json:"name"`
	Format              string `json:"format"`
	Location            string `json:"location"`
	Activate            bool   `json:"activate"`
	ExpectedBucketOwner string `json:"expectedBucketOwner,omitempty"`
	ClientToken         string `json:"clientToken,omitempty"`
}

// listInput is the body of Create and Update.
type listInput struct {
	Name                *string           `json:"name"`
	Format              string            `json:"format"`
	Location            *string           `json:"location"`
	Activate            *bool             `json:"activate"`
	ExpectedBucketOwner *string           `json:"expectedBucketOwner"`
	ClientToken         string            `json:"clientToken"`
	Tags                map[string]string `json:"tags"`
}

func (s *Server) listRoutes() []route {
	var rs []route
	for _, k := range []listKind{ipSetKind, threatIntelSet} {
		base := "/detector/{detectorId}/" + k.path
		rs = append(rs,
			route{op: "Create" + k.name, pattern: "POST " + base, write: true, h: func(r *http.Request) (any, error) { return s.createList(r, k) }},
			route{op: "List" + k.name + "s", pattern: "GET " + base, h: func(r *http.Request) (any, error) { return s.listLists(r, k) }},
			route{op: "Get" + k.name, pattern: "GET " + base + "/{listId}", h: func(r *http.Request) (any, error) { return s.getList(r, k) }},
			route{op: "Update" + k.name, pattern: "POST " + base + "/{listId}", write: true, h: func(r *http.Request) (any, error) { return s.updateList(r, k) }},
			route{op: "Delete" + k.name, pattern: "DELETE " + base + "/{listId}", write: true, h: func(r *http.Request) (any, error) { return s.deleteList(r, k) }},
		)
	}
	return rs
}

func (s *Server) listARN(k listKind, id string) string {
	return s.DetectorARN() + "/" + k.path + "/" + id
}

func (s *Server) loadLists(ctx context.Context) ([]listDoc, error) {
	var ls []listDoc
	return ls, s.opts.Settings.Load(ctx, "lists", &ls)
}

// findList returns the index of the list of kind k with the path's id, or
// a BadRequestException as GuardDuty answers for an unknown id.
func findList(r *http.Request, ls []listDoc, k listKind) (int, error) {
	id := r.PathValue("listId")
	for i := range ls {
		if ls[i].Kind == k.name && ls[i].ID == id {
			return i, nil
		}
	}
	return -1, badRequest("The request is rejected because the input %s %q is not owned by the current account.", k.idField, id)
}

// applyList validates and applies the fields of in that are set.
func applyList(l *listDoc, in listInput) error {
	if in.Name != nil {
		if *in.Name == "" || len(*in.Name) > maxListField {
			return badRequest("name must be 1 to %d characters", maxListField)
		}
		l.Name = *in.Name
	}
	if in.Location != nil {
		if err := checkListLocation(*in.Location); err != nil {
			return err
		}
		l.Location = *in.Location
	}
	if in.Activate != nil {
		l.Activate = *in.Activate
	}
	if in.ExpectedBucketOwner != nil {
		if *in.ExpectedBucketOwner != "" && !bucketAcct.MatchString(*in.ExpectedBucketOwner) {
			return badRequest("expectedBucketOwner %q is not a 12-digit account id", *in.ExpectedBucketOwner)
		}
		l.ExpectedBucketOwner = *in.ExpectedBucketOwner
	}
	return nil
}

// checkListLocation accepts what Vigil's loader reads: an s3:// object,
// an https:// URL or an absolute local path.
func checkListLocation(loc string) error {
	switch {
	case loc == "" || len(loc) > maxListField:
		return badRequest("location must be 1 to %d characters", maxListField)
	case strings.HasPrefix(loc, "s3://") && len(loc) > len("s3://") && strings.Contains(loc[len("s3://"):], "/"),
		strings.HasPrefix(loc, "https://") && len(loc) > len("https://"),
		strings.HasPrefix(loc, "/"):
		return nil
	}
	return badRequest("location %q is not an s3://bucket/key object, an https:// URL or an absolute file path", loc)
}

func newListID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) createList(r *http.Request, k listKind) (any, error) {
	var in listInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	switch {
	case in.Name == nil:
		return nil, badRequest("name is required")
	case in.Location == nil:
		return nil, badRequest("location is required")
	case in.Activate == nil:
		return nil, badRequest("activate is required")
	case !listFormats[in.Format]:
		return nil, badRequest("format %q is not TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT or FIRE_EYE", in.Format)
	}
	l := listDoc{ID: newListID(), Kind: k.name, Format: in.Format, ClientToken: in.ClientToken}
	if err := applyList(&l, in); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.listsMu.Lock()
	defer s.listsMu.Unlock()
	ls, err := s.loadLists(r.Context())
	if err != nil {
		return nil, err
	}
	n := 0
	for _, o := range ls {
		if o.Kind != k.name {
			continue
		}
		if in.ClientToken != "" && o.ClientToken == in.ClientToken {
			return map[string]string{k.idField: o.ID}, nil // a retry of the same request
		}
		n++
	}
	if n >= k.limit {
		return nil, badRequest("the detector already has the maximum of %d %ss", k.limit, k.name)
	}
	if err := s.saveLists(r.Context(), append(ls, l)); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.setResourceTags(r, s.listARN(k, l.ID), in.Tags); err != nil {
			return nil, err
		}
	}
	return map[string]string{k.idField: l.ID}, nil
}

func (s *Server) getList(r *http.Request, k listKind) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	ls, err := s.loadLists(r.Context())
	if err != nil {
		return nil, err
	}
	i, err := findList(r, ls, k)
	if err != nil {
		return nil, err
	}
	l := ls[i]
	tags, err := s.resourceTags(r, s.listARN(k, l.ID))
	if err != nil {
		return nil, err
	}
	resp := map[string]any{"name": l.Name, "format": l.Format, "location": l.Location, "status": s.listStatus(l), "tags": tags}
	if l.ExpectedBucketOwner != "" {
		resp["expectedBucketOwner"] = l.ExpectedBucketOwner
	}
	return resp, nil
}

// listStatus is GuardDuty's status of a list: INACTIVE unless activated
// (or without a loader), then ACTIVATING until the loader has read it,
// ACTIVE once it has, ERROR when its last load failed.
func (s *Server) listStatus(l listDoc) string {
	if !l.Activate || s.opts.Lists == nil {
		return "INACTIVE"
	}
	_, lastErr, ok := s.opts.Lists.APIListStatus(l.ID)
	switch {
	case lastErr != "":
		return "ERROR"
	case ok:
		return "ACTIVE"
	}
	return "ACTIVATING"
}

func (s *Server) updateList(r *http.Request, k listKind) (any, error) {
	var in listInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	_, err := s.editList(r, k, func(ls []listDoc, i int) ([]listDoc, error) { return ls, applyList(&ls[i], in) })
	return nil, err
}

func (s *Server) deleteList(r *http.Request, k listKind) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	l, err := s.editList(r, k, deleteAt)
	if err != nil {
		return nil, err
	}
	return nil, s.setResourceTags(r, s.listARN(k, l.ID), nil)
}

func (s *Server) listLists(r *http.Request, k listKind) (any, error) {
	if _, err := s.checkDetector(r); err != nil {
		return nil, err
	}
	ls, err := s.loadLists(r.Context())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range ls {
		if l.Kind == k.name {
			ids = append(ids, l.ID)
		}
	}
	page, next, err := listPage(r, ids)
	if err != nil {
		return nil, err
	}
	return withNextToken(map[string]any{k.idsField: page}, next), nil
}

// saveLists stores the lists and hands the activated ones to the loader.
// Callers hold listsMu.
func (s *Server) saveLists(ctx context.Context, ls []listDoc) error {
	if err := s.opts.Settings.Save(ctx, "lists", ls); err != nil {
		return err
	}
	// The loader fetches new lists at once; a client that hangs up must
	// not cut that short.
	s.pushLists(context.WithoutCancel(ctx), ls)
	return nil
}

func (s *Server) pushLists(ctx context.Context, ls []listDoc) {
	if s.opts.Lists == nil {
		return
	}
	active := []APIList{}
	for _, l := range ls {
		if l.Activate {
			active = append(active, APIList{ID: l.ID, Name: l.Name, Location: l.Location, Format: l.Format, Trusted: l.Kind == ipSetKind.name})
		}
	}
	s.opts.Lists.SetAPILists(ctx, active)
}

// ActivateLists hands the activated IP sets and threat intel sets stored
// by earlier runs to Options.Lists; cmd/vigil calls it once at start,
// before serving. Without Options.Lists it does nothing.
func (s *Server) ActivateLists(ctx context.Context) error {
	if s.opts.Lists == nil {
		return nil
	}
	s.listsMu.Lock()
	defer s.listsMu.Unlock()
	ls, err := s.loadLists(ctx)
	if err != nil {
		return err
	}
	s.pushLists(ctx, ls)
	return nil
}
