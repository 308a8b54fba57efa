package export

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/source"
)

// keyPattern is GuardDuty's export layout.
var keyPattern = regexp.MustCompile(`^(?:(.+)/)?AWSLogs/(\d{12}|unknown)/GuardDuty/([a-z0-9-]+|unknown)/(\d{4})/(\d{2})/(\d{2})/([0-9a-f]{32})(\.jsonl\.gz|\.asff\.jsonl\.gz|\.ocsf\.jsonl\.gz)$`)

// batch returns findings of two accounts, two regions and two days.
func batch(t *testing.T) []finding.Finding {
	t.Helper()
	var fs []finding.Finding
	for i, typ := range []string{"UnauthorizedAccess:EC2/SSHBruteForce", "Recon:EC2/PortProbeUnprotectedPort",
		"Recon:IAMUser/MaliciousIPCaller", "Trojan:EC2/DGADomainRequest.C!DNS", "Policy:S3/BucketAnonymousAccessGranted"} {
		f := sample(t, typ)
		switch i {
		case 1:
			f.AccountID = "210987654321"
		case 2:
			f.Region = "us-east-1"
		case 3:
			f.UpdatedAt = finding.At(f.UpdatedAt.Add(24 * time.Hour))
		}
		fs = append(fs, f)
	}
	return fs
}

// gunzipLines returns the JSON lines of a gzip-compressed object.
func gunzipLines(t *testing.T, body []byte) [][]byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// readTree returns every file under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	return files
}

// checkLayout checks keys against GuardDuty's layout and the findings they
// hold against their key, and returns the findings' ids by key.
func checkLayout(t *testing.T, objects map[string][]byte, prefix string) map[string][]string {
	t.Helper()
	ids := map[string][]string{}
	for key, body := range objects {
		m := keyPattern.FindStringSubmatch(key)
		if m == nil || m[1] != prefix || m[8] != ".jsonl.gz" {
			t.Errorf("key %q is not in GuardDuty's layout under %q", key, prefix)
			continue
		}
		lines := gunzipLines(t, body)
		for i, f := range parseGuardDuty(t, lines) {
			day := strings.Join(m[4:7], "/")
			if *f.AccountId != m[2] || *f.Region != m[3] || (*f.UpdatedAt)[:10] != strings.ReplaceAll(day, "/", "-") {
				t.Errorf("%s holds a finding of %s %s %s (line %d)", key, *f.AccountId, *f.Region, *f.UpdatedAt, i)
			}
			ids[key] = append(ids[key], *f.Id)
		}
	}
	return ids
}

func TestFolderWriterLayout(t *testing.T) {
	dir := t.TempDir()
	fs := batch(t)
	w := NewFolderWriter(dir)
	keys, err := w.Write(context.Background(), "", fs)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 4 {
		t.Errorf("%d objects for two accounts, two regions and two days: %q", len(keys), keys)
	}
	objects := readTree(t, dir)
	if len(objects) != len(keys) {
		t.Errorf("folder holds %d files, want %d: %v", len(objects), len(keys), sortedKeys(asStrings(objects)))
	}
	ids := checkLayout(t, objects, "")
	var all []string
	for _, v := range ids {
		all = append(all, v...)
	}
	var want []string
	for _, f := range fs {
		want = append(want, f.ID)
	}
	sort.Strings(all)
	sort.Strings(want)
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("ids written (-want +got):\n%s", diff)
	}

	// The same batch again writes the same files with the same bytes.
	again, err := w.Write(context.Background(), "", fs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keys, again); diff != "" {
		t.Errorf("a retried batch wrote other keys (-first +retry):\n%s", diff)
	}
	if diff := cmp.Diff(asStrings(objects), asStrings(readTree(t, dir))); diff != "" {
		t.Errorf("a retried batch changed the folder:\n%s", diff)
	}

	// A higher count is another batch: new objects beside the old.
	fs[0].Service.Count++
	newer, _ := w.Write(context.Background(), "", fs[:1])
	if len(newer) != 1 || slices.Contains(keys, newer[0]) {
		t.Errorf("an updated finding was written to %q, one of the earlier keys %q", newer, keys)
	}
}

