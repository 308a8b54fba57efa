package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestVersionAndDetectorsList(t *testing.T) {
	if out := mustVigil(t, "version"); !strings.HasPrefix(out, "vigil ") {
		t.Errorf("version = %q, want it to start with \"vigil \"", out)
	}
	var defs []struct{ Type, DataSource, Logic string }
	if err := json.Unmarshal([]byte(mustVigil(t, "detectors", "list", "--json")), &defs); err != nil {
		t.Fatal(err)
	}
	table := mustVigil(t, "detectors", "list")
	for _, d := range defs {
		if !strings.Contains(table, d.Type) || d.Logic == "" || d.DataSource == "" {
			t.Errorf("detectors list: %s missing from the table or without logic/data source", d.Type)
		}
	}
	if len(defs) < 19 {
		t.Errorf("detectors list has %d types, want at least the 19 CloudTrail types", len(defs))
	}
	if _, _, code := vigil(t, "detectors", "show", "No:Such/Type"); code == 0 {
		t.Error("detectors show of an unknown type succeeded")
	}
}

func TestFindingsSampleListShowArchive(t *testing.T) {
	data := t.TempDir()
	mustVigil(t, "findings", "sample", "--data-dir", data)
	all := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	var defs []json.RawMessage
	json.Unmarshal([]byte(mustVigil(t, "detectors", "list", "--json")), &defs)
	if len(all) != len(defs) {
		t.Fatalf("sample stored %d findings, want one per type (%d)", len(all), len(defs))
	}
	for _, f := range all {
		if !strings.HasPrefix(f.Title, "[SAMPLE] ") || f.Service.AdditionalInfo == nil ||
			!strings.Contains(f.Service.AdditionalInfo.Value, `"sample":true`) {
			t.Errorf("sample %s: title %q, additionalInfo %+v; want [SAMPLE] and sample:true", f.Type, f.Title, f.Service.AdditionalInfo)
		}
	}
	high := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--severity", "high", "--data-dir", data))
	for _, f := range high {
		if f.Severity < 7 {
			t.Errorf("--severity high listed %s at %v", f.Type, f.Severity)
		}
	}
	s3 := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--type", "Policy:S3/", "--data-dir", data))
	if len(s3) != 4 {
		t.Errorf("--type Policy:S3/ listed %d findings, want 4", len(s3))
	}
	id := all[0].ID
	var shown finding.Finding
	if err := json.Unmarshal([]byte(mustVigil(t, "findings", "show", "--data-dir", data, id)), &shown); err != nil || shown.ID != id {
		t.Fatalf("findings show %s: %v, id %q", id, err, shown.ID)
	}
	mustVigil(t, "findings", "archive", "--data-dir", data, id)
	if n := len(decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))); n != len(all)-1 {
		t.Errorf("after archive, %d current findings, want %d", n, len(all)-1)
	}
	if n := len(decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--archived", "--data-dir", data))); n != 1 {
		t.Errorf("after archive, %d archived findings, want 1", n)
	}
	mustVigil(t, "findings", "unarchive", "--data-dir", data, id)
	if _, errOut, code := vigil(t, "findings", "show", "--data-dir", data, "ffffffffffffffffffffffffffffffff"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("show of an unknown id: exit %d, %q", code, errOut)
	}
}

// TestServeHTTP starts the service over the shipped examples, checks
// /healthz and /metrics, and stops it with SIGTERM.
func TestServeHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(vigilBin, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--watch", "../../examples/cloudtrail")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var metrics string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if metrics = get("/metrics"); strings.Contains(metrics, "vigil_findings_created_total 24") {
			break
		}
	}
	if h := get("/healthz"); strings.TrimSpace(h) != "ok" {
		t.Errorf("/healthz = %q, want ok", h)
	}
	for _, want := range []string{`vigil_source_files_total{result="read"} 48`, "vigil_source_events_total 3024", `vigil_detect_events_total{kind="api_call"} 3024`, "vigil_findings_created_total 24"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
	}
}
