package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
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
	Sort     string // a finding.Sort* attribute
	Dir      string // "asc" or "desc"
	Page     string // store page token
	Back     []string
}

var sorts = []string{finding.SortUpdatedAt, finding.SortSeverity, finding.SortCreatedAt, finding.SortType, finding.SortCount}

func parseListForm(q url.Values) listForm {
	f := listForm{Severity: strings.ToLower(q.Get("severity")), Type: strings.TrimSpace(q.Get("type")), Account: strings.TrimSpace(q.Get("account")),
		Region: strings.TrimSpace(q.Get("region")), State: q.Get("state"), Sort: q.Get("sort"), Dir: q.Get("dir"),
		Page: q.Get("page"), Back: q["back"]}
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

func (f listForm) query() finding.Query {
	q := finding.Query{TypePrefix: f.Type, AccountID: f.Account, Region: f.Region, SortBy: f.Sort, Desc: f.Dir == "desc",
		Limit: pageSize, PageToken: f.Page}
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
	return q
}

// url returns the findings URL of f with changes applied.
func (f listForm) url(page string, back []string) string {
	v := url.Values{}
	for k, s := range map[string]string{"severity": f.Severity, "type": f.Type, "account": f.Account, "region": f.Region,
		"state": f.State, "sort": f.Sort, "dir": f.Dir, "page": page} {
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
}

func (c *Console) findings(w http.ResponseWriter, r *http.Request, ss *session) {
	f := parseListForm(r.URL.Query())
	fs, next, err := c.opts.Store.ListFindings(r.Context(), f.query())
	d := findingsData{Form: f, Findings: fs}
	if err != nil {
		// A stale or foreign page token: start the listing again.
		d.Err = "This page could not be listed (" + err.Error() + "); showing the first page."
		f.Page, f.Back = "", nil
		d.Form = f
		if d.Findings, next, err = c.opts.Store.ListFindings(r.Context(), f.query()); err != nil {
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
