package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// uploadTree puts every file under dir into the bucket, keyed by its path
// relative to dir, and returns the keys.
func uploadTree(t *testing.T, s *versitygw.Server, bucket, dir string, only func(string) bool) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := filepath.ToSlash(rel)
		if only != nil && !only(key) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.Put(t, bucket, key, b)
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestS3AnalyzeAndServe reads CloudTrail delivery files from a real
// S3-compatible server (versitygw): "vigil analyze s3://..." finds what it
// finds on the local copy, and "vigil serve --watch s3://..." reads objects
// uploaded later exactly once.
func TestS3AnalyzeAndServe(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	logs, data := t.TempDir(), t.TempDir()
	mustVigil(t, "simulate", "--out", logs, "--events", "8000", "--accounts", "2", "--all-attacks", "--seed", "5")
	s.CreateBucket(t, "trail")
	// About half of the delivery files now, the rest later.
	firstHalf := func(k string) bool { return strings.HasPrefix(k, "AWSLogs/") && halfOf(k) }
	if n := len(uploadTree(t, s, "trail", logs, firstHalf)); n == 0 {
		t.Fatal("no files in the first half")
	}

	env := []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region}
	s3args := []string{"--s3-endpoint", s.Endpoint, "--config", intelConfig(logs)}

	// serve: one pass over what is uploaded so far.
	serveOnce := func() {
		t.Helper()
		args := append([]string{"serve", "--once", "--data-dir", data, "--watch", "s3://trail/AWSLogs/"}, s3args...)
		if _, errOut, code := vigilEnv(t, env, args...); code != 0 {
			t.Fatalf("serve exit %d: %s", code, errOut)
		}
	}
	serveOnce()
	early := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	uploadTree(t, s, "trail", logs, func(k string) bool { return strings.HasPrefix(k, "AWSLogs/") && !firstHalf(k) })
	serveOnce()
	serveOnce() // nothing new: counts must not change

	local := idCounts(decodeFindings(t, mustVigil(t, "analyze", "--json", "--quiet", "--config", intelConfig(logs), filepath.Join(logs, "AWSLogs"))))
	if len(early) == 0 || len(early) >= len(local) {
		t.Fatalf("first pass stored %d of %d findings; want some but not all, or the test proves nothing", len(early), len(local))
	}
	out, errOut, code := vigilEnv(t, env, append([]string{"analyze", "--json", "--quiet", "s3://trail/AWSLogs/"}, s3args...)...)
	if code != 0 {
		t.Fatalf("analyze s3:// exit %d: %s", code, errOut)
	}
	if diff := cmp.Diff(local, idCounts(decodeFindings(t, out))); diff != "" {
		t.Errorf("analyze s3:// differs from the local copy (-local +s3):\n%s", diff)
	}
	stored := idCounts(decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data)))
	if diff := cmp.Diff(local, stored); diff != "" {
		t.Errorf("serve --watch s3:// stored different findings (-local +stored):\n%s", diff)
	}

	// A missing bucket is a clear error, not a crash.
	_, errOut, code = vigilEnv(t, env, append([]string{"analyze", "s3://no-such-bucket/"}, s3args...)...)
	if code == 0 || !strings.Contains(errOut, "no-such-bucket") {
		t.Errorf("analyze of a missing bucket: exit %d, stderr %q; want an error naming the bucket", code, errOut)
	}
}

// halfOf splits keys deterministically into two halves.
func halfOf(k string) bool {
	h := 0
	for _, c := range k {
		h = h*31 + int(c)
	}
	return h&1 == 0
}
