package protect_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRecord is a scan of an archive with two detections of one threat.
func goldenRecord() store.ScanRecord {
	at := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	return store.ScanRecord{
		ScanID: "5f1e6a0c-7b3d-4e2f-9a8b-1c2d3e4f5a6b", PlanID: "uploads-plan", Bucket: "uploads",
		Key: "incoming/report.zip", VersionID: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", ETag: "0ee0646e8d0a2ed7b3ff8c6fd2d9c8d2",
		Size: 1234, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Status: "THREATS_FOUND", ScanStatus: "COMPLETED", Tagged: true, Trigger: store.TriggerPlan,
		Threats: []store.ScanThreat{
			{Name: "EICAR-Test-File (not a virus)", Path: "incoming/report.zip!eicar.com", SHA256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", Engine: "builtin"},
			{Name: "EICAR-Test-File (not a virus)", Path: "incoming/report.zip!docs/eicar.txt", SHA256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", Engine: "builtin"},
		},
		StartedAt: at.Add(-2 * time.Second), CompletedAt: at,
	}
}

func newGoldenProtector(t *testing.T) *protect.Protector {
	p, err := protect.New(protect.Options{
		Plans: []protect.Plan{{ID: "uploads-plan", Bucket: "uploads", Tagging: true}},
		S3:    newFakeS3(), Scanner: newFakeScanner(), Store: openStore(t),
		AccountID: "123456789012", Region: "eu-west-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanResultEventGolden(t *testing.T) {
	p := newGoldenProtector(t)
	ev := p.ResultEvent(goldenRecord())
	checkGolden(t, "scan-result-threats.json", ev)
	clean := goldenRecord()
	clean.Status, clean.Threats, clean.VersionID = "NO_THREATS_FOUND", nil, ""
	checkGolden(t, "scan-result-clean.json", p.ResultEvent(clean))
	if again := p.ResultEvent(goldenRecord()); again.ID != ev.ID {
		t.Errorf("event ids of one scan = %s, %s; want one id (receivers drop repeats by id)", ev.ID, again.ID)
	}
}

func TestMaliciousFileFindingGolden(t *testing.T) {
	rec := goldenRecord()
	f := protect.MaliciousFileFinding(rec, "123456789012", "eu-west-1", "aws")
	detect.Finish(&f, testDetectorID, "aws", rec.CompletedAt, rec.CompletedAt.Add(time.Second))
	checkGolden(t, "finding-malicious-file.json", f)
	other := goldenRecord()
	other.ScanID = "another-scan"
	g := protect.MaliciousFileFinding(other, "123456789012", "eu-west-1", "aws")
	detect.Finish(&g, testDetectorID, "aws", rec.CompletedAt, rec.CompletedAt)
	if g.ID == f.ID {
		t.Errorf("two scans of one object have one finding id %s; want one finding per scan", f.ID)
	}
}

// checkGolden compares v's indented JSON with testdata/name, or writes it
// with -update.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}
