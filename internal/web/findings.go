package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/runbook"
)

const pageSize = 50

// maxBack bounds the page tokens kept in the URL for "Previous".
const maxBack = 20

// listForm is the findings filter bar, sorting and paging, as in the URL.
type listForm struct {
	Severity string // "", "low", "medium", "high", "critical": at least
	Type     string // type prefix
	Account  string
	Region   string
	State    string // "current" (default), "archived", "all"
	Resource string // a resource id or user name (finding.Query.Resource)
	// Since is a quick pick ("24h", "7d", "30d"): updated since then.
	// From and To (UTC, as a datetime-local input sends them) replace it
	// when either is given.
	Since    string
	From, To string
	Sort     string // a finding.Sort* attribute
	Dir      string // "asc" or "desc"
	Page     string // store page token
	Back     []string
}

// quickPick is a Since value, its label and how long it reaches back.
type quickPick struct {
	Value, Label string
	D            time.Duration
}

var quickPicks = []quickPick{{"24h", "24 hours", 24 * time.Hour}, {"7d", "7 days", 7 * 24 * time.Hour}, {"30d", "30 days", 30 * 24 * time.Hour}}

// timeLayouts are the forms From and To are read in, all UTC.
var timeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339}

var sorts = []string{finding.SortUpdatedAt, finding.SortSeverity, finding.SortCreatedAt, finding.SortType, finding.SortCount}

