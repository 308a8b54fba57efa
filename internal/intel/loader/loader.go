// Package loader keeps Vigil's threat intelligence current: it reads
// threat lists, trusted lists, open feeds and AWS's ip-ranges.json from
// local files, http(s):// URLs or s3:// objects, refreshes them on a
// schedule (local files within seconds of a change), keeps the last good
// copy of a list that can no longer be read (in memory, and on disk so a
// restart survives an outage), and publishes each new combination as an
// immutable *intel.Intel.
//
// The loader never produces findings; detectors read Current().
package loader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/source"
)

// Role is what a list is for.
type Role string

// Roles.
const (
	RoleThreat    Role = "threat"
	RoleTrusted   Role = "trusted"
	RoleFeed      Role = "feed"
	RoleBuiltin   Role = "builtin"
	RoleAWSRanges Role = "aws_ip_ranges"
	RoleGeoIP     Role = "geoip"
)

// Spec is one list to load.
type Spec struct {
	// ID identifies a list managed through the API (an IPSet or
	// ThreatIntelSet id); empty for the lists of vigil.yaml.
	ID       string
	Role     Role
	Name     string
	Location string // a file, http(s):// URL or s3://bucket/key
	Format   intel.Format
	Family   intel.Family
	Limit    int // maximum entries; 0: none
}

// Options configure a Loader.
type Options struct {
	Lists []Spec
	// Builtin adds GuardDuty's test domains.
	Builtin bool
	// AWSRanges is the location of ip-ranges.json; empty: none.
	AWSRanges string
	// GeoCity and GeoASN are MMDB files; empty: none.
	GeoCity, GeoASN string
	// AccountIPs are addresses known to belong to each account.
	AccountIPs map[string][]netip.Prefix
	// Refresh is how often remote locations are fetched again (default
	// 1h); local files are checked every CheckInterval (default 5s).
	Refresh       time.Duration
	CheckInterval time.Duration
	// CacheDir keeps the last good copy of each remote list; empty: none.
	CacheDir   string
	S3         source.S3Options
	HTTPClient *http.Client
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Status describes one loaded list.
type Status struct {
	Role     Role         `json:"role"`
	Name     string       `json:"name"`
	Location string       `json:"location"`
	Format   intel.Format `json:"format,omitempty"`
	Family   intel.Family `json:"family,omitempty"`
	Entries  int          `json:"entries"`
	// Invalid counts the lines skipped at the last load; Problems holds
	// the first few, with their line numbers.
	Invalid  int       `json:"invalidLines"`
	Problems []string  `json:"problems,omitempty"`
	LoadedAt time.Time `json:"loadedAt,omitzero"`
	// Error is the last failure to read the list; when the list still has
	// entries they are the last good copy (Stale).
	Error     string `json:"error,omitempty"`
	Stale     bool   `json:"stale"`
	FromCache bool   `json:"fromCache"`
}

// OK reports whether the list is loaded and current.
func (s Status) OK() bool { return s.Error == "" }

const maxProblems = 5

// entry is one location the loader tracks.
type entry struct {
	spec      Spec
	ver       version
	list      *intel.List
	ranges    *intel.AWSRanges
	status    Status
	nextFetch time.Time
}

// Loader loads and refreshes threat intelligence.
type Loader struct {
	opts  Options
	log   *slog.Logger
	fetch *fetcher
	geo   *intel.GeoDB

	mu      sync.Mutex // guards entries and rebuilds
	entries []*entry
	geoStat []Status
	builtin []*intel.List
	current atomic.Pointer[intel.Intel]

	loaded *prometheus.GaugeVec
	fails  *prometheus.CounterVec
	stale  *prometheus.GaugeVec
}

// New returns a loader for opts; nothing is read until Load.
func New(opts Options) *Loader {
	if opts.Refresh <= 0 {
		opts.Refresh = time.Hour
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = 5 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &Loader{
		opts:  opts,
		log:   opts.Logger.With("component", "intel"),
		fetch: &fetcher{http: opts.HTTPClient, s3: opts.S3},
		loaded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_intel_list_entries", Help: "Entries of each loaded threat, trusted or feed list, by role.",
		}, []string{"role"}),
		fails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_intel_load_failures_total", Help: "Failed loads or refreshes of lists, by role.",
		}, []string{"role"}),
		stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_intel_stale_lists", Help: "Lists whose last refresh failed (the last good copy is in use), by role.",
		}, []string{"role"}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(l.loaded, l.fails, l.stale)
	}
	for _, s := range opts.Lists {
		l.entries = append(l.entries, &entry{spec: s, status: Status{
			Role: s.Role, Name: s.Name, Location: s.Location, Format: s.Format, Family: s.Family}})
	}
	if opts.AWSRanges != "" {
		l.entries = append(l.entries, &entry{spec: Spec{Role: RoleAWSRanges, Name: "aws-ip-ranges", Location: opts.AWSRanges},
			status: Status{Role: RoleAWSRanges, Name: "aws-ip-ranges", Location: opts.AWSRanges}})
	}
	if opts.Builtin {
		l.builtin = intel.BuiltinTestDomains()
	}
	l.current.Store(&intel.Intel{})
	return l
}