func TestFolderWriterFormats(t *testing.T) {
	f := sample(t, "UnauthorizedAccess:EC2/SSHBruteForce")
	for _, fm := range Formats {
		dir := t.TempDir()
		keys, err := NewFolderWriter(dir, WithFormat(fm)).Write(context.Background(), "batch-1", []finding.Finding{f})
		if err != nil || len(keys) != 1 {
			t.Fatalf("%s: %q, %v", fm, keys, err)
		}
		if !strings.HasSuffix(keys[0], fm.suffix()) || keyPattern.FindString(keys[0]) == "" {
			t.Errorf("%s: key %q", fm, keys[0])
		}
		body, err := os.ReadFile(filepath.Join(dir, keys[0]))
		if err != nil {
			t.Fatal(err)
		}
		lines := gunzipLines(t, body)
		want, _ := fm.Render(f)
		if len(lines) != 1 || !bytes.Equal(lines[0], want) {
			t.Errorf("%s: object holds %q, want the rendering", fm, lines)
		}
		if fm == FormatASFF {
			parseASFF(t, lines)
		}
	}
}

func TestSendIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	w := NewFolderWriter(dir, WithName("archive"))
	if w.Name() != "archive" {
		t.Errorf("Name() = %q", w.Name())
	}
	m := notify.Message{ID: "digest-42", Route: "all", Findings: batch(t)[:1]}
	if err := w.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	first := readTree(t, dir)
	if err := w.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(asStrings(first), asStrings(readTree(t, dir))); diff != "" {
		t.Errorf("a retried message changed the folder:\n%s", diff)
	}
	m.ID = "digest-43"
	w.Send(context.Background(), m)
	if n := len(readTree(t, dir)); n != 2 {
		t.Errorf("another message id wrote %d objects in all, want 2", n)
	}
	if err := w.Send(context.Background(), notify.Message{ID: "empty"}); err != nil {
		t.Errorf("an empty message: %v", err)
	}
}

