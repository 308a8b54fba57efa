package web

import (
	"net/http"

	"github.com/vigil-sec/vigil/internal/store"
)

func (c *Console) filters(w http.ResponseWriter, r *http.Request, ss *session) {
	cl := c.client(ss)
	names, err := cl.ListFilters(r.Context())
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	var fs []Filter
	for _, n := range names {
		f, err := cl.GetFilter(r.Context(), n)
		if err != nil {
			c.fail(w, ss, err)
			return
		}
		fs = append(fs, f)
	}
	v := view{Title: "Suppression rules and saved filters", Nav: "filters", Data: fs}
	if n := r.URL.Query().Get("created"); n != "" {
		v.Flash = "Suppression rule " + n + " is in place: new findings like this one arrive archived."
	}
	c.render(w, "filters", http.StatusOK, ss, v)
}

type scansData struct {
	Supported bool
	Scans     []store.ScanRecord
	Next      string
	Status    string
}

func (c *Console) scans(w http.ResponseWriter, r *http.Request, ss *session) {
	d := scansData{Status: r.URL.Query().Get("status")}
	if sc, ok := c.opts.Store.(store.ScanStore); ok {
		d.Supported = true
		var err error
		d.Scans, d.Next, err = sc.ListScans(r.Context(), store.ScanQuery{Status: d.Status, Limit: pageSize, PageToken: r.URL.Query().Get("page")})
		if err != nil {
			c.fail(w, ss, err)
			return
		}
	}
	c.render(w, "scans", http.StatusOK, ss, view{Title: "Malware scans", Nav: "scans", Data: d})
}
