package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/detect"
	_ "github.com/vigil-sec/vigil/internal/detect/all" // the built-in detectors
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/cloudtrail" // the CloudTrail format
)

// day is when the logged activity happens; now is the engine's clock.
var (
	day = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now = time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC)
)

const (
	account      = "111122223333"
	rootIdentity = `{"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
	  "accountId": "111122223333", "accessKeyId": "AKIA6ON6E4XEROOTKEY1"}`
	roleIdentity = `{"type": "AssumedRole", "principalId": "AROA6ON6E4XEEXAMPLE:ci", "arn": "arn:aws:sts::111122223333:assumed-role/deployer/ci",
	  "accountId": "111122223333", "accessKeyId": "ASIA6ON6E4XEEXAMPLE1",
	  "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA6ON6E4XEEXAMPLE", "arn": "arn:aws:iam::111122223333:role/deployer",
	    "accountId": "111122223333", "userName": "deployer"}, "attributes": {"creationDate": "2024-05-01T09:55:00Z", "mfaAuthenticated": "false"}}}`
)

// call is one CloudTrail record.
type call struct {
	identity     string
	source, name string
	params       string // requestParameters; "" for null
	region       string // "" for us-east-1
	agent        string // "" for the AWS CLI
	at           time.Time
}

// root is an API call made with the root user's credentials, which the
// root credential usage detector reports (one finding per API name).
func root(api string, at time.Time) call {
	return call{identity: rootIdentity, source: "s3.amazonaws.com", name: api, at: at}
}

// role is an ordinary API call that no detector reports.
func role(at time.Time) call {
	return call{identity: roleIdentity, source: "ec2.amazonaws.com", name: "DescribeInstances", at: at}
}

// passwordPolicy sets the account password policy: the baseline except
// for the minimum length.
func passwordPolicy(minLength int, at time.Time) call {
	return call{identity: roleIdentity, source: "iam.amazonaws.com", name: "UpdateAccountPasswordPolicy", at: at,
		params: fmt.Sprintf(`{"minimumPasswordLength": %d, "requireSymbols": true, "requireNumbers": true,
		  "requireUppercaseCharacters": true, "requireLowercaseCharacters": true, "passwordReusePrevention": 24,
		  "maxPasswordAge": 90, "allowUsersToChangePassword": true}`, minLength)}
}

