package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testutil/sdkhttp"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

// exportLayout is GuardDuty's S3 export layout.
var exportLayout = regexp.MustCompile(`^(?:[^/]+/)*AWSLogs/\d{12}/GuardDuty/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}(\.asff|\.ocsf)?\.jsonl\.gz$`)

// sdkAnswer serves body as the answer to the SDK's POST and returns the
// server's URL. Answers are read whole before the SDK sees them (see
// sdkhttp.Buffered).
func sdkAnswer(t *testing.T, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

var sdkCreds = credentials.NewStaticCredentialsProvider("AKIAVIGILE2EEXPORT01", "e2e-export-secret", "")

// asffBySDK parses ASFF objects with the Security Hub SDK's own
// deserializer, as the answer to GetFindings.
func asffBySDK(t *testing.T, items [][]byte) []shtypes.AwsSecurityFinding {
	t.Helper()
	body := append(append([]byte(`{"Findings":[`), bytes.Join(items, []byte(","))...), "]}"...)
	c := securityhub.New(securityhub.Options{Region: "us-east-1", BaseEndpoint: aws.String(sdkAnswer(t, body)),
		Credentials: sdkCreds, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Buffered{}})
	out, err := c.GetFindings(context.Background(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatalf("the Security Hub SDK cannot read the export: %v", err)
	}
	return out.Findings
}

// guardDutyBySDK parses GuardDuty finding JSON with the GuardDuty SDK's
// own deserializer, as the answer to GetFindings.
func guardDutyBySDK(t *testing.T, items [][]byte) []gdtypes.Finding {
	t.Helper()
	body := append(append([]byte(`{"findings":[`), bytes.Join(items, []byte(","))...), "]}"...)
	c := guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: aws.String(sdkAnswer(t, body)),
		Credentials: sdkCreds, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Buffered{}})
	out, err := c.GetFindings(context.Background(), &guardduty.GetFindingsInput{DetectorId: aws.String("d"), FindingIds: []string{"x"}})
	if err != nil {
		t.Fatalf("the GuardDuty SDK cannot read the export: %v", err)
	}
	return out.Findings
}

