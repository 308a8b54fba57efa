package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// TestMalwareProtectionNewVersions uploads a clean version and then an
// infected version of one key to a versioned bucket: each version is
// scanned on its own, and the first keeps its NO_THREATS_FOUND tag.
func TestMalwareProtectionNewVersions(t *testing.T) {
	var target atomic.Value
	target.Store("")
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if u := target.Load().(string); u != "" {
			if resp, err := http.Post(u, "application/json", bytes.NewReader(body)); err == nil {
				resp.Body.Close()
			}
		}
	}))
	defer relay.Close()
	s := versitygw.Start(t, versitygw.Options{Args: []string{"--event-webhook-url", relay.URL}, Versioning: true})
	s.CreateBucket(t, "versioned")
	ctx := context.Background()
	c := s.Client()
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("enable versioning: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	data := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "vigil.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`data_dir: %s
listen: %s
s3: {endpoint: %s, region: us-east-1, path_style: true, access_key_id: %s, secret_access_key: %s}
malware_protection:
  plans: [{bucket: versioned, key_decoding: raw}]
`, data, addr, s.Endpoint, s.AccessKey, s.SecretKey)), 0o600)
	cmd := exec.Command(vigilBin, "serve", "--config", cfgPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("vigil serve:\n%s", stderr.String())
		}
	}()
	waitHTTP(t, "http://"+addr+"/healthz")
	target.Store("http://" + addr + "/s3-events")

	put := func(body []byte) string {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("versioned"), Key: aws.String("doc.bin"), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	tagOf := func(version string) string {
		in := &s3.GetObjectTaggingInput{Bucket: aws.String("versioned"), Key: aws.String("doc.bin")}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		out, err := c.GetObjectTagging(ctx, in)
		if err != nil {
			return "error: " + err.Error()
		}
		for _, tg := range out.TagSet {
			if aws.ToString(tg.Key) == "GuardDutyMalwareScanStatus" {
				return aws.ToString(tg.Value)
			}
		}
		return ""
	}
	waitFor := func(version, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for tagOf(version) != want {
			if time.Now().After(deadline) {
				t.Fatalf("version %q: tag %q, want %q", version, tagOf(version), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	v1 := put([]byte("first version, clean\n"))
	waitFor(v1, "NO_THREATS_FOUND")
	v2 := put(eicar())
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("versions %q, %q: the server did not version the object", v1, v2)
	}
	waitFor(v2, "THREATS_FOUND")
	if got := tagOf(v1); got != "NO_THREATS_FOUND" {
		t.Errorf("first version's tag = %q after the second was scanned, want NO_THREATS_FOUND", got)
	}
}
