package web

import (
	"net/http"

	"github.com/vigil-sec/vigil/internal/health"
)

// plansData is the plans and sources page: the log sources "vigil serve"
// watches with their health, and the Malware Protection plans.
type plansData struct {
	Sources []sourceRow
	Plans   []Plan
}

type sourceRow struct {
	SourceState
	Health health.Check // Status "" when the source has no check yet
}

func (c *Console) plans(w http.ResponseWriter, r *http.Request, ss *session) {
	cl, ctx := c.client(ss), r.Context()
	ids, err := cl.ListMalwareProtectionPlans(ctx)
	var d plansData
	for _, id := range ids {
		var p Plan
		if p, err = cl.GetMalwareProtectionPlan(ctx, id); err != nil {
			break
		}
		d.Plans = append(d.Plans, p)
	}
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	if c.opts.Sources != nil {
		for _, s := range c.opts.Sources() {
			d.Sources = append(d.Sources, sourceRow{SourceState: s, Health: c.checkOf(health.ComponentSource, s.Name)})
		}
	}
	c.render(w, "plans", http.StatusOK, ss, view{Title: "Sources and protection plans", Nav: "plans", Data: d})
}
