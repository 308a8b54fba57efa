package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// apiServer is a running "vigil serve" whose API the tests call.
type apiServer struct {
	addr, data string
	env        []string // AWS_* variables of its administrator
	stderr     *syncBuffer
}

// startServeAPI starts "vigil serve" watching the example CloudTrail logs with
// the administrator key from env (or a generated one when env is nil).
func startServeAPI(t *testing.T, env []string, args ...string) *apiServer {
	t.Helper()
	s, _ := startServe(t, env, "", append([]string{"--watch", filepath.Join("..", "..", "examples", "cloudtrail"), "--poll-interval", "1s"}, args...)...)
	return s
}

// syncBuffer is a bytes.Buffer that a running process writes to while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServe starts "vigil serve" with args and the environment env on a
// free loopback port and the data dir data (a new one when ""), and waits
// until it answers. stop ends it with SIGTERM, or SIGKILL when kill; it
// is also called when the test ends, and logs serve's stderr if the test
// failed.
func startServe(t *testing.T, env []string, data string, args ...string) (s *apiServer, stop func(kill bool)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if data == "" {
		data = t.TempDir()
	}
	s = &apiServer{addr: ln.Addr().String(), data: data, stderr: &syncBuffer{}, env: env}
	ln.Close()
	cmd := exec.Command(vigilBin, append([]string{"serve", "--listen", s.addr, "--data-dir", s.data}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func(kill bool) {
		if stopped {
			return
		}
		stopped = true
		sig := syscall.SIGTERM
		if kill {
			sig = syscall.SIGKILL
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		if out := s.stderr.String(); strings.Contains(out, "WARNING: DATA RACE") {
			t.Errorf("vigil serve (built with -race) reported a data race:\n%s", out)
		} else if t.Failed() {
			t.Logf("vigil serve:\n%s", lastLines(out, 60))
		}
	}
	t.Cleanup(func() { stop(false) })
	waitHTTP(t, "http://"+s.addr+"/healthz")
	return s, stop
}

// cli runs the Debian AWS CLI against the server's API and decodes its
// JSON output into out (when not nil).
func (s *apiServer) cli(t *testing.T, out any, args ...string) {
	t.Helper()
	const bin = "/usr/bin/aws"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("the Debian AWS CLI (/usr/bin/aws) is not installed: apt-get install awscli")
	}
	cmd := exec.Command(bin, append([]string{"guardduty", "--endpoint-url", "http://" + s.addr, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1"}, s.env...)...)
	b, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws guardduty %s: %v\n%s%s", strings.Join(args, " "), err, b, stderr)
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("aws guardduty %s: output %q: %v", args[0], b, err)
		}
	}
}

// cliFails runs the AWS CLI and returns its stderr, failing the test if
// the command succeeds.
func (s *apiServer) cliFails(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/aws", append([]string{"guardduty", "--endpoint-url", "http://" + s.addr, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1"}, s.env...)...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("aws guardduty %s succeeded: %s", strings.Join(args, " "), out)
	}
	return string(out)
}

var adminEnv = []string{"VIGIL_ACCESS_KEY_ID=AKIAVIGILE2EADMIN001", "VIGIL_SECRET_ACCESS_KEY=e2e-admin-secret-0123456789",
	"AWS_ACCESS_KEY_ID=AKIAVIGILE2EADMIN001", "AWS_SECRET_ACCESS_KEY=e2e-admin-secret-0123456789"}

// TestAWSCLIAgainstTheAPI drives the API with the Debian AWS CLI the way
// a GuardDuty user would.
func TestAWSCLIAgainstTheAPI(t *testing.T) {
	extra := t.TempDir() // logs added while the service runs
	s := startServeAPI(t, adminEnv, "--watch", extra)
	var dets struct{ DetectorIds []string }
	s.cli(t, &dets, "list-detectors")
	if len(dets.DetectorIds) != 1 {
		t.Fatalf("list-detectors = %v", dets.DetectorIds)
	}
	det := dets.DetectorIds[0]

	// The example logs hold 24 findings; wait for the service to store them.
	var ids struct{ FindingIds []string }
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.cli(t, &ids, "list-findings", "--detector-id", det, "--max-items", "100")
		if len(ids.FindingIds) == 24 || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(ids.FindingIds) != 24 {
		t.Fatalf("list-findings returned %d ids, want the 24 of the examples", len(ids.FindingIds))
	}

	var high struct{ FindingIds []string }
	s.cli(t, &high, "list-findings", "--detector-id", det, "--finding-criteria", `{"Criterion":{"severity":{"Gte":7}}}`,
		"--sort-criteria", `{"AttributeName":"severity","OrderBy":"DESC"}`)
	var got struct {
		Findings []struct {
			Id, Type string
			Severity float64
			Service  struct{ Archived bool }
		}
	}
	s.cli(t, &got, "get-findings", "--detector-id", det, "--finding-ids", high.FindingIds[0])
	if len(high.FindingIds) == 0 || len(got.Findings) != 1 || got.Findings[0].Severity < 7 {
		t.Fatalf("high findings %v, first %+v", high.FindingIds, got.Findings)
	}

	var stats struct {
		FindingStatistics struct{ CountBySeverity map[string]int }
	}
	s.cli(t, &stats, "get-findings-statistics", "--detector-id", det, "--finding-statistic-types", "COUNT_BY_SEVERITY")
	total := 0
	for _, n := range stats.FindingStatistics.CountBySeverity {
		total += n
	}
	if total != 24 {
		t.Errorf("get-findings-statistics counts %d findings, want 24: %v", total, stats.FindingStatistics.CountBySeverity)
	}

	s.cli(t, nil, "archive-findings", "--detector-id", det, "--finding-ids", high.FindingIds[0])
	s.cli(t, &got, "get-findings", "--detector-id", det, "--finding-ids", high.FindingIds[0])
	if !got.Findings[0].Service.Archived {
		t.Error("archive-findings did not archive the finding")
	}

	// A suppression rule, listed and read back.
	s.cli(t, nil, "create-filter", "--detector-id", det, "--name", "suppress-pentest", "--action", "ARCHIVE", "--rank", "1",
		"--finding-criteria", `{"Criterion":{"type":{"Eq":["PenTest:IAMUser/KaliLinux"]}}}`)
	var filters struct{ FilterNames []string }
	s.cli(t, &filters, "list-filters", "--detector-id", det)
	if len(filters.FilterNames) != 1 || filters.FilterNames[0] != "suppress-pentest" {
		t.Errorf("list-filters = %v", filters.FilterNames)
	}
	// A new Kali finding arrives archived; the existing one is untouched.
	kali := `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAE2ESUPPRESS00001",` +
		`"arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAE2ESUPPRESS00001","userName":"mallory"},` +
		`"eventTime":"2025-06-02T03:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1",` +
		`"sourceIPAddress":"198.51.100.77","userAgent":"aws-cli/2.15.30 md/distrib#kali.2024","requestParameters":null,` +
		`"responseElements":null,"eventID":"5b1c2d3e-0000-4000-8000-000000000001","readOnly":true,"eventType":"AwsApiCall",` +
		`"managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}]}`
	if err := os.WriteFile(filepath.Join(extra, "kali.json"), []byte(kali), 0o644); err != nil {
		t.Fatal(err)
	}
	var kaliIDs struct{ FindingIds []string }
	deadline = time.Now().Add(90 * time.Second) // files settle for a minute before they are read
	for {
		s.cli(t, &kaliIDs, "list-findings", "--detector-id", det, "--finding-criteria",
			`{"Criterion":{"type":{"Eq":["PenTest:IAMUser/KaliLinux"]},"accountId":{"Eq":["111122223333"]}}}`)
		if len(kaliIDs.FindingIds) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(kaliIDs.FindingIds) != 1 {
		t.Fatalf("the new Kali finding did not arrive: %v", kaliIDs.FindingIds)
	}
	s.cli(t, &got, "get-findings", "--detector-id", det, "--finding-ids", kaliIDs.FindingIds[0])
	if !got.Findings[0].Service.Archived {
		t.Error("a new finding matching an ARCHIVE filter was not archived on arrival")
	}

	// Bad input is GuardDuty's 400, never a 500.
	if out := s.cliFails(t, "list-findings", "--detector-id", det, "--finding-criteria", `{"Criterion":{"no.such.field":{"Eq":["x"]}}}`); !strings.Contains(out, "BadRequestException") {
		t.Errorf("unknown criteria field: %s", out)
	}
	if out := s.cliFails(t, "get-detector", "--detector-id", "ffffffffffffffffffffffffffffffff"); !strings.Contains(out, "BadRequestException") {
		t.Errorf("foreign detector id: %s", out)
	}
	// A wrong secret is refused.
	bad := *s
	bad.env = []string{"AWS_ACCESS_KEY_ID=AKIAVIGILE2EADMIN001", "AWS_SECRET_ACCESS_KEY=wrong"}
	if out := bad.cliFails(t, "list-detectors"); !strings.Contains(out, "AccessDeniedException") {
		t.Errorf("wrong secret: %s", out)
	}
}

// TestGeneratedCredentials: without keys in the environment or the config,
// serve generates an administrator key on first start, prints it once and
// keeps it owner-only in the data dir; the key works.
func TestGeneratedCredentials(t *testing.T) {
	s := startServeAPI(t, nil)
	path := filepath.Join(s.data, credentialsFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file %s: %v, mode %v; want 0600", path, err, fi.Mode().Perm())
	}
	var c struct{ AccessKeyID, SecretAccessKey string }
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &c)
	out := s.stderr.String()
	if strings.Count(out, c.SecretAccessKey) != 1 || !strings.Contains(out, "AWS_ACCESS_KEY_ID="+c.AccessKeyID) {
		t.Errorf("the generated key is not printed exactly once:\n%s", out)
	}
	s.env = []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey}
	var dets struct{ DetectorIds []string }
	s.cli(t, &dets, "list-detectors")
	if len(dets.DetectorIds) != 1 {
		t.Errorf("list-detectors with the generated key = %v", dets.DetectorIds)
	}
}

// TestMalwareFindingSuppressed: a suppression rule created through the API
// archives Malware Protection's Object:S3/MaliciousFile findings too.
func TestMalwareFindingSuppressed(t *testing.T) {
	ps := startProtected(t, "uploads", versitygw.Options{}, nil)
	var c struct{ AccessKeyID, SecretAccessKey string }
	b, err := os.ReadFile(filepath.Join(ps.data, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &c)
	s := &apiServer{addr: ps.addr, data: ps.data, env: []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey}}
	var dets struct{ DetectorIds []string }
	s.cli(t, &dets, "list-detectors")
	det := dets.DetectorIds[0]
	criteria := `{"Criterion":{"type":{"Eq":["Object:S3/MaliciousFile"]}}}`
	s.cli(t, nil, "create-filter", "--detector-id", det, "--name", "known-test-files", "--action", "ARCHIVE", "--finding-criteria", criteria)

	path := filepath.Join(t.TempDir(), "eicar.com")
	os.WriteFile(path, eicar(), 0o644)
	awsCLI(t, ps.s3, "s3", "cp", path, "s3://uploads/eicar.com")
	if got := waitTag(t, ps.s3, "uploads", "eicar.com"); got != "THREATS_FOUND" {
		t.Fatalf("tag = %q, want THREATS_FOUND", got)
	}
	var ids struct{ FindingIds []string }
	deadline := time.Now().Add(20 * time.Second)
	for len(ids.FindingIds) == 0 && time.Now().Before(deadline) {
		s.cli(t, &ids, "list-findings", "--detector-id", det, "--finding-criteria", criteria)
		time.Sleep(200 * time.Millisecond)
	}
	if len(ids.FindingIds) != 1 {
		t.Fatalf("malware findings = %v, want 1", ids.FindingIds)
	}
	var got struct {
		Findings []struct{ Service struct{ Archived bool } }
	}
	s.cli(t, &got, "get-findings", "--detector-id", det, "--finding-ids", ids.FindingIds[0])
	if len(got.Findings) != 1 || !got.Findings[0].Service.Archived {
		t.Errorf("the malware finding matching an ARCHIVE filter was not archived: %+v", got.Findings)
	}
}
