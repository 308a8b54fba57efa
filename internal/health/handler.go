package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// probeTimeout bounds the probes of one /healthz request.
const probeTimeout = 5 * time.Second

// Report is the JSON answer of /healthz?verbose=1.
type Report struct {
	Status Status  `json:"status"` // the worst of the checks
	Checks []Check `json:"checks"`
}

// Handler serves /healthz. It makes the registered probes, then answers
// 503 when a check is Error, else 200. The body is "ok" when every check
// is OK; otherwise the worst status and a line per check that is not OK.
// With ?verbose=1 or "Accept: application/json" it is a Report in JSON,
// with every check.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), probeTimeout)
		r.RunProbes(ctx)
		cancel()
		checks := r.Checks()
		worst := OK
		for _, c := range checks {
			if c.Status.Worse(worst) {
				worst = c.Status
			}
		}
		code := http.StatusOK
		if worst == Error {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Cache-Control", "no-store")
		if req.URL.Query().Get("verbose") == "1" || strings.Contains(req.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(Report{Status: worst, Checks: checks})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintln(w, worst)
		for _, c := range checks {
			if c.Status != OK {
				fmt.Fprintf(w, "%s %s %s: %s\n", c.Status, c.Component, c.Name, c.Message)
			}
		}
	})
}
