package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/source"
	_ "github.com/vigil-sec/vigil/internal/source/flowlogs" // flow logs
	_ "github.com/vigil-sec/vigil/internal/source/route53"  // DNS query logs
	"github.com/vigil-sec/vigil/internal/store"
)

// usageDay is the day of the metered activity; usageDay+1 follows.
var usageDay = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

// ctRecord is one CloudTrail record of account acct in region; mgmt is
// its managementEvent.
func ctRecord(acct, region, src, name string, mgmt bool, at time.Time) string {
	cat := "Management"
	if !mgmt {
		cat = "Data"
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA6ON6E4XEEXAMPLE1","arn":"arn:aws:iam::%[1]s:user/ci","accountId":"%[1]s","accessKeyId":"AKIA6ON6E4XEEXAMPLE1","userName":"ci"},`+
		`"eventTime":"%[5]s","eventSource":"%[3]s","eventName":"%[4]s","awsRegion":"%[2]s","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0",`+
		`"requestParameters":null,"responseElements":null,"eventID":"%[4]s-%[5]s","readOnly":true,"eventType":"AwsApiCall","managementEvent":%[6]t,"recipientAccountId":"%[1]s","eventCategory":"%[7]s"}`,
		acct, region, src, name, at.Format(time.RFC3339), mgmt, cat)
}

// flowLine is one default-format flow record of eni starting at t.
func flowLine(acct, eni string, t time.Time, bytes int) string {
	return fmt.Sprintf("2 %s %s 10.0.1.5 198.51.100.9 44321 443 6 10 %d %d %d ACCEPT OK", acct, eni, bytes, t.Unix(), t.Unix()+60)
}

const flowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// dnsLine is one Route 53 Resolver query log record.
func dnsLine(acct, region string, t time.Time, name string) string {
	return fmt.Sprintf(`{"version":"1.100000","account_id":"%s","region":"%s","vpc_id":"vpc-0a1b2c3d","query_timestamp":"%s","query_name":"%s.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.1.5","srcport":"53124","transport":"UDP","srcids":{"instance":"i-0123456789abcdef0"}}`,
		acct, region, t.Format(time.RFC3339), name)
}