func splitLines(s string) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestFindingsExport stores the sample findings, archives one, and
// exports them in the three formats to stdout, to a file, to a folder and
// with --batch; each output parses with the AWS SDK's finding types or
// meets OCSF's Detection Finding requirements.
func TestFindingsExport(t *testing.T) {
	data := t.TempDir()
	mustVigil(t, "findings", "sample", "--data-dir", data)
	current := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	archivedID := current[0].ID
	mustVigil(t, "findings", "archive", "--data-dir", data, archivedID)
	current = current[1:]
	arns := map[string]bool{}
	var ids []string
	for _, f := range current {
		arns[f.Arn] = true
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)

	t.Run("guardduty", func(t *testing.T) {
		lines := splitLines(mustVigil(t, "findings", "export", "--format", "guardduty", "--data-dir", data))
		var got []string
		for _, f := range guardDutyBySDK(t, lines) {
			got = append(got, aws.ToString(f.Id))
			if f.Service == nil || aws.ToBool(f.Service.Archived) {
				t.Errorf("finding %s exported as archived", aws.ToString(f.Id))
			}
		}
		sort.Strings(got)
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("exported ids (-stored +exported):\n%s", diff)
		}
	})
	t.Run("asff", func(t *testing.T) {
		lines := splitLines(mustVigil(t, "findings", "export", "--format", "asff", "--data-dir", data))
		got := asffBySDK(t, lines)
		if len(got) != len(current) {
			t.Fatalf("%d ASFF findings, want %d", len(got), len(current))
		}
		for _, a := range got {
			if !arns[aws.ToString(a.Id)] || a.RecordState != shtypes.RecordStateActive || aws.ToString(a.SchemaVersion) != "2018-10-08" ||
				!strings.HasSuffix(aws.ToString(a.ProductArn), "::product/aws/guardduty") || len(a.Types) == 0 ||
				len(a.Resources) == 0 || a.Severity == nil || a.Severity.Label == "" || !aws.ToBool(a.Sample) {
				t.Errorf("ASFF finding %s: record %s, types %v, severity %+v", aws.ToString(a.Id), a.RecordState, a.Types, a.Severity)
			}
		}
		arch := asffBySDK(t, splitLines(mustVigil(t, "findings", "export", "--format", "asff", "--archived", "--data-dir", data)))
		if len(arch) != 1 || arch[0].RecordState != shtypes.RecordStateArchived {
			t.Errorf("--archived exported %d findings (%v), want the archived one", len(arch), arch)
		}
	})
	t.Run("asff --batch", func(t *testing.T) {
		lines := splitLines(mustVigil(t, "findings", "export", "--format", "asff", "--batch", "--all", "--data-dir", data))
		n := 0
		for _, l := range lines {
			var in struct{ Findings []json.RawMessage }
			if err := json.Unmarshal(l, &in); err != nil || len(in.Findings) == 0 || len(in.Findings) > 100 {
				t.Fatalf("line is not a BatchImportFindings input of 1 to 100 findings (%v): %.200s", err, l)
			}
			n += len(in.Findings)
			asffBySDK(t, bytesOf(in.Findings))
		}
		if n != len(current)+1 {
			t.Errorf("--batch --all exported %d findings, want %d", n, len(current)+1)
		}
	})
	t.Run("ocsf", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "findings.ocsf.jsonl.gz")
		mustVigil(t, "findings", "export", "--format", "ocsf", "--out", out, "--data-dir", data)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lines := splitLines(gunzip(t, b))
		if len(lines) != len(current) {
			t.Fatalf("%d OCSF events, want %d", len(lines), len(current))
		}
		for _, l := range lines {
			var ev struct {
				Metadata    struct{ Version string }
				FindingInfo struct{ UID, Title string } `json:"finding_info"`
				Cloud       struct{ Provider string }
			}
			if err := json.Unmarshal(l, &ev); err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			json.Unmarshal(l, &raw)
			if raw["class_uid"] != 2004.0 || raw["category_uid"] != 2.0 || raw["type_uid"] != 200400+raw["activity_id"].(float64) ||
				raw["time"] == 0.0 || ev.Metadata.Version == "" || !arns[ev.FindingInfo.UID] || ev.FindingInfo.Title == "" ||
				ev.Cloud.Provider != "AWS" {
				t.Errorf("OCSF event lacks required values: %.300s", l)
			}
		}
	})
	t.Run("folder in GuardDuty's layout, a page per object", func(t *testing.T) {
		dir := t.TempDir()
		_, errOut, code := vigil(t, "findings", "export", "--out", dir, "--page-size", "10", "--data-dir", data)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		files := treeOf(t, dir)
		if want := (len(current) + 9) / 10; len(files) < want {
			t.Errorf("%d objects for %d findings in pages of 10, want at least %d", len(files), len(current), want)
		}
		var got []string
		for key, b := range files {
			if !exportLayout.MatchString(key) {
				t.Errorf("object %s is not in GuardDuty's layout", key)
			}
			for _, f := range guardDutyBySDK(t, splitLines(gunzip(t, b))) {
				got = append(got, aws.ToString(f.Id))
			}
		}
		sort.Strings(got)
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("ids in the folder (-stored +exported):\n%s", diff)
		}
		if !strings.Contains(errOut, "exported "+plural(len(current), "finding")) {
			t.Errorf("summary %q", errOut)
		}
	})
	t.Run("bad usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--format", "xml"}, {"--batch"}, {"--format", "asff", "--batch", "--out", t.TempDir()},
			{"--kms-key", "k"}, {"--page-size", "0"}, {"extra"},
		} {
			if _, _, code := vigil(t, append([]string{"findings", "export", "--data-dir", data}, args...)...); code != exitUsage {
				t.Errorf("findings export %v: exit %d, want %d", args, code, exitUsage)
			}
		}
	})
}

// TestFindingsExportToS3 exports to a real S3 server (versitygw) twice:
// the objects are in GuardDuty's layout, parse with the GuardDuty SDK, and
// the second export of the same findings writes the same keys.
func TestFindingsExportToS3(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "exports")
	data := t.TempDir()
	mustVigil(t, "findings", "sample", "--data-dir", data)
	env := []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region}
	args := []string{"findings", "export", "--out", "s3://exports/guardduty", "--s3-endpoint", s.Endpoint, "--data-dir", data}
	for range 2 {
		if _, errOut, code := vigilEnv(t, env, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	ctx := context.Background()
	c := s.Client()
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("exports")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 {
		t.Fatalf("%d objects after two exports of one account, region and day, want 1", len(list.Contents))
	}
	key := aws.ToString(list.Contents[0].Key)
	if !strings.HasPrefix(key, "guardduty/AWSLogs/123456789012/GuardDuty/us-east-1/") || !exportLayout.MatchString(key) {
		t.Errorf("key %s is not in GuardDuty's layout", key)
	}
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	stored := decodeFindings(t, mustVigil(t, "findings", "list", "--json", "--data-dir", data))
	if got := guardDutyBySDK(t, splitLines(gunzip(t, b))); len(got) != len(stored) {
		t.Errorf("the object holds %d findings, want %d", len(got), len(stored))
	}
}

func treeOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func bytesOf(raw []json.RawMessage) [][]byte {
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}