func parseListForm(q url.Values) listForm {
	f := listForm{Severity: strings.ToLower(q.Get("severity")), Type: strings.TrimSpace(q.Get("type")), Account: strings.TrimSpace(q.Get("account")),
		Region: strings.TrimSpace(q.Get("region")), State: q.Get("state"), Resource: strings.TrimSpace(q.Get("resource")),
		Since: q.Get("since"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Sort: q.Get("sort"), Dir: q.Get("dir"), Page: q.Get("page"), Back: q["back"]}
	if f.From != "" || f.To != "" || !slices.ContainsFunc(quickPicks, func(p quickPick) bool { return p.Value == f.Since }) {
		f.Since = ""
	}
	if f.State != "archived" && f.State != "all" {
		f.State = "current"
	}
	if !slices.Contains(sorts, f.Sort) {
		f.Sort = finding.SortUpdatedAt
	}
	if f.Dir != "asc" {
		f.Dir = "desc"
	}
	if len(f.Back) > maxBack {
		f.Back = f.Back[len(f.Back)-maxBack:]
	}
	return f
}

// query returns the store query of the form at time now, or an error for
// a From or To that cannot be read (the query then leaves it out).
func (f listForm) query(now time.Time) (finding.Query, error) {
	q := finding.Query{TypePrefix: f.Type, AccountID: f.Account, Region: f.Region, Resource: f.Resource,
		SortBy: f.Sort, Desc: f.Dir == "desc", Limit: pageSize, PageToken: f.Page}
	var err error
	q.UpdatedFrom, q.UpdatedTo, err = f.window(now)
	switch f.Severity {
	case "low":
		q.MinSeverity = finding.Low.Min()
	case "medium":
		q.MinSeverity = finding.Medium.Min()
	case "high":
		q.MinSeverity = finding.High.Min()
	case "critical":
		q.MinSeverity = finding.Critical.Min()
	}
	switch f.State {
	case "current":
		no := false
		q.Archived = &no
	case "archived":
		yes := true
		q.Archived = &yes
	}
	return q, err
}

// window returns the updatedAt range of the form: since its quick pick,
// or From and To.
func (f listForm) window(now time.Time) (from, to time.Time, err error) {
	for _, p := range quickPicks {
		if p.Value == f.Since {
			return now.Add(-p.D), time.Time{}, nil
		}
	}
	var errs []error
	for _, v := range []struct {
		name, in string
		out      *time.Time
	}{{"From", f.From, &from}, {"To", f.To, &to}} {
		if v.in == "" {
			continue
		}
		t, ok := parseUTC(v.in)
		if !ok {
			errs = append(errs, fmt.Errorf("%s %q is not a time like 2025-06-30T12:00", v.name, v.in))
			continue
		}
		*v.out = t
	}
	return from, to, errors.Join(errs...)
}

func parseUTC(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// url returns the findings URL of f with changes applied.
func (f listForm) url(page string, back []string) string {
	v := url.Values{}
	for k, s := range map[string]string{"severity": f.Severity, "type": f.Type, "account": f.Account, "region": f.Region,
		"state": f.State, "resource": f.Resource, "since": f.Since, "from": f.From, "to": f.To,
		"sort": f.Sort, "dir": f.Dir, "page": page} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for _, b := range back {
		v.Add("back", b)
	}
	return basePath + "findings?" + v.Encode()
}

// SortURL is the URL sorting by attr: descending first, toggled when attr
// is already the sort.
func (f listForm) SortURL(attr string) string {
	g := f
	g.Sort, g.Dir = attr, "desc"
	if f.Sort == attr && f.Dir == "desc" {
		g.Dir = "asc"
	}
	return g.url("", nil)
}

// SinceURL is the URL of a quick pick ("" for any time): From and To are
// cleared.
func (f listForm) SinceURL(since string) string {
	g := f
	g.Since, g.From, g.To = since, "", ""
	return g.url("", nil)
}

// ResourceURL is the URL filtering by a resource as well.
func (f listForm) ResourceURL(id string) string {
	g := f
	g.Resource = id
	return g.url("", nil)
}

// QuickPicks are the quick picks, for the template.
func (f listForm) QuickPicks() []quickPick { return quickPicks }

// SortMark is the arrow of the sorted column.
func (f listForm) SortMark(attr string) string {
	if f.Sort != attr {
		return ""
	}
	if f.Dir == "desc" {
		return " ▼"
	}
	return " ▲"
}

type findingsData struct {
	Form       listForm
	Findings   []finding.Finding
	Next, Prev string
	Err        string
	// From and To are the updatedAt window applied, zero when open.
	From, To time.Time
}

func (c *Console) findings(w http.ResponseWriter, r *http.Request, ss *session) {
	f := parseListForm(r.URL.Query())
	q, qerr := f.query(c.opts.Now())
	fs, next, err := c.opts.Store.ListFindings(r.Context(), q)
	d := findingsData{Form: f, Findings: fs, From: q.UpdatedFrom, To: q.UpdatedTo}
	if qerr != nil {
		d.Err = qerr.Error() + "; it is left out."
	}
	if err != nil {
		// A stale or foreign page token: start the listing again.
		d.Err = "This page could not be listed (" + err.Error() + "); showing the first page."
		f.Page, f.Back, q.PageToken = "", nil, ""
		d.Form = f
		if d.Findings, next, err = c.opts.Store.ListFindings(r.Context(), q); err != nil {
			c.fail(w, ss, err)
			return
		}
	}
	if next != "" {
		d.Next = f.url(next, append(slices.Clone(f.Back), f.Page))
	}
	if f.Page != "" {
		prev, back := "", []string(nil)
		if n := len(f.Back); n > 0 {
			prev, back = f.Back[n-1], f.Back[:n-1]
		}
		d.Prev = f.url(prev, back)
	}
	c.render(w, "findings", http.StatusOK, ss, view{Title: "Findings", Nav: "findings", Data: d, Error: d.Err})
}

type detailData struct {
	F        finding.Finding
	Resource [][2]string // label, value
	Actor    [][2]string
	Remote   []*finding.RemoteIPDetails
	Runbook  *runbook.Runbook // nil when the type has none
}

func (c *Console) findingDetail(w http.ResponseWriter, r *http.Request, ss *session) {
	fs, err := c.client(ss).GetFindings(r.Context(), []string{r.PathValue("id")})
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	if len(fs) == 0 {
		c.render(w, "error", http.StatusNotFound, ss, view{Title: "Not found", Error: "There is no finding with this id."})
		return
	}
	f := fs[0]
	d := detailData{F: f, Resource: resourceFields(&f), Actor: actorFields(&f), Remote: f.RemoteIPs()}
	if rb, ok := runbook.For(f.Type); ok {
		d.Runbook = &rb
	}
	v := view{Title: f.Type, Nav: "findings", Data: d}
	switch r.URL.Query().Get("done") {
	case "archived":
		v.Flash = "The finding was archived."
	case "unarchived":
		v.Flash = "The finding was unarchived."
	}
	c.render(w, "finding", http.StatusOK, ss, v)
}

// resourceFields are the affected resource's key fields.
func resourceFields(f *finding.Finding) [][2]string {
	r := &f.Resource
	out := [][2]string{{"Resource type", r.ResourceType}}
	if a := r.AccessKeyDetails; a != nil {
		out = append(out, [2]string{"Access key", a.AccessKeyID}, [2]string{"User", a.UserName}, [2]string{"User type", a.UserType},
			[2]string{"Principal", a.PrincipalID})
	}
	if i := r.InstanceDetails; i != nil {
		out = append(out, [2]string{"Instance", i.InstanceID}, [2]string{"Instance type", i.InstanceType},
			[2]string{"Availability zone", i.AvailabilityZone}, [2]string{"Image", i.ImageID})
	}
	for _, b := range r.S3BucketDetails {
		out = append(out, [2]string{"Bucket", b.Name})
	}
	if l := r.LambdaDetails; l != nil {
		out = append(out, [2]string{"Function", l.FunctionName}, [2]string{"Function ARN", l.FunctionArn})
	}
	return nonEmpty(out)
}

// actorFields describe who or what acted.
func actorFields(f *finding.Finding) [][2]string {
	a := f.Service.Action
	if a == nil {
		return nil
	}
	out := [][2]string{{"Action", a.ActionType}}
	if c := a.AwsAPICallAction; c != nil {
		out = append(out, [2]string{"API", c.API}, [2]string{"Service", c.ServiceName}, [2]string{"Caller type", c.CallerType},
			[2]string{"User agent", c.UserAgent}, [2]string{"Error code", c.ErrorCode})
		if c.RemoteAccountDetails != nil {
			out = append(out, [2]string{"Remote account", c.RemoteAccountDetails.AccountID})
		}
	}
	if n := a.NetworkConnectionAction; n != nil {
		out = append(out, [2]string{"Direction", n.ConnectionDirection}, [2]string{"Protocol", n.Protocol})
		if n.RemotePortDetails != nil {
			out = append(out, [2]string{"Remote port", strconv.Itoa(n.RemotePortDetails.Port)})
		}
	}
	if d := a.DNSRequestAction; d != nil {
		out = append(out, [2]string{"Domain", d.Domain})
	}
	return nonEmpty(out)
}

func nonEmpty(kv [][2]string) [][2]string {
	return slices.DeleteFunc(kv, func(p [2]string) bool { return p[1] == "" })
}

// archive archives or unarchives one finding through the API.
func (c *Console) archive(archived bool) handler {
	return func(w http.ResponseWriter, r *http.Request, ss *session) {
		id := r.PathValue("id")
		cl := c.client(ss)
		op, done := cl.Unarchive, "unarchived"
		if archived {
			op, done = cl.Archive, "archived"
		}
		if err := op(r.Context(), []string{id}); err != nil {
			c.fail(w, ss, err)
			return
		}
		http.Redirect(w, r, basePath+"findings/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
	}
}

// suppress creates an ARCHIVE filter matching the finding's type and
// account, named after a short hash of both, then shows the rules.
func (c *Console) suppress(w http.ResponseWriter, r *http.Request, ss *session) {
	cl := c.client(ss)
	fs, err := cl.GetFindings(r.Context(), []string{r.PathValue("id")})
	if err != nil || len(fs) == 0 {
		c.fail(w, ss, cmpErr(err, "there is no finding with this id"))
		return
	}
	f := fs[0]
	crit, _ := json.Marshal(map[string]any{"criterion": map[string]any{
		"type": map[string][]string{"eq": {f.Type}}, "accountId": map[string][]string{"eq": {f.AccountID}}}})
	sum := sha256.Sum256([]byte(f.Type + "\x00" + f.AccountID))
	name := "suppress-" + hex.EncodeToString(sum[:])[:10]
	if err := cl.CreateFilter(r.Context(), name, "ARCHIVE", crit); err != nil {
		var ae *APIError
		if !errors.As(err, &ae) || !strings.Contains(ae.Message, "already exists") {
			c.fail(w, ss, err)
			return
		}
	}
	http.Redirect(w, r, basePath+"filters?created="+url.QueryEscape(name), http.StatusSeeOther)
}

func cmpErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return &APIError{Status: http.StatusNotFound, Type: "NotFound", Message: msg}
}