// Current returns the latest intelligence; never nil.
func (l *Loader) Current() *intel.Intel { return l.current.Load() }

// Load reads every list once and publishes the result. Lists that cannot
// be read are left out (or taken from the cache) and reported in the
// returned error and in Status; the rest are in use either way.
func (l *Loader) Load(ctx context.Context) error {
	var errs []error
	if l.opts.GeoCity != "" || l.opts.GeoASN != "" {
		geo, err := intel.OpenGeoDB(l.opts.GeoCity, l.opts.GeoASN)
		if err != nil {
			errs = append(errs, err)
			l.log.Error("GeoIP databases not loaded; findings are not enriched with locations", "err", err)
			l.geoStat = []Status{{Role: RoleGeoIP, Name: "geoip", Location: strings.Trim(l.opts.GeoCity+" "+l.opts.GeoASN, " "), Error: err.Error()}}
		} else {
			l.geo = geo
			for _, db := range geo.Databases() {
				l.geoStat = append(l.geoStat, Status{Role: RoleGeoIP, Name: db.Type, Location: db.Path, Format: intel.Format("MMDB"),
					Entries: db.NodeCount, LoadedAt: time.Now()})
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.entries {
		if err := l.refresh(ctx, e, true); err != nil {
			errs = append(errs, err)
		}
	}
	l.publish()
	return errors.Join(errs...)
}

// Run refreshes the lists until ctx is done.
func (l *Loader) Run(ctx context.Context) error {
	t := time.NewTicker(l.opts.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			l.Poll(ctx, false)
		}
	}
}

// Poll refreshes the lists that are due (all of them with force) and
// publishes a new Intel when any changed. It reports whether one did.
func (l *Loader) Poll(ctx context.Context, force bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := false
	now := time.Now()
	for _, e := range l.entries {
		if !force && !isLocal(e.spec.Location) && now.Before(e.nextFetch) {
			continue
		}
		before := e.status.LoadedAt
		_ = l.refresh(ctx, e, false)
		changed = changed || !e.status.LoadedAt.Equal(before)
	}
	if changed {
		l.publish()
	}
	return changed
}

// SetAPILists replaces the lists managed through the API (specs with an
// ID) and loads the new ones at once; the lists of vigil.yaml stay.
func (l *Loader) SetAPILists(ctx context.Context, specs []Spec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := map[string]*entry{}
	kept := l.entries[:0:0]
	for _, e := range l.entries {
		if e.spec.ID == "" {
			kept = append(kept, e)
		} else {
			old[e.spec.ID] = e
		}
	}
	for _, s := range specs {
		if e, ok := old[s.ID]; ok && e.spec == s {
			kept = append(kept, e)
			continue
		}
		e := &entry{spec: s, status: Status{Role: s.Role, Name: s.Name, Location: s.Location, Format: s.Format, Family: s.Family}}
		_ = l.refresh(ctx, e, true)
		kept = append(kept, e)
	}
	l.entries = kept
	l.publish()
}

// StatusOf returns the state of the API-managed list with an id.
func (l *Loader) StatusOf(id string) (Status, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.entries {
		if e.spec.ID == id && id != "" {
			return e.status, true
		}
	}
	return Status{}, false
}

// Status returns the state of every list, in configuration order.
func (l *Loader) Status() []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Status, 0, len(l.entries)+len(l.builtin))
	for _, e := range l.entries {
		out = append(out, e.status)
	}
	out = append(out, l.geoStat...)
	for _, b := range l.builtin {
		out = append(out, Status{Role: RoleBuiltin, Name: b.Name, Location: "built in", Format: b.Format, Family: b.Family, Entries: b.Len()})
	}
	return out
}

// Geo returns the GeoIP databases, nil when none are configured.
func (l *Loader) Geo() *intel.GeoDB { return l.geo }

