package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/malware/signature"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// eicar returns the EICAR test file (built at run time, so that no
// source file is flagged by scanners).
func eicar() []byte { return signature.EICAR() }

// awsCLI runs the Debian AWS CLI against the S3 server.
func awsCLI(t *testing.T, s *versitygw.Server, args ...string) string {
	t.Helper()
	const bin = "/usr/bin/aws"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("the Debian AWS CLI (/usr/bin/aws) is not installed: apt-get install awscli")
	}
	cmd := exec.Command(bin, append([]string{"--endpoint-url", s.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+s.AccessKey, "AWS_SECRET_ACCESS_KEY="+s.SecretKey,
		"AWS_DEFAULT_REGION="+s.Region, "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// protectedServer is a versitygw whose event notifications go to a
// running "vigil serve" with a protection plan for one bucket.
type protectedServer struct {
	s3   *versitygw.Server
	addr string // vigil's listen address
	data string // vigil's data dir
}

// startProtected starts versitygw (with opts) and "vigil serve" protecting
// bucket, and stops both when the test ends. versitygw posts a test event
// at start and exits if nobody answers, so a relay answers at once and
// forwards to vigil once it is up.
func startProtected(t *testing.T, bucket string, opts versitygw.Options, setup func(*versitygw.Server)) *protectedServer {
	t.Helper()
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
	t.Cleanup(relay.Close)
	opts.Args = append(opts.Args, "--event-webhook-url", relay.URL)
	s := versitygw.Start(t, opts)
	s.CreateBucket(t, bucket)
	if setup != nil {
		setup(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &protectedServer{s3: s, addr: ln.Addr().String(), data: t.TempDir()}
	ln.Close()
	cfgPath := filepath.Join(t.TempDir(), "vigil.yaml")
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
s3: {endpoint: %s, region: us-east-1, path_style: true, access_key_id: %s, secret_access_key: %s}
malware_protection:
  plans:
    - bucket: %s
      key_decoding: raw
`, ps.data, ps.addr, s.Endpoint, s.AccessKey, s.SecretKey, bucket)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(vigilBin, "serve", "--config", cfgPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if strings.Contains(stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("vigil serve (built with -race) reported a data race:\n%s", stderr.String())
		} else if t.Failed() {
			t.Logf("vigil serve:\n%s", stderr.String())
		}
	})
	waitHTTP(t, "http://"+ps.addr+"/healthz")
	target.Store("http://" + ps.addr + "/s3-events")
	return ps
}

// TestMalwareProtectionS3Scenario is the scenario users try first: protect
// a bucket, "aws s3 cp eicar.com s3://bucket/", and within seconds the
// object carries GuardDutyMalwareScanStatus=THREATS_FOUND; a clean file
// gets NO_THREATS_FOUND. versitygw sends S3 event notifications to
// "vigil serve"; the AWS CLI uploads and reads the tags.
func TestMalwareProtectionS3Scenario(t *testing.T) {
	ps := startProtected(t, "uploads", versitygw.Options{}, nil)
	s, addr, data := ps.s3, ps.addr, ps.data

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "eicar.com"), eicar(), 0o644)
	os.WriteFile(filepath.Join(dir, "report.txt"), []byte("quarterly numbers, all fine\n"), 0o644)
	awsCLI(t, s, "s3", "cp", filepath.Join(dir, "eicar.com"), "s3://uploads/eicar.com")
	awsCLI(t, s, "s3", "cp", filepath.Join(dir, "report.txt"), "s3://uploads/in dir/report + ü.txt")

	for key, want := range map[string]string{"eicar.com": "THREATS_FOUND", "in dir/report + ü.txt": "NO_THREATS_FOUND"} {
		got := waitTag(t, s, "uploads", key)
		if got != want {
			t.Errorf("s3://uploads/%s: GuardDutyMalwareScanStatus = %q, want %q", key, got, want)
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`vigil_malware_scans_total{status="THREATS_FOUND"} 1`, `vigil_malware_scans_total{status="NO_THREATS_FOUND"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	scans := mustVigil(t, "scans", "list", "--data-dir", data)
	if !strings.Contains(scans, "THREATS_FOUND") || !strings.Contains(scans, "Eicar-Test-Signature") {
		t.Errorf("scans list lacks the EICAR scan:\n%s", scans)
	}
	fs := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--type", "Object:S3/", "--data-dir", data))
	if len(fs) != 1 || fs[0].Resource.ResourceType != "S3Object" || fs[0].Service.MalwareScanDetails == nil {
		t.Fatalf("findings = %v, want one Object:S3/MaliciousFile with malwareScanDetails", typeAccounts(fs))
	}
	if th := fs[0].Service.MalwareScanDetails.Threats; len(th) == 0 || th[0].Name != "Eicar-Test-Signature" {
		t.Errorf("finding threats = %+v", th)
	}

	// A signature added to the folder while Vigil runs is used for the
	// next uploads, without a restart.
	os.WriteFile(filepath.Join(dir, "marker.bin"), []byte("-- vigil-reload-marker --"), 0o644)
	sig := "Vigil.Test.Reload:0:*:" + fmt.Sprintf("%x", "vigil-reload-marker") + "\n"
	if err := os.WriteFile(filepath.Join(data, "signatures", "custom.ndb"), []byte(sig), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // the folder is checked every 5 s
	awsCLI(t, s, "s3", "cp", filepath.Join(dir, "marker.bin"), "s3://uploads/marker.bin")
	if got := waitTag(t, s, "uploads", "marker.bin"); got != "THREATS_FOUND" {
		t.Errorf("after adding a signature, marker.bin tag = %q, want THREATS_FOUND", got)
	}
}

// waitTag polls the object's tags with the AWS CLI until the scan tag is
// there (at most 20 s).
func waitTag(t *testing.T, s *versitygw.Server, bucket, key string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := awsCLI(t, s, "s3api", "get-object-tagging", "--bucket", bucket, "--key", key)
		if i := strings.Index(out, `"GuardDutyMalwareScanStatus"`); i >= 0 {
			rest := out[i:]
			v := rest[strings.Index(rest, `"Value"`)+len(`"Value"`):]
			v = v[strings.Index(v, `"`)+1:]
			return v[:strings.Index(v, `"`)]
		}
		if time.Now().After(deadline) {
			t.Fatalf("s3://%s/%s: no scan tag after 20 s; tags: %s", bucket, key, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s did not answer", url)
}
