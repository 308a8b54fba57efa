package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/runbook"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

var (
	testAdmin    = api.User{Name: "admin", AccessKeyID: "AKIAVIGILWEBADMIN001", SecretAccessKey: "web-admin-secret-for-tests", Role: api.RoleAdmin}
	testReadOnly = api.User{Name: "auditor", AccessKeyID: "AKIAVIGILWEBREAD0001", SecretAccessKey: "web-read-only-secret-tests", Role: api.RoleReadOnly}
)

const testDetectorID = "5f0e1d2c3b4a59687766554433221100"

// testConsole is a console over a real API server and SQLite store.
type testConsole struct {
	h     http.Handler
	db    *sqlite.DB
	api   http.Handler // the API's handler
	users *api.Users
}

// newTestConsole returns a console; each option changes its Options.
func newTestConsole(t *testing.T, options ...func(*Options)) *testConsole {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := api.NewUsers([]api.User{testAdmin, testReadOnly})
	srv := api.New(api.Options{DetectorID: testDetectorID, AccountID: "111122223333", Store: db, Users: users})
	o := Options{API: srv.Handler(), Users: users, DetectorID: testDetectorID, Store: db}
	for _, f := range options {
		f(&o)
	}
	c := New(o)
	return &testConsole{h: c.Handler(), db: db, api: srv.Handler(), users: users}
}

// seed stores n findings: severities cycle Low, Medium, High, Critical.
func (tc *testConsole) seed(t *testing.T, n int) []finding.Finding {
	t.Helper()
	sevs := []float64{2, 5, 8, 9}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var fs []finding.Finding
	for i := range n {
		typ := fmt.Sprintf("Recon:IAMUser/Test%d", i%3)
		f := finding.Finding{ID: fmt.Sprintf("%032x", i+1), AccountID: "111122223333", Region: "us-east-1", Type: typ,
			Severity: sevs[i%4], Title: "test finding", Description: "a finding made by the test",
			CreatedAt: finding.At(now.Add(-time.Duration(i) * time.Minute)), UpdatedAt: finding.At(now.Add(-time.Duration(i) * time.Minute)),
			SchemaVersion: finding.SchemaVersion, Partition: "aws",
			Resource: finding.Resource{ResourceType: finding.ResourceAccessKey, AccessKeyDetails: &finding.AccessKeyDetails{AccessKeyID: "AKIAEXAMPLE", UserName: "alice"}},
			Service: finding.Service{DetectorID: testDetectorID, Count: 1, ServiceName: "guardduty", ResourceRole: "TARGET",
				EventFirstSeen: finding.At(now), EventLastSeen: finding.At(now)}}
		fs = append(fs, f)
	}
	if _, err := tc.db.UpsertFindings(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

// browser keeps one session cookie.
type browser struct {
	t      *testing.T
	h      http.Handler
	cookie *http.Cookie
}

func (b *browser) do(req *http.Request) *httptest.ResponseRecorder {
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			if c.MaxAge < 0 {
				b.cookie = nil
			} else {
				b.cookie = c
			}
		}
	}
	return rec
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf reads the CSRF token from a page.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	m := csrfRe.FindStringSubmatch(b.get(path).Body.String())
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

func signIn(t *testing.T, tc *testConsole, u api.User) *browser {
	t.Helper()
	b := &browser{t: t, h: tc.h}
	rec := b.post("/console/signin", url.Values{"access_key_id": {u.AccessKeyID}, "secret_access_key": {u.SecretAccessKey}})
	if rec.Code != http.StatusSeeOther || b.cookie == nil {
		t.Fatalf("sign-in as %s: status %d, cookie %v", u.Name, rec.Code, b.cookie)
	}
	return b
}

func TestWebSignInAndOut(t *testing.T) {
	tc := newTestConsole(t)
	b := &browser{t: t, h: tc.h}
	if rec := b.get("/console/findings"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/console/signin" {
		t.Fatalf("unauthenticated GET /console/findings = %d to %q, want 303 to the sign-in page", rec.Code, rec.Header().Get("Location"))
	}
	rec := b.post("/console/signin", url.Values{"access_key_id": {testAdmin.AccessKeyID}, "secret_access_key": {"wrong"}})
	if rec.Code != http.StatusUnauthorized || b.cookie != nil {
		t.Fatalf("sign-in with a wrong secret = %d (cookie %v), want 401 and no session", rec.Code, b.cookie)
	}
	if strings.Contains(rec.Body.String(), testAdmin.SecretAccessKey) {
		t.Error("the sign-in page shows the secret")
	}
	b = signIn(t, tc, testAdmin)
	c := b.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console/" || len(c.Value) != 64 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/console/, a 32-byte id", c)
	}
	if rec := b.get("/console/"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Summary") {
		t.Fatalf("GET /console/ signed in = %d", rec.Code)
	}
	token := b.csrf("/console/")
	old := *b.cookie
	if rec := b.post("/console/signout", url.Values{"csrf": {token}}); rec.Code != http.StatusSeeOther || b.cookie != nil {
		t.Fatalf("sign-out = %d, cookie %v", rec.Code, b.cookie)
	}
	b.cookie = &old // the old cookie no longer works
	if rec := b.get("/console/"); rec.Code != http.StatusSeeOther {
		t.Errorf("GET /console/ after sign-out = %d, want 303", rec.Code)
	}
}