// refresh fetches e if it changed and parses it. On failure the previous
// copy stays; on a first load the cached copy is used when there is one.
func (l *Loader) refresh(ctx context.Context, e *entry, first bool) error {
	e.nextFetch = time.Now().Add(l.opts.Refresh)
	b, v, err := l.fetch.fetch(ctx, e.spec.Location, e.ver)
	if errors.Is(err, errUnchanged) { // readable again, and the same as the copy in use
		e.status.Error, e.status.Stale = "", false
		return nil
	}
	fromCache := false
	if err != nil && first {
		if cached, cerr := os.ReadFile(l.cachePath(e.spec)); cerr == nil {
			l.log.Warn("list cannot be read; using the cached copy", "list", e.spec.Name, "location", e.spec.Location, "err", err)
			b, fromCache, e.status.Error = cached, true, err.Error()
			err = nil
		}
	}
	if err == nil {
		err = l.parse(e, b)
	}
	if err != nil {
		l.fails.WithLabelValues(string(e.spec.Role)).Inc()
		e.status.Stale = e.list != nil || e.ranges != nil
		if e.status.Error != err.Error() { // log a failure once, not at every check
			l.log.Error("list not loaded", "list", e.spec.Name, "location", e.spec.Location, "keeping_last_good", e.status.Stale, "err", err)
		}
		e.status.Error = err.Error()
		return fmt.Errorf("%s list %q: %w", e.spec.Role, e.spec.Name, err)
	}
	e.status.FromCache = fromCache
	e.status.Stale = fromCache
	if !fromCache {
		e.ver = v
		e.status.Error = ""
		l.writeCache(e.spec, b)
	}
	e.status.LoadedAt = time.Now()
	return nil
}

// parse parses b as e's list and installs it; line errors are recorded,
// a list over its limit keeps the entries up to the limit and is reported.
func (l *Loader) parse(e *entry, b []byte) error {
	if e.spec.Role == RoleAWSRanges {
		r, lineErrs, err := intel.ParseAWSRanges(bytes.NewReader(b), e.spec.Location)
		if err != nil {
			return err
		}
		e.ranges = r
		l.noteProblems(e, lineErrs, r.Len())
		return nil
	}
	list, lineErrs, err := intel.Parse(e.spec.Format, bytes.NewReader(b), e.spec.Name, e.spec.Limit)
	if err != nil && !errors.Is(err, intel.ErrLimitExceeded) {
		return err
	}
	list.Family = e.spec.Family
	e.list = list
	l.noteProblems(e, lineErrs, list.Len())
	if err != nil {
		l.log.Error("list truncated at its entry limit; raise intel.limits to load all of it",
			"list", e.spec.Name, "limit", e.spec.Limit)
		e.status.Problems = append(e.status.Problems, err.Error())
	}
	return nil
}

func (l *Loader) noteProblems(e *entry, lineErrs []*intel.LineError, n int) {
	e.status.Entries = n
	e.status.Invalid = len(lineErrs)
	e.status.Problems = nil
	for i, le := range lineErrs {
		if i == maxProblems {
			break
		}
		e.status.Problems = append(e.status.Problems, le.Error())
	}
	if len(lineErrs) > 0 {
		l.log.Warn("invalid lines skipped", "list", e.spec.Name, "count", len(lineErrs), "first", lineErrs[0].Error())
	}
}

// publish builds a new Intel from every loaded list. Called with mu held.
func (l *Loader) publish() {
	var threats, trusted []*intel.List
	var ranges *intel.AWSRanges
	counts := map[Role]int{}
	stale := map[Role]int{}
	for _, e := range l.entries {
		counts[e.spec.Role] += e.status.Entries
		if e.status.Stale {
			stale[e.spec.Role]++
		}
		switch {
		case e.ranges != nil:
			ranges = e.ranges
		case e.list == nil:
		case e.spec.Role == RoleTrusted:
			trusted = append(trusted, e.list)
		default:
			threats = append(threats, e.list)
		}
	}
	threats = append(threats, l.builtin...)
	for _, r := range []Role{RoleThreat, RoleTrusted, RoleFeed, RoleAWSRanges} {
		l.loaded.WithLabelValues(string(r)).Set(float64(counts[r]))
		l.stale.WithLabelValues(string(r)).Set(float64(stale[r]))
	}
	in := &intel.Intel{Threats: intel.NewSet(threats...), Geo: l.geo, AWS: ranges}
	if len(trusted) > 0 {
		in.Trusted = intel.NewSet(trusted...)
	}
	if len(l.opts.AccountIPs) > 0 {
		in.AccountIPs = map[string]*intel.Set{}
		for acct, ps := range l.opts.AccountIPs {
			list := &intel.List{Name: "account " + acct}
			for _, p := range ps {
				list.Entries = append(list.Entries, intel.Entry{Prefix: p})
			}
			in.AccountIPs[acct] = intel.NewSet(list)
		}
	}
	l.current.Store(in)
}

func (l *Loader) cachePath(s Spec) string {
	if l.opts.CacheDir == "" {
		return ""
	}
	h := sha256.Sum256([]byte(string(s.Role) + "\x00" + s.Name + "\x00" + s.Location))
	return filepath.Join(l.opts.CacheDir, hex.EncodeToString(h[:12])+".list")
}

// writeCache keeps a copy of a remote list that was read and parsed, so a
// restart while the location is unreachable still has it.
func (l *Loader) writeCache(s Spec, b []byte) {
	path := l.cachePath(s)
	if path == "" || isLocal(s.Location) {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		l.log.Warn("list cache", "err", err)
		return
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		l.log.Warn("list cache", "err", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		l.log.Warn("list cache", "err", err)
	}
}
