package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
	"github.com/vigil-sec/vigil/internal/testutil/versitygw"
)

var costTotalRe = regexp.MustCompile(`(?m)^Total \(list price\) +([0-9,]+\.[0-9]{2}) USD$`)

// costTotal returns the "Total (list price)" of a table, or fails.
func costTotal(t *testing.T, out string) string {
	t.Helper()
	m := costTotalRe.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want one \"Total (list price) ... USD\" line, got %d in:\n%s", len(m), out)
	}
	return m[0][1]
}

func costJSON(t *testing.T, out string) costReport {
	t.Helper()
	var r costReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("cost estimate --json: %v\n%s", err, out)
	}
	return r
}

// TestCostSeedExample is issue 8's example through the binary: 100 GB and
// 100,000 objects of Malware Protection for S3 in Tokyo cost 40.05 USD.
func TestCostSeedExample(t *testing.T) {
	args := []string{"cost", "estimate", "--region", "ap-northeast-1", "--s3-malware-gb", "100", "--s3-malware-objects", "100000"}
	out := mustVigil(t, args...)
	if got := costTotal(t, out); got != "40.05" {
		t.Errorf("total = %s, want 40.05\n%s", got, out)
	}
	for _, line := range []string{
		`(?m)^Malware Protection for S3: GB scanned +100 +GB +0\.1185 +11\.85$`,
		`(?m)^Malware Protection for S3: objects evaluated +100 +1,000 objects +0\.282 +28\.20$`,
	} {
		if !regexp.MustCompile(line).MatchString(out) {
			t.Errorf("output lacks a line matching %s:\n%s", line, out)
		}
	}
	if prices := mustVigil(t, "cost", "prices", "--region", "ap-northeast-1"); !strings.Contains(prices, "0.1185") || !strings.Contains(prices, "2026-01-20") {
		t.Errorf("vigil cost prices lacks Tokyo's 0.1185 or the table's date:\n%s", prices)
	}
	r := costJSON(t, mustVigil(t, append(args, "--json")...))
	if r.TotalUSD != 40.05 || len(r.Estimates) != 1 || r.Estimates[0].PricesDate != "2026-01-20" || len(r.Estimates[0].Lines) != 2 {
		t.Errorf("--json = %+v, want one estimate of 40.05 USD at 2026-01-20 prices with two lines", r)
	}
}