func TestWebCSRFRejected(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 4)
	b := signIn(t, tc, testAdmin)
	path := "/console/findings/" + fs[0].ID + "/archive"
	for _, form := range []url.Values{{}, {"csrf": {strings.Repeat("0", 64)}}} {
		if rec := b.post(path, form); rec.Code != http.StatusForbidden {
			t.Errorf("POST %s with form %v = %d, want 403", path, form, rec.Code)
		}
	}
	if f, _ := tc.db.GetFinding(context.Background(), fs[0].ID); f.Service.Archived {
		t.Error("a POST without the CSRF token archived the finding")
	}
	if rec := b.post(path, url.Values{"csrf": {b.csrf("/console/")}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("POST %s with the token = %d, want 303", path, rec.Code)
	}
	if f, _ := tc.db.GetFinding(context.Background(), fs[0].ID); !f.Service.Archived {
		t.Error("archive with the CSRF token did not archive the finding")
	}
}

func TestWebReadOnlyCannotArchive(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 4)
	b := signIn(t, tc, testReadOnly)
	page := b.get("/console/findings/" + fs[0].ID)
	if page.Code != http.StatusOK {
		t.Fatalf("detail page = %d", page.Code)
	}
	for _, id := range []string{`id="archive"`, `id="suppress"`} {
		if strings.Contains(page.Body.String(), id) {
			t.Errorf("a read-only user sees the %s button", id)
		}
	}
	token := b.csrf("/console/")
	for _, op := range []string{"archive", "suppress"} {
		rec := b.post("/console/findings/"+fs[0].ID+"/"+op, url.Values{"csrf": {token}})
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "read-only") {
			t.Errorf("read-only %s = %d %q, want the API's 403", op, rec.Code, rec.Body.String())
		}
	}
	if f, _ := tc.db.GetFinding(context.Background(), fs[0].ID); f.Service.Archived {
		t.Error("a read-only user archived a finding")
	}
}

func TestWebSuppressCreatesArchiveFilter(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 4)
	b := signIn(t, tc, testAdmin)
	rec := b.post("/console/findings/"+fs[2].ID+"/suppress", url.Values{"csrf": {b.csrf("/console/")}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/console/filters?created=suppress-") {
		t.Fatalf("suppress = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	page := b.get(rec.Header().Get("Location")).Body.String()
	for _, want := range []string{"ARCHIVE", fs[2].Type, "111122223333", "suppress-"} {
		if !strings.Contains(page, want) {
			t.Errorf("the rules page lacks %q", want)
		}
	}
	// Suppressing again is not an error.
	if rec := b.post("/console/findings/"+fs[2].ID+"/suppress", url.Values{"csrf": {b.csrf("/console/")}}); rec.Code != http.StatusSeeOther {
		t.Errorf("suppressing twice = %d", rec.Code)
	}
}

func TestWebSummaryAndFindingsPaging(t *testing.T) {
	tc := newTestConsole(t)
	tc.seed(t, 120) // 30 of each severity band
	b := signIn(t, tc, testAdmin)
	sum := b.get("/console/").Body.String()
	for _, level := range []string{"Critical", "High", "Medium", "Low"} {
		if !strings.Contains(sum, `id="count-`+level+`" href="/console/findings?severity=`+level+`" data-n="30"`) {
			t.Errorf("summary count of %s is not 30", level)
		}
	}
	rec := b.get("/console/findings?severity=high&sort=severity&dir=desc")
	body := rec.Body.String()
	if n := strings.Count(body, `class="finding-link"`); n != pageSize {
		t.Fatalf("first page of High and above has %d rows, want %d", n, pageSize)
	}
	if strings.Contains(body, `data-severity="5"`) || strings.Contains(body, `data-severity="2"`) {
		t.Error("the High filter lists lower severities")
	}
	next := regexp.MustCompile(`href="([^"]+)" id="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next link on the first page of 60 findings")
	}
	body2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&")).Body.String()
	if n := strings.Count(body2, `class="finding-link"`); n != 10 {
		t.Errorf("second page has %d rows, want 10", n)
	}
	if !strings.Contains(body2, `id="prev"`) || strings.Contains(body2, `id="next"`) {
		t.Error("the last page should have a previous link and no next link")
	}
}

func TestWebPagesRender(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 8)
	for _, u := range []api.User{testAdmin, testReadOnly} {
		b := signIn(t, tc, u)
		for _, p := range []string{"/console/", "/console/findings", "/console/findings/" + fs[0].ID, "/console/filters",
			"/console/lists", "/console/scans", "/console/plans", "/console/usage", "/console/static/style.css"} {
			if rec := b.get(p); rec.Code != http.StatusOK {
				t.Errorf("%s: GET %s = %d: %s", u.Name, p, rec.Code, rec.Body.String())
			}
		}
		if rec := b.get("/console/findings/ffffffffffffffffffffffffffffffff"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown finding = %d, want 404", rec.Code)
		}
	}
}

// TestWebFindingShowsRunbook: a finding's page carries its type's runbook.
func TestWebFindingShowsRunbook(t *testing.T) {
	tc := newTestConsole(t)
	fs := tc.seed(t, 1)
	f := fs[0]
	f.ID, f.Type = "f0000000000000000000000000000001", "Policy:IAMUser/RootCredentialUsage"
	if _, err := tc.db.UpsertFindings(context.Background(), []finding.Finding{f}); err != nil {
		t.Fatal(err)
	}
	rb, ok := runbook.For(f.Type)
	if !ok {
		t.Fatalf("%s has no runbook", f.Type)
	}
	b := signIn(t, tc, testReadOnly)
	if body := b.get("/console/findings/" + fs[0].ID).Body.String(); strings.Contains(body, `id="runbook"`) {
		t.Errorf("a type without a runbook shows one")
	}
	body := b.get("/console/findings/" + f.ID).Body.String()
	for _, want := range []string{`id="runbook"`, "How to investigate", html.EscapeString(rb.Investigate[0]), html.EscapeString(rb.Respond[0])} {
		if !strings.Contains(body, want) {
			t.Errorf("the finding page lacks %q", want)
		}
	}
}
