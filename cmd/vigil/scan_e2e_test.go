package main

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

func zipOf(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	zw.Close()
	return b.Bytes()
}

// TestScanFolder scans a folder like clamscan: EICAR, EICAR inside nested
// zips, a custom body and hash signature, a zip bomb, clean files and an
// excluded folder; exit status 1; an Execution:EC2/MaliciousFile finding
// with --instance-id.
func TestScanFolder(t *testing.T) {
	root, db, data := t.TempDir(), t.TempDir(), t.TempDir()
	hashed := []byte("a file known by its hash\n")
	sum := md5.Sum(hashed)
	os.WriteFile(filepath.Join(db, "custom.ndb"), []byte("Vigil.Test.Marker:0:*:76696769"+"6c2d6d61726b6572\nbroken line\n"), 0o644)
	os.WriteFile(filepath.Join(db, "custom.hdb"), []byte(fmt.Sprintf("%s:%d:Vigil.Test.Hash\n", hex.EncodeToString(sum[:]), len(hashed))), 0o644)
	files := map[string][]byte{
		"eicar.com":            eicar(),
		"docs/nested.zip":      zipOf(t, "inner.zip", zipOf(t, "eicar.txt", eicar())),
		"docs/marker.bin":      []byte("xx vigil-marker xx"),
		"docs/hashed.txt":      hashed,
		"docs/clean.txt":       []byte("nothing to see\n"),
		"docs/bomb.zip":        zipOf(t, "zeros", make([]byte, 64<<20)),
		"node_modules/eicar.x": eicar(),
	}
	for name, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		os.WriteFile(filepath.Join(root, name), b, 0o644)
	}
	out, errOut, code := vigil(t, "scan", "-d", db, "--exclude", "node_modules", "--instance-id", "i-0123456789abcdef0",
		"--data-dir", data, "--max-ratio", "100", root)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (threats)\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"eicar.com: Eicar-Test-Signature FOUND",
		"nested.zip!inner.zip!eicar.txt: Eicar-Test-Signature FOUND",
		"marker.bin: Vigil.Test.Marker FOUND",
		"hashed.txt: Vigil.Test.Hash FOUND",
		"clean.txt: OK",
		"bomb.zip: UNSUPPORTED",
		"Infected files: 4",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "node_modules") {
		t.Errorf("excluded folder was scanned:\n%s", out)
	}
	if !strings.Contains(errOut, "broken line") && !strings.Contains(errOut, "custom.ndb") {
		t.Errorf("the malformed signature line is not reported:\n%s", errOut)
	}
	fs := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	if len(fs) != 1 || fs[0].Type != "Execution:EC2/MaliciousFile" || fs[0].Resource.InstanceDetails.InstanceID != "i-0123456789abcdef0" {
		t.Fatalf("findings = %v, want one Execution:EC2/MaliciousFile for the instance", typeAccounts(fs))
	}
	d := fs[0].Service.EbsVolumeScanDetails
	if d == nil || d.ScanDetections.ThreatsDetectedItemCount.Files != 4 {
		t.Errorf("ebsVolumeScanDetails = %+v, want 4 infected files", d)
	}

	// Clean input: exit 0; --json gives one result per file.
	out, _, code = vigil(t, "scan", "--json", filepath.Join(root, "docs", "clean.txt"))
	var res struct{ Path, Status string }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Status != "NO_THREATS_FOUND" {
		t.Errorf("scan --json of a clean file: exit %d, %q", code, out)
	}
	info := mustVigil(t, "scan", "--db-info", "--json", "-d", db)
	if !strings.Contains(info, "custom.ndb") || !strings.Contains(info, "custom.hdb") {
		t.Errorf("--db-info does not list the files:\n%s", info)
	}
}

// TestScanS3OnDemand scans existing objects of a bucket on a real S3
// server and tags them.
func TestScanS3OnDemand(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "old")
	s.Put(t, "old", "a/eicar.com", eicar())
	s.Put(t, "old", "a/clean.txt", []byte("fine\n"))
	s.Put(t, "old", "b/other.txt", []byte("not under the prefix\n"))
	env := []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region}
	out, errOut, code := vigilEnv(t, env, "scan", "--tag", "--data-dir", t.TempDir(), "--s3-endpoint", s.Endpoint, "s3://old/a/")
	if code != 1 || !strings.Contains(out, "s3://old/a/eicar.com: Eicar-Test-Signature FOUND") ||
		!strings.Contains(out, "s3://old/a/clean.txt: OK") || strings.Contains(out, "other.txt") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if got := waitTag(t, s, "old", "a/eicar.com"); got != "THREATS_FOUND" {
		t.Errorf("tag = %q, want THREATS_FOUND", got)
	}
}
