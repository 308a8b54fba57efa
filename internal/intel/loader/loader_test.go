package loader

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/intel"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

var (
	listed   = netip.MustParseAddr("198.51.100.7")
	unlisted = netip.MustParseAddr("203.0.113.7")
)

func write(t *testing.T, path, text string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func threatSpec(loc string) Spec {
	return Spec{Role: RoleThreat, Name: "corp", Location: loc, Format: intel.TXT, Family: intel.FamilyCustom, Limit: 100}
}

func TestFileListReloadsOnChangeAndKeepsLastGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "corp.txt")
	t0 := time.Now().Add(-time.Hour)
	write(t, path, "# corp list\n198.51.100.0/24\nnot an address!\n", t0)
	l := New(Options{Lists: []Spec{threatSpec(path)}})
	if err := l.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if ms := l.Current().ThreatIP(listed); len(ms) != 1 || ms[0].ListName != "corp" || ms[0].Family != intel.FamilyCustom {
		t.Fatalf("ThreatIP(%s) = %v, want the corp list", listed, ms)
	}
	st := l.Status()[0]
	if st.Entries != 1 || st.Invalid != 1 || !strings.Contains(st.Problems[0], "corp:3:") {
		t.Errorf("status = %+v, want 1 entry and line 3 reported", st)
	}

	if l.Poll(context.Background(), false) {
		t.Error("Poll reported a change of an unchanged file")
	}
	write(t, path, "203.0.113.0/24\n", t0.Add(time.Minute))
	if !l.Poll(context.Background(), false) {
		t.Fatal("Poll did not see the changed file")
	}
	if ms := l.Current().ThreatIP(unlisted); len(ms) != 1 {
		t.Errorf("after the change ThreatIP(%s) = %v", unlisted, ms)
	}
	if ms := l.Current().ThreatIP(listed); len(ms) != 0 {
		t.Errorf("after the change ThreatIP(%s) = %v, want none", listed, ms)
	}

	os.Remove(path)
	l.Poll(context.Background(), false)
	if ms := l.Current().ThreatIP(unlisted); len(ms) != 1 {
		t.Errorf("a removed file dropped its list: ThreatIP = %v, want the last good copy", ms)
	}
	st = l.Status()[0]
	if st.Error == "" || !st.Stale || st.Entries != 1 {
		t.Errorf("status after removal = %+v, want an error, stale, 1 entry", st)
	}
}

func TestHTTPSListConditionalRefreshAndCache(t *testing.T) {
	var body atomic.Value
	body.Store("198.51.100.0/24\n")
	var fetches, fails atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails.Load() > 0 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		b := body.Load().(string)
		etag := `"` + strings.TrimSpace(b) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fetches.Add(1)
		w.Header().Set("ETag", etag)
		w.Write([]byte(b))
	}))
	defer srv.Close()
	cache := t.TempDir()
	opts := Options{Lists: []Spec{threatSpec(srv.URL + "/corp.txt")}, HTTPClient: srv.Client(), CacheDir: cache}
	l := New(opts)
	if err := l.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(l.Current().ThreatIP(listed)) != 1 {
		t.Fatal("https list not loaded")
	}
	if l.Poll(context.Background(), true); fetches.Load() != 1 {
		t.Errorf("an unchanged list was downloaded again (%d downloads)", fetches.Load())
	}
	body.Store("203.0.113.0/24\n")
	if !l.Poll(context.Background(), true) || len(l.Current().ThreatIP(unlisted)) != 1 {
		t.Fatal("changed https list not reloaded")
	}

	fails.Store(1)
	l.Poll(context.Background(), true)
	if len(l.Current().ThreatIP(unlisted)) != 1 || !l.Status()[0].Stale {
		t.Errorf("server down: list lost or not marked stale: %+v", l.Status()[0])
	}
	// A restart while the server is down starts from the cached copy.
	l2 := New(opts)
	l2.Load(context.Background())
	if len(l2.Current().ThreatIP(unlisted)) != 1 {
		t.Fatal("restart while the server is down: cached copy not used")
	}
	if st := l2.Status()[0]; !st.FromCache || st.Error == "" {
		t.Errorf("status = %+v, want from cache with the error", st)
	}
}

func TestLimitKeepsEntriesUpToIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.txt")
	write(t, path, "192.0.2.1\n192.0.2.2\n192.0.2.3\n", time.Now())
	s := threatSpec(path)
	s.Limit = 2
	l := New(Options{Lists: []Spec{s}})
	if err := l.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := l.Status()[0]
	if st.Entries != 2 || len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "more than 2 entries") {
		t.Errorf("status = %+v, want 2 entries and the limit reported", st)
	}
}

