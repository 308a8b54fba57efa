// Package versitygw starts a real S3 server, versitygw
// (github.com/versity/versitygw) with its posix backend, for end-to-end
// tests. Tests that use it skip with a reason when the binary is absent;
// .ci/run installs it.
//
// It is test support only: production code must never import it.
package versitygw

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/testutil/proc"
)

// EnvBinary names the environment variable that may point at the binary.
const EnvBinary = "VIGIL_VERSITYGW"

// Install is how to get the binary, for skip messages.
const Install = "GOBIN=$HOME/go/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// Binary returns the path of the versitygw binary: $VIGIL_VERSITYGW, else
// versitygw on PATH, else $GOBIN or ~/go/bin; "" when there is none.
func Binary() string {
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(d)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	dirs = append(dirs, "/root/go/bin")
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Options adjusts the server. The zero value is a plain server.
type Options struct {
	// Args are extra global flags, placed before the posix subcommand,
	// such as "--event-webhook-url", url.
	Args []string
	// Sidecar keeps object metadata in a sidecar folder instead of
	// extended attributes, for filesystems without user xattrs.
	Sidecar bool
	// Versioning enables bucket versioning support (posix --versioning-dir).
	Versioning bool
}

// Server is a running versitygw.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // the posix backend's root; each bucket is a folder

	cmd *exec.Cmd
	out *proc.Buffer
}

// Start starts versitygw on a free 127.0.0.1 port with an empty temporary
// backend folder, waits until it is healthy, and stops it when the test
// ends. It skips the test when the binary is absent.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := Binary()
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", EnvBinary, p, err) // asked for, so not skipped
		}
	}
	if bin == "" {
		t.Skipf("versitygw not found (set %s, put it on PATH or in ~/go/bin): install with %s", EnvBinary, Install)
	}
	var lastErr error
	for range 3 { // the free port may be taken before versitygw binds it
		s, err := start(t, bin, opts)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("start versitygw: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, opts Options) (*Server, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	base := t.TempDir()
	s := &Server{
		Endpoint:  "http://127.0.0.1:" + port,
		AccessKey: "vigiltestkey",
		SecretKey: "vigiltestsecret123",
		Region:    "us-east-1",
		Dir:       filepath.Join(base, "data"),
		out:       &proc.Buffer{},
	}
	if err := os.Mkdir(s.Dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"--port", "127.0.0.1:" + port, "--health", "/health", "--quiet"}
	args = append(args, opts.Args...)
	args = append(args, "posix")
	if opts.Sidecar {
		meta := filepath.Join(base, "meta")
		if err := os.Mkdir(meta, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "--sidecar", meta)
	}
	if opts.Versioning {
		vdir := filepath.Join(base, "versions")
		if err := os.Mkdir(vdir, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "--versioning-dir", vdir)
	}
	args = append(args, s.Dir)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(cleanEnv(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	if err := s.waitHealthy(exited); err != nil {
		s.cmd.Process.Kill()
		return nil, err
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("versitygw output:\n%s", s.out.String())
		}
	})
	return s, nil
}

func (s *Server) waitHealthy(exited <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited (%v):\n%s", err, s.out.String())
		default:
		}
		resp, err := client.Get(s.Endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("versitygw not healthy after 15s:\n%s", s.out.String())
}

// Client returns an S3 client for the server (path-style, static keys).
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Region:                     s.Region,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		DisableLogOutputChecksumValidationSkipped: true,
	})
}

// CreateBucket creates a bucket or fails the test.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	if _, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
}

// Put uploads an object or fails the test.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// cleanEnv is the environment without settings that would change how
// versitygw runs (VGW_*, ROOT_*).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
