package web

import (
	"net/http"

	"github.com/vigil-sec/vigil/internal/intel/loader"
)

// listsData is the lists page: the API's trusted IP lists and threat
// lists with their load state, and the lists of vigil.yaml.
type listsData struct {
	Trusted, Threat []listRow
	Config          []loader.Status
	Loaded          bool // the loader's state is known (Options.Intel)
}

// listRow is an API list and what the loader made of it.
type listRow struct {
	List
	Load   loader.Status
	Loaded bool // Load is known
}

func (c *Console) lists(w http.ResponseWriter, r *http.Request, ss *session) {
	cl, ctx := c.client(ss), r.Context()
	d := listsData{Loaded: c.opts.Intel != nil}
	apiLists := map[[3]string]bool{} // role, name, location of the API's lists
	add := func(dst *[]listRow, l List, role loader.Role) {
		row := listRow{List: l}
		if c.opts.Intel != nil {
			row.Load, row.Loaded = c.opts.Intel.StatusOf(l.ID)
		}
		apiLists[[3]string{string(role), l.Name, l.Location}] = true
		*dst = append(*dst, row)
	}
	ids, err := cl.ListIPSets(ctx)
	for _, id := range ids {
		var l List
		if l, err = cl.GetIPSet(ctx, id); err != nil {
			break
		}
		add(&d.Trusted, l, loader.RoleTrusted)
	}
	if err == nil {
		ids, err = cl.ListThreatIntelSets(ctx)
		for _, id := range ids {
			var l List
			if l, err = cl.GetThreatIntelSet(ctx, id); err != nil {
				break
			}
			add(&d.Threat, l, loader.RoleThreat)
		}
	}
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	if c.opts.Intel != nil {
		// The loader's status does not say which lists came through the
		// API; they are told apart by role, name and location.
		for _, s := range c.opts.Intel.Status() {
			if !apiLists[[3]string{string(s.Role), s.Name, s.Location}] {
				d.Config = append(d.Config, s)
			}
		}
	}
	c.render(w, "lists", http.StatusOK, ss, view{Title: "Lists", Nav: "lists", Data: d})
}