// writeFile writes content at dir/key, gzipped when key ends in .gz, and
// returns the decompressed size.
func writeFile(t *testing.T, dir, key, content string) int64 {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(content)
	if strings.HasSuffix(key, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return int64(len(content))
}

// lambdaENIs is an inventory that knows one Lambda function's interface.
type lambdaENIs map[string]string

func (l lambdaENIs) Interface(eni string) (detect.NetworkInterface, bool) {
	fn, ok := l[eni]
	return detect.NetworkInterface{ID: eni, FunctionName: fn}, ok
}

// usageFixture is a folder of CloudTrail, flow and DNS logs, and the usage
// they must meter, worked out from the files.
type usageFixture struct {
	dir string
	// events are the exact event counts by "day account region dimension".
	events map[string]float64
	// fileBytes are the decompressed sizes of the byte-metered files, and
	// the keys each file's bytes go to.
	files []meteredFile
}

type meteredFile struct {
	size int64
	// share is each key's exact proportional share of size: its records'
	// bytes (with their newlines) over all records' bytes.
	share map[string]float64
}

func key(d int, acct, region string, dim cost.Dimension) string {
	return fmt.Sprintf("%s %s %s %s", usageDay.AddDate(0, 0, d).Format(time.DateOnly), acct, region, dim)
}

func newUsageFixture(t *testing.T) *usageFixture {
	t.Helper()
	f := &usageFixture{dir: t.TempDir(), events: map[string]float64{}}
	h := func(min int) time.Time { return usageDay.Add(time.Duration(min) * time.Minute) }
	ct := []string{
		ctRecord(acctA, "us-east-1", "ec2.amazonaws.com", "DescribeInstances", true, h(60)),
		ctRecord(acctA, "us-east-1", "iam.amazonaws.com", "ListUsers", true, h(61)),
		ctRecord(acctA, "us-east-1", "s3.amazonaws.com", "CreateBucket", true, h(62)),         // S3, but a management event
		ctRecord(acctA, "us-east-1", "s3.amazonaws.com", "GetObject", false, h(63)),           // S3 data event
		ctRecord(acctA, "us-east-1", "s3.amazonaws.com", "PutObject", false, h(64)),           // S3 data event
		ctRecord(acctA, "us-east-1", "lambda.amazonaws.com", "Invoke", false, h(65)),          // a data event GuardDuty does not analyse
		ctRecord(acctA, "eu-west-1", "sts.amazonaws.com", "GetCallerIdentity", true, h(1500)), // the next day, another region
		ctRecord(acctB, "us-east-1", "ec2.amazonaws.com", "DescribeVpcs", true, h(70)),
	}
	writeFile(t, f.dir, "AWSLogs/"+acctA+"/CloudTrail/us-east-1/2024/05/01/ct1.json.gz", `{"Records":[`+strings.Join(ct, ",")+`]}`)
	f.events[key(0, acctA, "us-east-1", cost.CloudTrailEvents)] = 3
	f.events[key(0, acctA, "us-east-1", cost.S3DataEvents)] = 2
	f.events[key(1, acctA, "eu-west-1", cost.CloudTrailEvents)] = 1
	f.events[key(0, acctB, "us-east-1", cost.CloudTrailEvents)] = 1

	// Flow logs of account A in us-east-1: an instance's interface and a
	// Lambda function's (known from the inventory), one record on the
	// next day.
	flows := []struct {
		eni string
		d   int
		dim cost.Dimension
	}{
		{"eni-0web", 0, cost.FlowLogBytes}, {"eni-0web", 0, cost.FlowLogBytes}, {"eni-0fn", 0, cost.LambdaNetworkBytes},
		{"eni-0web", 0, cost.FlowLogBytes}, {"eni-0fn", 0, cost.LambdaNetworkBytes}, {"eni-0web", 1, cost.FlowLogBytes},
	}
	lines := []string{flowHeader}
	weights := map[string]float64{}
	total := 0.0
	for i, fl := range flows {
		l := flowLine(acctA, fl.eni, usageDay.AddDate(0, 0, fl.d).Add(time.Duration(i)*time.Hour), 1000*(i+1))
		lines = append(lines, l)
		weights[key(fl.d, acctA, "us-east-1", fl.dim)] += float64(len(l) + 1)
		total += float64(len(l) + 1)
	}
	size := writeFile(t, f.dir, "AWSLogs/"+acctA+"/vpcflowlogs/us-east-1/2024/05/01/"+acctA+"_vpcflowlogs_us-east-1_fl-1_20240501T0000Z_a1.log.gz",
		strings.Join(lines, "\n")+"\n")
	f.files = append(f.files, meteredFile{size: size, share: shares(weights, total, size)})

	// A second flow file of account B, one key: all its bytes.
	size = writeFile(t, f.dir, "AWSLogs/"+acctB+"/vpcflowlogs/us-west-2/2024/05/01/"+acctB+"_vpcflowlogs_us-west-2_fl-2_20240501T0000Z_b1.log",
		flowHeader+"\n"+flowLine(acctB, "eni-0db", usageDay.Add(3*time.Hour), 512)+"\n"+flowLine(acctB, "eni-0db", usageDay.Add(4*time.Hour), 64)+"\n")
	f.files = append(f.files, meteredFile{size: size, share: map[string]float64{key(0, acctB, "us-west-2", cost.FlowLogBytes): float64(size)}})

	// DNS query logs of account A in eu-west-1.
	dns := dnsLine(acctA, "eu-west-1", usageDay.Add(2*time.Hour), "www.example.com") + "\n" +
		dnsLine(acctA, "eu-west-1", usageDay.Add(3*time.Hour), "api.example.com") + "\n"
	size = writeFile(t, f.dir, "AWSLogs/"+acctA+"/vpcdnsquerylogs/vpc-0a1b2c3d/2024/05/01/"+acctA+"_vpcdnsquerylogs_vpc-0a1b2c3d_20240501T0000Z_c1.log.gz", dns)
	f.files = append(f.files, meteredFile{size: size, share: map[string]float64{key(0, acctA, "eu-west-1", cost.DNSLogBytes): float64(size)}})
	return f
}

func shares(weights map[string]float64, total float64, size int64) map[string]float64 {
	out := map[string]float64{}
	for k, w := range weights {
		out[k] = float64(size) * w / total
	}
	return out
}

// check compares metered usage with the fixture: event counts exactly;
// the bytes of each key within one byte of its exact proportional share,
// and the bytes of all keys adding up to the files' decompressed sizes.
//
// Usage is metered on the day the files are read (workDay), whatever the
// days of their events: the fixture's keys are moved to that day.
func (f *usageFixture) check(t *testing.T, workDay time.Time, recs []store.UsageRecord) {
	t.Helper()
	onWorkDay := func(k string) string {
		_, rest, _ := strings.Cut(k, " ")
		return workDay.Format(time.DateOnly) + " " + rest
	}
	events := map[string]float64{}
	for k, v := range f.events {
		events[onWorkDay(k)] += v
	}
	var files []meteredFile
	for _, mf := range f.files {
		moved := meteredFile{size: mf.size, share: map[string]float64{}}
		for k, v := range mf.share {
			moved.share[onWorkDay(k)] += v
		}
		files = append(files, moved)
	}
	got := map[string]float64{}
	for _, r := range recs {
		k := fmt.Sprintf("%s %s %s %s", r.Day.Format(time.DateOnly), r.Account, r.Region, r.Dimension)
		if _, dup := got[k]; dup {
			t.Errorf("usage key %s listed twice", k)
		}
		got[k] = r.Amount
	}
	wantBytes := map[string]float64{}
	var wantTotal, gotTotal float64
	for _, mf := range files {
		for k, v := range mf.share {
			wantBytes[k] += v
		}
		wantTotal += float64(mf.size)
	}
	for k, want := range events {
		if got[k] != want {
			t.Errorf("usage %s = %v, want %v", k, got[k], want)
		}
	}
	for k, want := range wantBytes {
		if math.Abs(got[k]-want) > 1 || got[k] != math.Trunc(got[k]) {
			t.Errorf("usage %s = %v bytes, want %.2f ± 1, whole", k, got[k], want)
		}
		gotTotal += got[k]
	}
	if gotTotal != wantTotal {
		t.Errorf("bytes metered = %v, want the files' decompressed %v", gotTotal, wantTotal)
	}
	for k := range got {
		if _, ok := events[k]; !ok {
			if _, ok := wantBytes[k]; !ok {
				t.Errorf("unexpected usage %s = %v", k, got[k])
			}
		}
	}
}

func TestAnalyzeMetersUsage(t *testing.T) {
	f := newUsageFixture(t)
	workDay := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC) // long after the events
	var totals pipeline.UsageTotals
	_, st, err := pipeline.Analyze(context.Background(), pipeline.AnalyzeOptions{
		Listers: []source.Lister{source.NewFolder(f.dir)}, Engine: newEngine(), Workers: 3,
		Usage: &totals, Inventory: lambdaENIs{"eni-0fn": "thumbnailer"}, Now: func() time.Time { return workDay },
	})
	if err != nil || st.Errors != 0 || st.Files != 4 {
		t.Fatalf("Analyze = %+v, %v; want 4 files read without errors", st, err)
	}
	f.check(t, workDay, totals.Records())
}

