// Package web is Vigil's console: server-rendered pages (summary,
// findings, suppression rules, lists, malware scans, protection plans)
// for the users of the GuardDuty API, with sign-in, sessions and CSRF
// protection. Its assets are embedded; it loads nothing from the network.
//
// Every change goes through the GuardDuty API in-process, signed as the
// signed-in user, so the API's authorization and validation apply: the
// console must never write to the store itself, and never log a secret.
// Reads that the store serves better (paged finding listings, scans) go to
// the store directly, always one page at a time; Vigil's own state (health
// checks, watched sources, the load state of lists) is read from the
// components that keep it, through Options.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/store"
)

// basePath is where the console is mounted.
const basePath = "/console/"

//go:embed templates/*.html static/*
var assets embed.FS

// Options configure a Console.
type Options struct {
	API        http.Handler // the GuardDuty API's handler (api.Server.Handler)
	Users      *api.Users   // the API's users, who may sign in
	DetectorID string
	// Store is read for finding listings and, when it implements
	// store.ScanStore, malware scans.
	Store  store.Store
	Now    func() time.Time
	Logger *slog.Logger

	// Pricing prices the usage page's estimate (the usage comes from the
	// Store, when it is a store.UsageStore); nil: built-in prices.
	Pricing *api.UsagePricing
	// Resources reports Vigil's own resource use for the usage page; nil
	// shows none.
	Resources func() Resources

	// Health holds Vigil's health checks: the summary shows those that
	// are not OK, the sources page each source's; nil: none.
	Health HealthChecks
	// Sources reports the log sources "vigil serve" watches, for the
	// plans and sources page; nil: none.
	Sources func() []SourceState
	// Intel reports the load state of threat intelligence: entry counts
	// and errors of the API's lists, and the lists of vigil.yaml; nil
	// shows the API's lists alone.
	Intel IntelStatus
}

// Console serves the web console.
type Console struct {
	opts     Options
	log      *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
	static   http.Handler
}

// New returns the console; call Handler for its http.Handler.
func New(opts Options) *Console {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Console{opts: opts, log: opts.Logger.With("component", "console"),
		sessions: &sessions{m: map[string]*session{}, now: opts.Now}, pages: map[string]*template.Template{}}
	for _, p := range []string{"signin", "summary", "findings", "finding", "filters", "lists", "scans", "plans", "usage", "error"} {
		c.pages[p] = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+p+".html"))
	}
	static, _ := fs.Sub(assets, "static")
	c.static = http.StripPrefix(basePath+"static/", http.FileServerFS(static))
	c.mux = http.NewServeMux()
	c.routes()
	return c
}

// Handler returns the console's handler, to be mounted at /console/.
func (c *Console) Handler() http.Handler { return c.mux }

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET "+basePath+"static/", c.static)
	m.HandleFunc("GET "+basePath+"signin", c.signinPage)
	m.HandleFunc("POST "+basePath+"signin", c.signin)
	m.HandleFunc("POST "+basePath+"signout", c.authed(c.signout))
	m.HandleFunc("GET "+basePath+"{$}", c.authed(c.summary))
	m.HandleFunc("GET "+basePath+"findings", c.authed(c.findings))
	m.HandleFunc("GET "+basePath+"findings/{id}", c.authed(c.findingDetail))
	m.HandleFunc("POST "+basePath+"findings/{id}/archive", c.authed(c.archive(true)))
	m.HandleFunc("POST "+basePath+"findings/{id}/unarchive", c.authed(c.archive(false)))
	m.HandleFunc("POST "+basePath+"findings/{id}/suppress", c.authed(c.suppress))
	m.HandleFunc("GET "+basePath+"filters", c.authed(c.filters))
	m.HandleFunc("GET "+basePath+"lists", c.authed(c.lists))
	m.HandleFunc("GET "+basePath+"scans", c.authed(c.scans))
	m.HandleFunc("GET "+basePath+"plans", c.authed(c.plans))
	m.HandleFunc("GET "+basePath+"usage", c.authed(c.usage))
}

// view is what every page template gets.
type view struct {
	Title, Nav string
	User       *api.User
	CSRF       string
	Flash      string
	Error      string
	Data       any
	Problems   int // health checks that are not OK, for the header
}

type handler func(w http.ResponseWriter, r *http.Request, ss *session)

// authed redirects requests without a session to the sign-in page and
// refuses POSTs without the session's CSRF token.
func (c *Console) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ss := c.sessions.get(r)
		if ss == nil {
			if r.Method != http.MethodGet {
				http.Error(w, "sign in first", http.StatusForbidden)
				return
			}
			http.Redirect(w, r, basePath+"signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !ss.checkCSRF(r) {
			http.Error(w, "invalid or missing CSRF token; reload the page", http.StatusForbidden)
			return
		}
		h(w, r, ss)
	}
}

// client is the API client of the session's user.
func (c *Console) client(ss *session) *Client {
	return newClient(c.opts.API, ss.user, c.opts.DetectorID, c.opts.Now)
}

// render writes a page; v.User and v.CSRF come from the session.
func (c *Console) render(w http.ResponseWriter, page string, status int, ss *session, v view) {
	if ss != nil {
		v.User, v.CSRF = ss.user, ss.csrf
		v.Problems = len(c.problems())
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := c.pages[page].ExecuteTemplate(w, "layout", v); err != nil {
		c.log.Error("rendering a console page failed", "page", page, "err", err)
	}
}

// fail shows an error page: the API's refusals with their status, other
// errors as 500 (logged; secrets never reach errors).
func (c *Console) fail(w http.ResponseWriter, ss *session, err error) {
	status := http.StatusInternalServerError
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		status = ae.Status
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, context.Canceled):
		return
	default:
		c.log.Error("console request failed", "err", err)
	}
	c.render(w, "error", status, ss, view{Title: "Error", Error: err.Error()})
}