func TestFolderWriterKeepsOddSegmentsInside(t *testing.T) {
	dir := t.TempDir()
	f := sample(t, "Recon:EC2/Portscan")
	f.AccountID, f.Region = "../../..", "a/../../b"
	keys, err := NewFolderWriter(dir).Write(context.Background(), "", []finding.Finding{f, {ID: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"AWSLogs/________/GuardDuty/a_______b/",
		"AWSLogs/unknown/GuardDuty/unknown/1970/01/01/",
	}
	for i, k := range keys {
		if !strings.HasPrefix(k, want[i]) {
			t.Errorf("key %q, want it under %s", k, want[i])
		}
	}
	if n := len(readTree(t, dir)); n != 2 {
		t.Errorf("%d files inside %s, want 2", n, dir)
	}
}

func TestRenderErrorIsPermanent(t *testing.T) {
	f := sample(t, "Recon:EC2/Portscan")
	f.Severity = nan()
	err := NewFolderWriter(t.TempDir()).Send(context.Background(), notify.Message{ID: "x", Findings: []finding.Finding{f}})
	if err == nil || !notify.IsPermanent(err) {
		t.Errorf("Send of an unrenderable finding = %v, want a permanent error", err)
	}
}

// fakeS3 is a loopback S3 endpoint that records PutObject requests and
// answers with a chosen status.
type fakeS3 struct {
	mu      sync.Mutex
	status  int
	puts    map[string][]byte
	headers map[string]http.Header
}

func startFakeS3(t *testing.T, status int) (*fakeS3, string) {
	t.Helper()
	f := &fakeS3{status: status, puts: map[string][]byte{}, headers: map[string]http.Header{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPut {
			http.Error(w, "PutObject only", http.StatusMethodNotAllowed)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.status != http.StatusOK {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(f.status)
			io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>no</Message></Error>`)
			return
		}
		f.puts[r.URL.Path] = body
		f.headers[r.URL.Path] = r.Header.Clone()
		w.Header().Set("ETag", `"0"`)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func s3WriterFor(t *testing.T, endpoint string, cfg Config) *Writer {
	t.Helper()
	cfg.S3 = source.S3Options{Endpoint: endpoint, PathStyle: true, Region: "eu-west-1",
		AccessKeyID: "AKIAVIGILEXPORTTEST1", SecretAccessKey: "export-test-secret"}
	w, err := New("siem", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestS3WriterAsksForSSEKMS(t *testing.T) {
	fake, url := startFakeS3(t, http.StatusOK)
	const key = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	w := s3WriterFor(t, url, Config{URL: "s3://findings/exports/", KMSKeyID: key})
	if w.Name() != "siem" {
		t.Errorf("Name() = %q", w.Name())
	}
	keys, err := w.Write(context.Background(), "m1", batch(t)[:1])
	if err != nil {
		t.Fatal(err)
	}
	path := "/findings/" + keys[0]
	h := fake.headers[path]
	if h == nil {
		t.Fatalf("no PUT of %s; got %v", path, sortedKeys(asStrings(fake.puts)))
	}
	if h.Get("X-Amz-Server-Side-Encryption") != "aws:kms" || h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != key {
		t.Errorf("PUT headers %v, want SSE-KMS with the key", h)
	}
	if !strings.HasPrefix(keys[0], "exports/AWSLogs/123456789012/GuardDuty/eu-west-1/") {
		t.Errorf("key %q", keys[0])
	}
	if got := gunzipLines(t, fake.puts[path]); len(got) != 1 {
		t.Errorf("object holds %d lines", len(got))
	}

	plain := s3WriterFor(t, url, Config{URL: "s3://findings"})
	keys, _ = plain.Write(context.Background(), "m1", batch(t)[:1])
	if h := fake.headers["/findings/"+keys[0]]; h.Get("X-Amz-Server-Side-Encryption") != "" {
		t.Errorf("SSE asked for without a key: %v", h)
	}
}

func TestS3ErrorsPermanentOrNot(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusForbidden, true},
		{http.StatusNotFound, true},
		{http.StatusTooManyRequests, false},
		{http.StatusServiceUnavailable, false},
	} {
		_, url := startFakeS3(t, tc.status)
		client := s3.New(s3.Options{BaseEndpoint: aws.String(url), UsePathStyle: true, Region: "eu-west-1",
			Credentials:      credentials.NewStaticCredentialsProvider("AKIAVIGILEXPORTTEST1", "export-test-secret", ""),
			RetryMaxAttempts: 1})
		w := NewS3Writer(client, "findings", "")
		err := w.Send(context.Background(), notify.Message{ID: "m", Findings: batch(t)[:1]})
		if err == nil || notify.IsPermanent(err) != tc.permanent {
			t.Errorf("HTTP %d: Send = %v, permanent %v, want permanent %v", tc.status, err, notify.IsPermanent(err), tc.permanent)
		}
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		cfg      Config
		location string // the writer's default name; "" when the config is bad
	}{
		{Config{URL: "s3://bucket/some/prefix/"}, "s3://bucket/some/prefix"},
		{Config{URL: "s3://bucket"}, "s3://bucket"},
		{Config{URL: "file://" + dir}, dir},
		{Config{URL: dir + "/sub"}, dir + "/sub"},
		{Config{URL: dir, Format: "ocsf"}, dir},
		{Config{URL: ""}, ""},
		{Config{URL: "s3://"}, ""},
		{Config{URL: "https://example.com/x"}, ""},
		{Config{URL: "file://host/dir"}, ""},
		{Config{URL: dir, Format: "xml"}, ""},
	} {
		err := tc.cfg.Validate()
		w, nerr := New("", tc.cfg)
		if tc.location == "" {
			if err == nil || nerr == nil {
				t.Errorf("%+v: Validate() = %v, New: %v; want errors", tc.cfg, err, nerr)
			}
			continue
		}
		if err != nil || nerr != nil {
			t.Errorf("%+v: Validate() = %v, New: %v", tc.cfg, err, nerr)
			continue
		}
		if w.Name() != tc.location {
			t.Errorf("%+v: writer %q, want %q", tc.cfg, w.Name(), tc.location)
		}
	}
	if _, err := New("x", Config{URL: "s3://b", S3: source.S3Options{AccessKeyID: "only-half"}}); err == nil {
		t.Error("New with half a key pair: no error")
	}
	if err := (Config{URL: "nope://x"}).Validate(); !errors.Is(err, ErrBadURL) {
		t.Errorf("Validate of nope://x = %v, want ErrBadURL", err)
	}
}

func asStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func nan() float64 { return math.NaN() }