// record returns c as a CloudTrail record in the format AWS delivers.
func (c call) record(t testing.TB, eventID string) string {
	t.Helper()
	raw := func(s string) json.RawMessage {
		if s == "" {
			return json.RawMessage("null")
		}
		return json.RawMessage(s)
	}
	region := c.region
	if region == "" {
		region = "us-east-1"
	}
	agent := c.agent
	if agent == "" {
		agent = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2"
	}
	b, err := json.Marshal(map[string]any{
		"eventVersion":       "1.08",
		"userIdentity":       raw(c.identity),
		"eventTime":          c.at.UTC().Format(time.RFC3339),
		"eventSource":        c.source,
		"eventName":          c.name,
		"awsRegion":          region,
		"sourceIPAddress":    "198.51.100.7",
		"userAgent":          agent,
		"requestParameters":  raw(c.params),
		"responseElements":   nil,
		"requestID":          "R" + eventID,
		"eventID":            eventID,
		"readOnly":           c.params == "",
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": account,
		"eventCategory":      "Management",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// delivery returns a CloudTrail delivery file holding the calls.
func delivery(t testing.TB, name string, calls ...call) string {
	t.Helper()
	recs := make([]string, len(calls))
	for i, c := range calls {
		recs[i] = c.record(t, fmt.Sprintf("%s-%d", name, i))
	}
	return `{"Records":[` + strings.Join(recs, ",\n") + "]}\n"
}

// ctKey is the key of a CloudTrail file named name in the delivery layout.
func ctKey(name string) string {
	return "AWSLogs/" + account + "/CloudTrail/us-east-1/2024/05/01/" + account + "_CloudTrail_us-east-1_20240501T1200Z_" + name
}

// writeLog writes a log file under dir at ctKey(name), gzipped if name
// ends in .gz, and returns its path.
func writeLog(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(ctKey(name)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(content)
	if strings.HasSuffix(name, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func newEngine() *detect.Engine {
	return detect.New(detect.Registered(), detect.Options{Now: func() time.Time { return now }})
}

// summary is what a test reads of a finding.
type summary struct {
	Type, API, Agent string
	Count            int
	First, Last      time.Time
}

func summarize(fs []finding.Finding) []summary {
	out := make([]summary, 0, len(fs))
	for _, f := range fs {
		s := summary{Type: f.Type, Count: f.Service.Count, First: f.Service.EventFirstSeen.Time, Last: f.Service.EventLastSeen.Time}
		if a := f.Service.Action; a != nil && a.AwsAPICallAction != nil {
			s.API, s.Agent = a.AwsAPICallAction.API, a.AwsAPICallAction.UserAgent
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].API < out[j].API
	})
	return out
}

const rootType = "Policy:IAMUser/RootCredentialUsage"

func at(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }

func TestAnalyzeAggregatesRepeats(t *testing.T) {
	dir := t.TempDir()
	contents := []string{
		delivery(t, "a1", root("ListBuckets", at(1)), role(at(2)), root("ListBuckets", at(3))),
		delivery(t, "a2", root("ListBuckets", at(10)), root("GetBucketAcl", at(11))),
		// The earliest call is in the last file read.
		delivery(t, "a3", root("ListBuckets", at(0)), role(at(5))),
	}
	// The latest ListBuckets has its own user agent: its details must win.
	latest := root("ListBuckets", at(20))
	latest.agent = "aws-sdk-go-v2/1.30.0"
	contents = append(contents, delivery(t, "a4", latest))
	writeLog(t, dir, "a1.json", contents[0])
	writeLog(t, dir, "a2.json.gz", contents[1])
	writeLog(t, dir, "a3.json", contents[2])
	writeLog(t, dir, "a4.json", contents[3])

	fs, st, err := pipeline.Analyze(context.Background(), pipeline.AnalyzeOptions{
		Listers: []source.Lister{source.NewFolder(dir)}, Engine: newEngine(), Workers: 2,
	})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	cli := "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2"
	want := []summary{
		{Type: rootType, API: "GetBucketAcl", Agent: cli, Count: 1, First: at(11), Last: at(11)},
		{Type: rootType, API: "ListBuckets", Agent: "aws-sdk-go-v2/1.30.0", Count: 5, First: at(0), Last: at(20)},
	}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Errorf("Analyze findings differ (-want +got):\n%s", diff)
	}
	var bytes int64
	for _, c := range contents {
		bytes += int64(len(c))
	}
	wantStats := pipeline.Stats{Files: 4, Records: 8, Events: 8, Bytes: bytes, Findings: 6}
	if diff := cmp.Diff(wantStats, st); diff != "" {
		t.Errorf("Analyze stats differ (-want +got):\n%s", diff)
	}
	for _, f := range fs {
		if f.ID != finding.ID(f.AccountID, f.Region, f.Type, f.AggregationKey) || f.AccountID != account || f.Region != "us-east-1" {
			t.Errorf("finding %s (%s in %s/%s): id or scope not filled in by the engine", f.ID, f.Type, f.AccountID, f.Region)
		}
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	good := root("ListBuckets", at(1))
	badTime := strings.Replace(root("ListBuckets", at(2)).record(t, "bad"), at(2).Format(time.RFC3339), "yesterday", 1)
	tests := []struct {
		name      string
		files     map[string]string
		missing   bool // add a lister whose folder does not exist
		wantStats pipeline.Stats
		wantCount int // of the ListBuckets finding
	}{{
		name: "unrecognized file counted as failed, others read",
		files: map[string]string{
			"a.json":    delivery(t, "a", good),
			"b.json":    "this is not a log file\n",
			"c.json.gz": delivery(t, "c", good, good),
		},
		wantStats: pipeline.Stats{Files: 2, Failed: 1, Records: 3, Events: 3, Errors: 1, Findings: 3},
		wantCount: 3,
	}, {
		name: "malformed record skipped, the rest of its file read",
		files: map[string]string{
			"a.json": `{"Records":[` + good.record(t, "1") + "," + badTime + "," + good.record(t, "2") + "]}",
		},
		wantStats: pipeline.Stats{Files: 1, Records: 3, Events: 2, Errors: 1, Findings: 2},
		wantCount: 2,
	}, {
		name: "truncated gzip keeps its complete records",
		files: map[string]string{
			"a.json.gz": truncatedGzip(t, good.record(t, "1"), good.record(t, "2"), good.record(t, "3")),
			"b.json":    delivery(t, "b", good),
		},
		wantStats: pipeline.Stats{Files: 2, Records: 3, Events: 3, Errors: 1, Findings: 3},
		wantCount: 3,
	}, {
		name: "empty file",
		files: map[string]string{
			"a.json": "",
			"b.json": delivery(t, "b", good),
		},
		wantStats: pipeline.Stats{Files: 2, Records: 1, Events: 1, Findings: 1},
		wantCount: 1,
	}, {
		name:      "missing folder reported, other listers read",
		files:     map[string]string{"a.json": delivery(t, "a", good)},
		missing:   true,
		wantStats: pipeline.Stats{Files: 1, Records: 1, Events: 1, Errors: 1, Findings: 1},
		wantCount: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if gz, ok := strings.CutPrefix(content, rawPrefix); ok {
					path := filepath.Join(dir, filepath.FromSlash(ctKey(name)))
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(gz), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeLog(t, dir, name, content)
			}
			listers := []source.Lister{source.NewFolder(dir)}
			if tt.missing {
				listers = append([]source.Lister{source.NewFolder(filepath.Join(dir, "missing"))}, listers...)
			}
			fs, st, err := pipeline.Analyze(context.Background(), pipeline.AnalyzeOptions{Listers: listers, Engine: newEngine()})
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			st.Bytes = 0
			if diff := cmp.Diff(tt.wantStats, st); diff != "" {
				t.Errorf("Analyze stats differ (-want +got):\n%s", diff)
			}
			if len(fs) != 1 || fs[0].Service.Count != tt.wantCount {
				t.Errorf("Analyze findings = %+v, want one with count %d", summarize(fs), tt.wantCount)
			}
		})
	}
}

// rawPrefix marks file content of TestAnalyzeBadInput to write as is.
const rawPrefix = "RAW:"

// truncatedGzip returns, after rawPrefix, a gzipped delivery file of the
// records whose compressed stream stops in the middle of its last record,
// as a crash or an upload in progress leaves it. The writer flushes after
// each record, so the records before the last one can be decompressed.
func truncatedGzip(t *testing.T, recs ...string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	write := func(s string) {
		if _, err := zw.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"Records":[`)
	for _, r := range recs[:len(recs)-1] {
		write(r + ",")
	}
	cut := buf.Len()
	write(recs[len(recs)-1] + "]}")
	return rawPrefix + string(buf.Bytes()[:cut+(buf.Len()-cut)/2])
}

// TestAnalyzeWorkers checks that the number of readers changes nothing in
// the result: findings, their counts and details, and the statistics.
func TestAnalyzeWorkers(t *testing.T) {
	dir := t.TempDir()
	apis := []string{"ListBuckets", "GetBucketAcl", "GetBucketLocation", "ListAllMyBuckets"}
	regions := []string{"us-east-1", "eu-west-1"}
	n := 0
	next := func() time.Time { n++; return day.Add(time.Duration(n) * time.Second) }
	for i := range 40 {
		var calls []call
		for j := range 6 {
			c := root(apis[(i+j/2)%len(apis)], next())
			c.region = regions[j%len(regions)]
			c.agent = fmt.Sprintf("agent-%d-%d", i, j)
			calls = append(calls, c, role(next()))
		}
		name := fmt.Sprintf("f%02d.json", i)
		if i%3 == 0 {
			name += ".gz"
		}
		writeLog(t, dir, name, delivery(t, name, calls...))
	}
	// A file of several chunks of events.
	var big []call
	for range 5000 {
		big = append(big, root("ListBuckets", next()))
	}
	writeLog(t, dir, "big.json.gz", delivery(t, "big", big...))

	analyze := func(workers int) ([]finding.Finding, pipeline.Stats) {
		fs, st, err := pipeline.Analyze(context.Background(), pipeline.AnalyzeOptions{
			Listers: []source.Lister{source.NewFolder(dir)}, Engine: newEngine(), Workers: workers,
		})
		if err != nil {
			t.Fatalf("Analyze(workers %d): %v", workers, err)
		}
		return fs, st
	}
	wantFs, wantSt := analyze(1)
	if wantSt.Files != 41 || wantSt.Records != 40*12+5000 || wantSt.Errors != 0 {
		t.Fatalf("Analyze(workers 1) stats = %+v, want 41 files, %d records and no errors", wantSt, 40*12+5000)
	}
	total := 0
	for _, f := range wantFs {
		total += f.Service.Count
	}
	if len(wantFs) != len(apis)*len(regions) || total != 40*6+5000 {
		t.Fatalf("Analyze(workers 1) = %d findings counting %d calls, want %d findings counting %d",
			len(wantFs), total, len(apis)*len(regions), 40*6+5000)
	}
	timeEqual := cmp.Comparer(func(a, b finding.Time) bool { return a.Equal(b.Time) })
	for _, workers := range []int{4, 0} {
		for run := range 3 {
			fs, st := analyze(workers)
			if diff := cmp.Diff(wantSt, st); diff != "" {
				t.Errorf("run %d: Analyze(workers %d) stats differ from workers 1 (-want +got):\n%s", run, workers, diff)
			}
			if diff := cmp.Diff(wantFs, fs, timeEqual); diff != "" {
				t.Errorf("run %d: Analyze(workers %d) findings differ from workers 1 (-want +got):\n%s", run, workers, diff)
			}
		}
	}
}

func TestAnalyzeCancelled(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, "a.json", delivery(t, "a", root("ListBuckets", at(1))))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := pipeline.Analyze(ctx, pipeline.AnalyzeOptions{Listers: []source.Lister{source.NewFolder(dir)}, Engine: newEngine()})
	if err == nil {
		t.Errorf("Analyze(cancelled context) error = nil, want the context's error")
	}
}

func TestSortBySeverity(t *testing.T) {
	fs := []finding.Finding{
		{ID: "b", Type: "B:x/y", Severity: 2},
		{ID: "c", Type: "A:x/y", Severity: 5},
		{ID: "a", Type: "B:x/y", Severity: 2},
		{ID: "d", Type: "A:x/y", Severity: 2},
		{ID: "e", Type: "Z:x/y", Severity: 8},
	}
	pipeline.SortBySeverity(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	if want := []string{"e", "c", "d", "a", "b"}; !cmp.Equal(got, want) {
		t.Errorf("SortBySeverity order = %v, want %v", got, want)
	}
}