func TestTrustedAndBuiltin(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "t.txt"), "198.51.100.0/24\n", time.Now())
	write(t, filepath.Join(dir, "x.txt"), "198.51.100.0/24\n", time.Now())
	l := New(Options{Builtin: true, Lists: []Spec{
		{Role: RoleTrusted, Name: "office", Location: filepath.Join(dir, "t.txt"), Format: intel.TXT, Limit: 10},
		threatSpec(filepath.Join(dir, "x.txt")),
	}})
	if err := l.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	in := l.Current()
	if !in.TrustedIP(listed) || in.TrustedIP(unlisted) {
		t.Error("trusted list not applied")
	}
	if ms := in.ThreatDomain("guarddutyc2activityb.com"); len(ms) == 0 || ms[0].Family != intel.FamilyC2 {
		t.Errorf("built-in test domain: %v", ms)
	}
}

func TestMissingListIsReported(t *testing.T) {
	l := New(Options{Lists: []Spec{threatSpec(filepath.Join(t.TempDir(), "absent.txt"))}})
	err := l.Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), `threat list "corp"`) {
		t.Fatalf("Load = %v, want an error naming the list", err)
	}
	if st := l.Status()[0]; st.OK() || st.Entries != 0 {
		t.Errorf("status = %+v", st)
	}
}

func TestS3List(t *testing.T) {
	gw := versitygw.Start(t, versitygw.Options{})
	gw.CreateBucket(t, "intel")
	gw.Put(t, "intel", "lists/corp.txt", []byte("198.51.100.0/24\n"))
	gw.Put(t, "intel", "ip-ranges.json", []byte(`{"syncToken":"1","createDate":"2024-05-01-00-00-00","prefixes":[
	  {"ip_prefix":"3.80.0.0/12","region":"us-east-1","service":"EC2","network_border_group":"us-east-1"}],"ipv6_prefixes":[]}`))
	l := New(Options{
		Lists:     []Spec{threatSpec("s3://intel/lists/corp.txt")},
		AWSRanges: "s3://intel/ip-ranges.json",
		S3:        s3Options(gw),
	})
	if err := l.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	in := l.Current()
	if len(in.ThreatIP(listed)) != 1 {
		t.Error("s3 list not loaded")
	}
	if r, ok := in.InAWS(netip.MustParseAddr("3.81.0.1")); !ok || r.Region != "us-east-1" {
		t.Errorf("InAWS = %+v, %v", r, ok)
	}
	if l.Poll(context.Background(), true) {
		t.Error("unchanged S3 objects reported as changed")
	}
	gw.Put(t, "intel", "lists/corp.txt", []byte("203.0.113.0/24\n"))
	if !l.Poll(context.Background(), true) || len(l.Current().ThreatIP(unlisted)) != 1 {
		t.Error("changed S3 object not reloaded")
	}
}

func s3Options(gw *versitygw.Server) source.S3Options {
	return source.S3Options{Endpoint: gw.Endpoint, Region: gw.Region, PathStyle: true, AccessKeyID: gw.AccessKey, SecretAccessKey: gw.SecretKey}
}

func TestAPIListsReplaceOnlyTheirs(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "cfg.txt"), "198.51.100.0/24\n", time.Now())
	write(t, filepath.Join(dir, "api.txt"), "203.0.113.0/24\n", time.Now())
	l := New(Options{Lists: []Spec{threatSpec(filepath.Join(dir, "cfg.txt"))}})
	if err := l.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := Spec{ID: "0123456789abcdef0123456789abcdef", Role: RoleThreat, Name: "api-list", Location: filepath.Join(dir, "api.txt"),
		Format: intel.TXT, Family: intel.FamilyCustom, Limit: 10}
	l.SetAPILists(context.Background(), []Spec{api})
	if len(l.Current().ThreatIP(unlisted)) != 1 || len(l.Current().ThreatIP(listed)) != 1 {
		t.Fatal("API list not added beside the configured one")
	}
	if st, ok := l.StatusOf(api.ID); !ok || st.Entries != 1 {
		t.Errorf("StatusOf = %+v, %v", st, ok)
	}
	l.SetAPILists(context.Background(), nil)
	if len(l.Current().ThreatIP(unlisted)) != 0 || len(l.Current().ThreatIP(listed)) != 1 {
		t.Error("removing the API list removed the wrong one")
	}
}