func TestAnalyzeWithoutUsageMetersNothing(t *testing.T) {
	f := newUsageFixture(t)
	_, st, err := pipeline.Analyze(context.Background(), pipeline.AnalyzeOptions{
		Listers: []source.Lister{source.NewFolder(f.dir)}, Engine: newEngine(),
	})
	if err != nil || st.Files != 4 {
		t.Fatalf("Analyze without Usage = %+v, %v", st, err)
	}
}

// TestWatcherMetersEachFileOnce: the usage of a file is recorded when it
// is committed, and never again when a later pass skips it; a file that
// is still being written counts only once it is complete and read.
func TestWatcherMetersEachFileOnce(t *testing.T) {
	f := newUsageFixture(t)
	db := openStore(t)
	clk := &clock{t: time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)}
	w := watchFolder(f.dir, db, pipeline.WatchOptions{Usage: db, Inventory: lambdaENIs{"eni-0fn": "thumbnailer"}, Now: clk.now},
		pipeline.WatchSource{Settle: time.Hour})
	list := func() []store.UsageRecord {
		t.Helper()
		recs, err := db.ListUsage(context.Background(), usageDay.AddDate(0, 0, -1), usageDay.AddDate(0, 0, 4))
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if st := poll(t, w); st.Files != 4 {
		t.Fatalf("first pass read %d files, want 4", st.Files)
	}
	first := list()
	f.check(t, clk.t, first)
	if st := poll(t, w); st.Files != 0 || st.Skipped != 4 {
		t.Fatalf("second pass = %+v, want the 4 files skipped", st)
	}
	if diff := cmp.Diff(first, list()); diff != "" {
		t.Errorf("a pass that skipped every file changed the usage (-before +after):\n%s", diff)
	}

	// A gzip file cut short and just modified is read but not committed:
	// its usage waits until it is complete.
	full := dnsLine(acctB, "us-east-1", usageDay.Add(5*time.Hour), "a.example.com") + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(full, 200)))
	zw.Close()
	path := filepath.Join(f.dir, "AWSLogs", acctB, "vpcdnsquerylogs", "vpc-1", "2024", "05", "01", "late.log.gz")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, gz.Bytes()[:gz.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, path, clk.t)
	poll(t, w)
	if diff := cmp.Diff(first, list()); diff != "" {
		t.Errorf("an incomplete file was metered (-before +after):\n%s", diff)
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, path, clk.t.Add(time.Second))
	poll(t, w)
	f.files = append(f.files, meteredFile{size: int64(200 * len(full)),
		share: map[string]float64{key(0, acctB, "us-east-1", cost.DNSLogBytes): float64(200 * len(full))}})
	f.check(t, clk.t, list())
}

// TestUsageTotals: the in-memory usage store adds up amounts by key and
// lists a range, like the database.
func TestUsageTotals(t *testing.T) {
	var u pipeline.UsageTotals
	ctx := context.Background()
	d := func(n int, h int) time.Time { return usageDay.AddDate(0, 0, n).Add(time.Duration(h) * time.Hour) }
	u.AddUsage(ctx, []store.UsageRecord{
		{Day: d(0, 5), Account: acctA, Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 10},
		{Day: d(1, 0), Account: acctA, Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1},
	})
	u.AddUsage(ctx, []store.UsageRecord{{Day: d(0, 23), Account: acctA, Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 5}})
	want := []store.UsageRecord{
		{Day: d(0, 0), Account: acctA, Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 15},
		{Day: d(1, 0), Account: acctA, Region: "us-east-1", Dimension: "FlowLogBytes", Amount: 1},
	}
	if diff := cmp.Diff(want, u.Records()); diff != "" {
		t.Errorf("Records() (-want +got):\n%s", diff)
	}
	got, _ := u.ListUsage(ctx, d(1, 0), d(2, 0))
	if diff := cmp.Diff(want[1:], got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListUsage(day 1) (-want +got):\n%s", diff)
	}
}