// TestCostTiersAndAllowances: the ladder across a month of flow logs, and
// allowances printed apart from the list price.
func TestCostTiersAndAllowances(t *testing.T) {
	out := mustVigil(t, "cost", "estimate", "--region", "ap-northeast-1", "--flow-logs-gb", "12000", "--dns-logs-gb", "300",
		"--s3-malware-gb", "100", "--s3-malware-objects", "100000", "--free-tier")
	// 590 + 1,180 + 2,175 + 340 = 4,285; DNS 300 × 0.17 = 51; + 40.05.
	if got := costTotal(t, out); got != "4,376.05" {
		t.Errorf("total = %s, want 4,376.05\n%s", got, out)
	}
	for _, want := range []string{"  first 500 ", "  500 to 2,500 ", "  2,500 to 10,000 ", "  over 10,000 ", "Allowances total", "0.40 USD", "Total after allowances", "4,375.65 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCostConfig: vigil.yaml prices what the built-in table does not and
// supplies monitored vCPUs.
func TestCostConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.yaml")
	yaml := `cost:
  monitored:
    us-east-1: {runtime_vcpus: 10, rds_acus: 2}
  prices:
    ap-northeast-1:
      S3DataEvents:
        - {up_to: 500, usd: 0.94}
        - {usd: 0.47}
`
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := costJSON(t, mustVigil(t, "cost", "estimate", "--config", path, "--region", "ap-northeast-1", "--s3-data-events", "600000000", "--json"))
	if r.TotalUSD != 517 || !strings.HasSuffix(r.Estimates[0].PricesVersion, "+vigil.yaml") {
		t.Errorf("overridden S3 data events in Tokyo = %v USD (version %s), want 517 (500 × 0.94 + 100 × 0.47) at a +vigil.yaml version", r.TotalUSD, r.Estimates[0].PricesVersion)
	}
	// 10 vCPUs × 1.50 + 2 ACUs × 0.25 + 1M CloudTrail events × 4.00.
	out := mustVigil(t, "cost", "estimate", "--config", path, "--region", "us-east-1", "--cloudtrail-events", "1000000")
	if got := costTotal(t, out); got != "19.50" {
		t.Errorf("us-east-1 with monitored vCPUs = %s, want 19.50\n%s", got, out)
	}
	// The flag wins over the file.
	out = mustVigil(t, "cost", "estimate", "--config", path, "--region", "us-east-1", "--runtime-vcpus", "600")
	if got := costTotal(t, out); got != "825.50" {
		t.Errorf("--runtime-vcpus 600 = %s, want 825.50 (500 × 1.50 + 100 × 0.75 + 0.50)\n%s", got, out)
	}
}

// TestCostBadInput: bad input is an error with no table and no total.
func TestCostBadInput(t *testing.T) {
	badYAML := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(badYAML, []byte("cost:\n  prices:\n    us-east-1:\n      FlowLogBytes: [{up_to: 500, usd: 1}]\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown region", []string{"--region", "eu-west-9", "--flow-logs-gb", "1"}, 1, "ap-northeast-1, us-east-1"},
		{"non-numeric", []string{"--region", "us-east-1", "--flow-logs-gb", "lots"}, 2, `invalid value "lots"`},
		{"negative", []string{"--region", "us-east-1", "--s3-malware-objects", "-5"}, 2, "--s3-malware-objects -5: want a non-negative number"},
		{"NaN", []string{"--region", "us-east-1", "--cloudtrail-events", "NaN"}, 2, "want a non-negative number"},
		{"infinite", []string{"--region", "us-east-1", "--cloudtrail-events", "+Inf"}, 2, "want a non-negative number"},
		{"no region", []string{"--flow-logs-gb", "1"}, 2, "give --region"},
		{"nothing to price", []string{"--region", "us-east-1"}, 2, "give monthly quantities"},
		{"unpriced in region", []string{"--region", "ap-northeast-1", "--s3-malware-gb", "1", "--eks-audit-events", "5"}, 1, "no price in ap-northeast-1 for EKSAuditEvents"},
		{"days without from-usage", []string{"--region", "us-east-1", "--flow-logs-gb", "1", "--days", "7"}, 2, "--days goes with --from-usage"},
		{"from-usage with quantities", []string{"--from-usage", "--flow-logs-gb", "1"}, 2, "give no quantities"},
		{"bucket and s3 flags", []string{"--region", "us-east-1", "--bucket", "s3://b/", "--s3-malware-gb", "1"}, 2, "leave out --s3-malware-gb"},
		{"bad bucket URL", []string{"--region", "us-east-1", "--bucket", "http://b/"}, 2, "want s3://bucket/prefix"},
		{"bad config", []string{"--region", "us-east-1", "--flow-logs-gb", "1", "--config", badYAML}, 1, "last tier has no end"},
		{"no store", []string{"--from-usage", "--data-dir", filepath.Join(t.TempDir(), "none")}, 1, "no Vigil store"},
		{"stray argument", []string{"--region", "us-east-1", "100"}, 2, `unexpected argument "100"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := vigil(t, append([]string{"cost", "estimate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.says) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, errOut, tt.code, tt.says)
			}
			if out != "" {
				t.Errorf("stdout not empty on error:\n%s", out)
			}
		})
	}
	if _, _, code := vigil(t, "cost", "guess"); code != 2 {
		t.Errorf("vigil cost guess: exit %d, want 2", code)
	}
}

// TestCostBucket measures a bucket on a real S3 server through the
// binary: the estimate counts exactly the objects uploaded.
func TestCostBucket(t *testing.T) {
	s := versitygw.Start(t, versitygw.Options{})
	s.CreateBucket(t, "uploads")
	const n = 150
	var total int64
	for i := range n {
		size := 1000 + i*37
		s.Put(t, "uploads", fmt.Sprintf("incoming/%03d.dat", i), bytes.Repeat([]byte{byte(i)}, size))
		total += int64(size)
	}
	s.Put(t, "uploads", "other/x.dat", []byte("not under the prefix"))
	env := []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region}
	run := func(args ...string) (string, string, int) {
		return vigilEnv(t, env, append([]string{"cost", "estimate", "--region", "ap-northeast-1", "--s3-endpoint", s.Endpoint}, args...)...)
	}
	out, errOut, code := run("--bucket", "s3://uploads/incoming/", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := costJSON(t, out)
	if len(r.Buckets) != 1 || r.Buckets[0].Objects != n || r.Buckets[0].Bytes != total {
		t.Fatalf("buckets = %+v, want %d objects of %d bytes", r.Buckets, n, total)
	}
	// Uploaded today: the month is 30 such days.
	wantObjects, wantGB := float64(30*n)/1000, float64(30*total)/cost.BytesPerGB
	lines := r.Estimates[0].Lines
	if len(lines) != 2 || lines[0].Quantity != wantGB || lines[1].Quantity != wantObjects {
		t.Errorf("lines = %+v, want %v GB and %v × 1,000 objects", lines, wantGB, wantObjects)
	}
	table, _, _ := run("--bucket", "s3://uploads/incoming/")
	if !strings.Contains(table, fmt.Sprintf("s3://uploads/incoming/ (list): %d objects", n)) {
		t.Errorf("table does not show the bucket measured:\n%s", table)
	}
	costTotal(t, table)

	// A bucket that cannot be listed: an error, and no total.
	out, errOut, code = run("--bucket", "s3://no-such-bucket/")
	if code != 1 || out != "" || !strings.Contains(errOut, "s3://no-such-bucket/") {
		t.Errorf("unlistable bucket: exit %d, stdout %q, stderr %q; want exit 1 naming the bucket and no output", code, out, errOut)
	}
	_, errOut, code = vigilEnv(t, []string{"AWS_ACCESS_KEY_ID=wrong", "AWS_SECRET_ACCESS_KEY=wrong", "AWS_REGION=us-east-1"},
		"cost", "estimate", "--region", "us-east-1", "--s3-endpoint", s.Endpoint, "--bucket", "s3://uploads/")
	if code != 1 {
		t.Errorf("wrong credentials: exit %d, want 1 (%s)", code, errOut)
	}

	// The same objects from an S3 Inventory report written by hand.
	var csv strings.Builder
	for i := range n {
		fmt.Fprintf(&csv, "\"uploads\",\"incoming%%2F%03d.dat\",\"%d\",\"2026-03-%02dT12:00:00.000Z\"\n", i, 1000+i*37, 1+i%30)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csv.String()))
	zw.Close()
	s.CreateBucket(t, "inventory")
	s.Put(t, "inventory", "uploads/all/data/a.csv.gz", gz.Bytes())
	manifest := fmt.Sprintf(`{"sourceBucket":"uploads","destinationBucket":"arn:aws:s3:::inventory","version":"2016-11-30",
		"creationTimestamp":"%d","fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate",
		"files":[{"key":"uploads/all/data/a.csv.gz","size":%d}]}`, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), gz.Len())
	s.Put(t, "inventory", "uploads/all/2026-04-01T00-00Z/manifest.json", []byte(manifest))
	out, errOut, code = run("--inventory", "s3://inventory/uploads/all/2026-04-01T00-00Z/manifest.json", "--json")
	if code != 0 {
		t.Fatalf("--inventory: exit %d: %s", code, errOut)
	}
	r = costJSON(t, out)
	// Every object was modified 2026-03-01..30, inside the 30 days before
	// the report of 2026-04-01 except those of 2026-03-01 12:00 (i%30 == 0).
	recent := n - (n+29)/30
	if b := r.Buckets[0]; b.Objects != n || b.Bytes != total || b.MonthlyObjects != float64(recent) {
		t.Errorf("inventory = %+v, want %d objects of %d bytes, %d in the month", b, n, total, recent)
	}
}

// TestCostFromUsage projects a month per region from usage records in
// the store, as vigil serve writes them.
func TestCostFromUsage(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	us, ok := any(db).(store.UsageStore)
	if !ok {
		db.Close()
		t.Skip("the sqlite store does not implement store.UsageStore yet")
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var recs []store.UsageRecord
	for i := range 3 { // three days with records
		day := today.AddDate(0, 0, -i)
		recs = append(recs,
			store.UsageRecord{Day: day, Account: "111111111111", Region: "ap-northeast-1", Dimension: string(cost.S3MalwareBytes), Amount: 5 * cost.BytesPerGB},
			store.UsageRecord{Day: day, Account: "222222222222", Region: "ap-northeast-1", Dimension: string(cost.S3MalwareObjects), Amount: 5000},
			store.UsageRecord{Day: day, Account: "111111111111", Region: "us-east-1", Dimension: string(cost.CloudTrailEvents), Amount: 1e6},
		)
	}
	// Outside a 7-day window.
	recs = append(recs, store.UsageRecord{Day: today.AddDate(0, 0, -10), Account: "111111111111", Region: "us-east-1", Dimension: string(cost.CloudTrailEvents), Amount: 1e9})
	if err := us.AddUsage(ctx, recs); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r := costJSON(t, mustVigil(t, "cost", "estimate", "--from-usage", "--days", "7", "--data-dir", dir, "--json"))
	// Tokyo: 15 GB × 10 = 150 GB → 17.775 → 17.78; 15,000 objects × 10 =
	// 150 × 0.282 = 42.30. us-east-1: 3M events × 10 = 30M × 4.00 = 120.
	if r.Observed == nil || r.Observed.Days != 3 || len(r.Estimates) != 2 {
		t.Fatalf("report = %+v, want 3 days and two regions", r)
	}
	got := map[string]float64{}
	for _, e := range r.Estimates {
		got[e.Region] = e.TotalUSD
	}
	if got["ap-northeast-1"] != 60.08 || got["us-east-1"] != 120 || r.TotalUSD != 180.08 {
		t.Errorf("totals = %v (all %v), want ap-northeast-1 60.08, us-east-1 120, all 180.08", got, r.TotalUSD)
	}
	out := mustVigil(t, "cost", "estimate", "--from-usage", "--days", "7", "--data-dir", dir)
	for _, want := range []string{"3 days with records, × 30/3", "Accounts: 111111111111, 222222222222", "All regions: Total (list price) 180.08 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// --region narrows to one region.
	out = mustVigil(t, "cost", "estimate", "--from-usage", "--days", "7", "--data-dir", dir, "--region", "us-east-1")
	if got := costTotal(t, out); got != "120.00" {
		t.Errorf("--region us-east-1 total = %s, want 120.00", got)
	}
	// A window with nothing in it is an error, not a zero.
	empty := t.TempDir()
	db, _ = sqlite.Open(ctx, filepath.Join(empty, "vigil.db"), nil)
	db.Close()
	if out, errOut, code := vigil(t, "cost", "estimate", "--from-usage", "--data-dir", empty); code != 1 || out != "" || !strings.Contains(errOut, "no usage recorded") {
		t.Errorf("empty store: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
