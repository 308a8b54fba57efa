// Package api serves GuardDuty's REST-JSON API (the 2017-11-28 model: the
// same paths, member names, status codes and error types), so the AWS CLI
// (aws guardduty --endpoint-url ...) and the AWS SDKs work against Vigil
// unchanged. Requests are authenticated with AWS Signature Version 4
// against Vigil's users.
//
// The package only translates between the wire format and Vigil's store,
// intelligence and detectors; it never detects and never reads logs.
package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/store"
)

// Options configure a Server.
type Options struct {
	// DetectorID is the id of Vigil's detector (one per installation, as
	// GuardDuty has one per account and region).
	DetectorID string
	AccountID  string // for ARNs; default "000000000000"
	Region     string // for ARNs; default "us-east-1"
	Store      store.Store
	// Detectors are the registered detectors (for CreateSampleFindings).
	Detectors []*detect.Detector
	Users     *Users
	// Lists receives the API-managed IP sets and threat intel sets; nil
	// keeps them stored but inactive.
	Lists Lists
	// PlansChanged, when set, is called (without blocking) after a
	// malware protection plan is created, changed or deleted, so the
	// service applies it at once; it calls Plans to take the new set.
	PlansChanged func()
	// Settings persists the API's own objects (detector settings,
	// filters, lists, plans, tags); default: the store's state table.
	Settings Settings
	// Pricing prices usage for GetUsageStatistics (the usage comes from
	// the store, when it is a store.UsageStore); nil: built-in prices.
	Pricing *UsagePricing
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	Now          func() time.Time
	Logger       *slog.Logger
	Registerer   prometheus.Registerer
}

// Server handles API requests.
type Server struct {
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	requests *prometheus.CounterVec

	// tokenKey signs nextTokens. It is made at random once and kept in
	// the settings, so tokens survive a restart; an installation refuses
	// another's.
	tokenKey []byte
	// state holds the suppression rules and plans in memory.
	state serverState
	// Each settings document is read, changed and written under its lock.
	detectorMu, tagsMu, filtersMu, listsMu, plansMu sync.Mutex
}

// handlerFunc handles one operation; it returns the response body (nil
// for none) or an error (an *Error for GuardDuty's error types).
type handlerFunc func(r *http.Request) (any, error)

// route is one operation.
type route struct {
	op      string // GuardDuty operation name, for logs and metrics
	pattern string // method and path, as http.ServeMux patterns
	write   bool   // changes something: admin users only
	status  int    // success status (200 unless GuardDuty says otherwise)
	h       handlerFunc
}

// New returns a server; call Handler for its http.Handler.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Settings == nil {
		opts.Settings = StoreSettings{opts.Store}
	}
	s := &Server{opts: opts, log: opts.Logger.With("component", "api"), mux: http.NewServeMux(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_api_requests_total", Help: "GuardDuty API requests, by operation and status code.",
		}, []string{"operation", "code"})}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.requests)
	}
	s.tokenKey = s.loadTokenKey()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	return s
}

// Handler returns the API's handler: GuardDuty's paths (/detector...,
// /malware-protection-plan..., /tags/...), each signed with SigV4.
func (s *Server) Handler() http.Handler { return s.mux }

// routes lists every operation; the files of each group add theirs.
func (s *Server) routes() []route {
	var rs []route
	for _, group := range []func() []route{s.detectorRoutes, s.findingRoutes, s.filterRoutes, s.listRoutes, s.planRoutes, s.tagRoutes, s.usageRoutes} {
		rs = append(rs, group()...)
	}
	return rs
}

// wrap authenticates, authorizes, bounds the body, runs the handler and
// writes the response or GuardDuty's error.
func (s *Server) wrap(rt route) http.Handler {
	if rt.status == 0 {
		rt.status = http.StatusOK
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var resp any
		err := s.authorize(w, r, rt)
		if err == nil {
			resp, err = s.call(rt, r)
		}
		if err != nil {
			e := asError(err)
			if e.Status == http.StatusInternalServerError {
				s.log.Error("API operation failed", "operation", rt.op, "err", err)
			}
			s.requests.WithLabelValues(rt.op, fmt.Sprint(e.Status)).Inc()
			writeError(w, e)
			return
		}
		s.requests.WithLabelValues(rt.op, fmt.Sprint(rt.status)).Inc()
		writeJSON(w, rt.status, resp)
	})
}

// call runs a handler, turning a panic into an internal error: bad input
// must never take the server down.
func (s *Server) call(rt route, r *http.Request) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("API handler panicked", "operation", rt.op, "panic", fmt.Sprint(p))
			resp, err = nil, &Error{Status: http.StatusInternalServerError, Type: TypeInternal, Message: "internal error"}
		}
	}()
	return rt.h(r)
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rt route) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return badRequest("the request body is larger than %d bytes", s.opts.MaxBodyBytes)
		}
		return badRequest("reading the request body: %v", err)
	}
	r.Body = io.NopCloser(bytesReader(body))
	user, err := s.opts.Users.Authenticate(r, body, s.opts.Now())
	if err != nil {
		return err
	}
	if rt.write && !user.Admin() {
		return &Error{Status: http.StatusForbidden, Type: TypeAccessDenied,
			Message: fmt.Sprintf("user %s is read-only and cannot call %s", user.Name, rt.op)}
	}
	*r = *r.WithContext(context.WithValue(r.Context(), userKey{}, user))
	return nil
}

type userKey struct{}

// decode reads a JSON request body into v; an empty body leaves v as is.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return badRequest("reading the request body: %v", err)
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("malformed JSON request body: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if v == nil {
		if status == http.StatusOK {
			w.WriteHeader(status)
			w.Write([]byte("{}"))
			return
		}
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, &Error{Status: http.StatusInternalServerError, Type: TypeInternal, Message: "encoding the response failed"})
		return
	}
	w.WriteHeader(status)
	w.Write(b)
}

// tokenKeyDoc is the settings document of the nextToken key.
type tokenKeyDoc struct {
	Key []byte `json:"key"`
}

// loadTokenKey returns the kept nextToken key, making and keeping one on
// first use. If the settings cannot be read or written, the key is random
// for this process (tokens then do not survive a restart).
func (s *Server) loadTokenKey() []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var doc tokenKeyDoc
	err := s.opts.Settings.Load(ctx, "token-key", &doc)
	if err == nil && len(doc.Key) == 32 {
		return doc.Key
	}
	doc.Key = make([]byte, 32)
	rand.Read(doc.Key) // never fails (crypto/rand)
	if err == nil {
		err = s.opts.Settings.Save(ctx, "token-key", doc)
	}
	if err != nil {
		s.log.Warn("the nextToken key cannot be kept; tokens will not survive a restart", "err", err)
	}
	return doc.Key
}
