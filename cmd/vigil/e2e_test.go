package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/simulate"
)

// vigilBin is the binary built once for the end-to-end tests.
var vigilBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vigilBin = filepath.Join(dir, "vigil")
	out, err := exec.Command("go", "build", "-o", vigilBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build vigil: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// vigil runs the binary and returns stdout, stderr and the exit status.
func vigil(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return vigilEnv(t, nil, args...)
}

// vigilEnv runs the binary with extra environment variables.
func vigilEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(vigilBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("vigil %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

func mustVigil(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := vigil(t, args...)
	if code != 0 {
		t.Fatalf("vigil %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func decodeFindings(t *testing.T, out string) []finding.Finding {
	t.Helper()
	var fs []finding.Finding
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var f finding.Finding
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("finding JSON %q: %v", sc.Text(), err)
		}
		fs = append(fs, f)
	}
	return fs
}

// intelConfig is the vigil.yaml "vigil simulate" writes for its
// threat-intelligence attacks.
func intelConfig(simOut string) string { return filepath.Join(simOut, ".intel", "vigil.yaml") }

func readManifest(t *testing.T, dir string) simulate.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m simulate.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// typeAccounts returns the sorted "type account" pairs of findings.
func typeAccounts(fs []finding.Finding) []string {
	set := map[string]bool{}
	for _, f := range fs {
		set[f.Type+" "+f.AccountID] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func injected(m simulate.Manifest) []string {
	set := map[string]bool{}
	for _, a := range m.Attacks {
		set[a.Type+" "+a.Account] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestAnalyzeFindsEveryInjectedAttackAndNothingElse(t *testing.T) {
	dir := t.TempDir()
	mustVigil(t, "simulate", "--out", dir, "--events", "30000", "--accounts", "3", "--all-attacks", "--seed", "7")
	m := readManifest(t, dir)
	types := map[string]bool{}
	for _, a := range m.Attacks {
		types[a.Type] = true
	}
	if len(types) != len(simulate.SupportedAttacks()) {
		t.Fatalf("manifest has %d attack types, want all %d", len(types), len(simulate.SupportedAttacks()))
	}
	out := mustVigil(t, "analyze", "--json", "--quiet", "--config", intelConfig(dir), dir)
	got := typeAccounts(decodeFindings(t, out))
	if diff := cmp.Diff(injected(m), got); diff != "" {
		t.Errorf("findings (type account) differ from injected attacks (-injected +found):\n%s", diff)
	}
}

func TestAnalyzeBenignTrafficHasNoFindings(t *testing.T) {
	dir := t.TempDir()
	mustVigil(t, "simulate", "--out", dir, "--events", "30000", "--seed", "11", "--org", "o-abcdefghij")
	out, errOut, code := vigil(t, "analyze", "--json", "--config", intelConfig(dir), dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fs := decodeFindings(t, out); len(fs) != 0 {
		t.Errorf("benign traffic gave %d findings, first: %s %s", len(fs), fs[0].Type, fs[0].Title)
	}
	m := readManifest(t, dir)
	if m.FlowRecords == 0 || m.DNSRecords == 0 {
		t.Fatalf("simulate wrote %d flow and %d DNS records; the network detectors are not tested", m.FlowRecords, m.DNSRecords)
	}
	if want := fmt.Sprintf("%d events", m.Events+m.FlowRecords+m.DNSRecords); !strings.Contains(errOut, want) {
		t.Errorf("summary does not report %s (CloudTrail, flows and DNS): %s", want, errOut)
	}
}

func TestAnalyzeBadInputIsReportedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	good := `{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"eventTime":"2025-01-02T03:04:05Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","eventType":"AwsApiCall","recipientAccountId":"111122223333"}]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(good, 50)))
	zw.Close()
	files := map[string][]byte{
		"good.json":          []byte(good),
		"truncated.json.gz":  gz.Bytes()[:gz.Len()/2],
		"invalid.json":       []byte(`{"Records":[{"eventName":"X","eventSource":"y"}, {"eventName": }]}`),
		"notcloudtrail.json": []byte("hello, this is not a log\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := vigil(t, "analyze", "--json", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{"truncated.json.gz", "invalid.json", "record 1", "notcloudtrail.json", "unrecognized log format"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, errOut)
		}
	}
	fs := decodeFindings(t, out)
	if len(fs) != 1 || fs[0].Type != "Policy:IAMUser/RootCredentialUsage" {
		t.Fatalf("findings = %v, want the root usage of good.json", typeAccounts(fs))
	}
}

func TestConfigCheckExample(t *testing.T) {
	cmd := exec.Command(vigilBin, "config", "check", "--print", "../../examples/vigil.yaml")
	cmd.Env = append(os.Environ(), "VIGIL_EXAMPLE_S3_SECRET=s3cr3t-value")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config check: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "s3cr3t-value") || !strings.Contains(string(out), "<redacted>") {
		t.Errorf("printed config does not redact the secret:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("listen: 127.0.0.1:8080\nsourcs: []\n"), 0o644)
	_, errOut, code := vigil(t, "config", "check", bad)
	if code == 0 || !strings.Contains(errOut, "sourcs") {
		t.Errorf("config check of an unknown key: exit %d, stderr %q; want an error naming it", code, errOut)
	}
}

// TestAnalyzeGzipBombIsBounded reads a small gzip file that expands far
// beyond --max-file-bytes: the records before the bound are analysed, the
// rest is reported, and memory stays bounded.
func TestAnalyzeGzipBombIsBounded(t *testing.T) {
	rec := `{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"eventTime":"2025-01-02T03:04:05Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","recipientAccountId":"111122223333"}`
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte(`{"Records":[` + rec))
	for range 200000 { // ~64 MB of records
		zw.Write([]byte("," + rec))
	}
	zw.Write([]byte("]}"))
	zw.Close()
	path := filepath.Join(t.TempDir(), "bomb.json.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := vigil(t, "analyze", "--json", "--max-file-bytes", "1048576", path)
	if code != 1 || !strings.Contains(errOut, "larger than 1048576 bytes") {
		t.Errorf("exit %d, stderr %q; want 1 and the size bound reported", code, errOut)
	}
	fs := decodeFindings(t, out)
	if len(fs) != 1 || fs[0].Service.Count < 1000 || fs[0].Service.Count > 4000 {
		t.Errorf("findings %v; want one root-usage finding counting the ~3,000 records within the first MiB", typeAccounts(fs))
	}
}
