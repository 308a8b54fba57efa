package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// onDay moves usage keyed "day account region dimension" to day.
func onDay(m map[string]float64, day string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		_, rest, _ := strings.Cut(k, " ")
		out[day+" "+rest] += v
	}
	return out
}

// usageKey is "day account region dimension".
func usageKey(day, account, region string, d cost.Dimension) string {
	return day + " " + account + " " + region + " " + string(d)
}

// expectedUsage works out from the files what Vigil must meter, without
// Vigil's code: CloudTrail records one by one (management events, and
// S3 data events: S3 records that are not management events; other data
// events are not metered), and the decompressed size of each flow and
// DNS log file, whose records all fall in one day, account and region.
func expectedUsage(t *testing.T, dir string) map[string]float64 {
	t.Helper()
	want := map[string]float64{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "/AWSLogs/") {
			return err
		}
		data := readLog(t, path)
		parts := strings.Split(filepath.ToSlash(path[strings.Index(path, "/AWSLogs/")+1:]), "/")
		switch parts[2] { // AWSLogs/<account>/<service>/...
		case "CloudTrail":
			var f struct {
				Records []struct {
					EventTime, EventSource, RecipientAccountID, AwsRegion string
					ManagementEvent                                       *bool
				}
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, r := range f.Records {
				mgmt := r.ManagementEvent == nil || *r.ManagementEvent
				switch {
				case mgmt:
					want[usageKey(r.EventTime[:10], r.RecipientAccountID, r.AwsRegion, cost.CloudTrailEvents)]++
				case r.EventSource == "s3.amazonaws.com":
					want[usageKey(r.EventTime[:10], r.RecipientAccountID, r.AwsRegion, cost.S3DataEvents)]++
				}
			}
		case "vpcflowlogs": // AWSLogs/<account>/vpcflowlogs/<region>/...
			keys := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
				f := strings.Fields(line)
				start, err := strconv.ParseInt(f[10], 10, 64)
				if err != nil {
					t.Fatalf("%s: start %q", path, f[10])
				}
				keys[usageKey(time.Unix(start, 0).UTC().Format(time.DateOnly), f[1], parts[3], cost.FlowLogBytes)] = true
			}
			addFile(t, want, path, keys, len(data))
		case "vpcdnsquerylogs":
			keys := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var r struct {
					AccountID      string `json:"account_id"`
					Region         string `json:"region"`
					QueryTimestamp string `json:"query_timestamp"`
				}
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				keys[usageKey(r.QueryTimestamp[:10], r.AccountID, r.Region, cost.DNSLogBytes)] = true
			}
			addFile(t, want, path, keys, len(data))
		default:
			t.Fatalf("%s: a log the test does not know", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func addFile(t *testing.T, want map[string]float64, path string, keys map[string]bool, size int) {
	t.Helper()
	if len(keys) != 1 {
		t.Fatalf("%s: records of %d days, accounts or regions; the test expects one", path, len(keys))
	}
	for k := range keys {
		want[k] += float64(size)
	}
}

func readLog(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// parseUsageTable reads the table "vigil analyze --usage" prints.
func parseUsageTable(t *testing.T, stderr string) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	header := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 6 && f[0] == "DAY" && f[3] == "DIMENSION" {
			header = true
			continue
		}
		if !header || len(f) != 6 {
			continue
		}
		v, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			t.Fatalf("usage line %q: %v", sc.Text(), err)
		}
		got[usageKey(f[0], f[1], f[2], cost.Dimension(f[3]))] = v
	}
	if !header {
		t.Fatalf("no usage table in the output of vigil analyze --usage:\n%s", stderr)
	}
	return got
}

// TestUsageMeteredMatchesInput: the usage "vigil analyze" prints and
// "vigil serve" records equals what the simulated logs hold, and
// GetUsageStatistics through the AWS CLI prices it as GuardDuty would.
func TestUsageMeteredMatchesInput(t *testing.T) {
	dir := t.TempDir()
	// Two days ago, 10:00 to 11:00 UTC: no file spans midnight, and the
	// usage is inside GetUsageStatistics' last 30 days.
	start := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour).Add(10 * time.Hour)
	mustVigil(t, "simulate", "--out", dir, "--events", "3000", "--flows", "2000", "--dns", "600", "--accounts", "2",
		"--regions", "us-east-1,eu-west-1", "--start", start.Format(time.RFC3339), "--seed", "5")
	want := expectedUsage(t, dir)
	m := readManifest(t, dir)
	var events, s3, flowBytes, dnsBytes float64
	for k, v := range want {
		switch {
		case strings.HasSuffix(k, string(cost.CloudTrailEvents)):
			events += v
		case strings.HasSuffix(k, string(cost.S3DataEvents)):
			s3 += v
		case strings.HasSuffix(k, string(cost.FlowLogBytes)):
			flowBytes += v
		case strings.HasSuffix(k, string(cost.DNSLogBytes)):
			dnsBytes += v
		}
	}
	if events == 0 || s3 == 0 || flowBytes == 0 || dnsBytes == 0 || events+s3 > float64(m.Events) {
		t.Fatalf("simulated logs: %v management and %v S3 data events of %d, %v flow and %v DNS bytes; the test needs all four",
			events, s3, m.Events, flowBytes, dnsBytes)
	}

	// Usage counts on the day Vigil does the work (GuardDuty bills the
	// month it analyses logs in), not the day of the events.
	today := time.Now().UTC().Format(time.DateOnly)
	want = onDay(want, today)
	t.Run("analyze", func(t *testing.T) {
		_, stderr, code := vigil(t, "analyze", "--usage", "--quiet", dir)
		if code != 0 {
			t.Fatalf("vigil analyze --usage: exit %d\n%s", code, stderr)
		}
		if diff := cmp.Diff(want, parseUsageTable(t, stderr)); diff != "" {
			t.Errorf("vigil analyze --usage (-want +got):\n%s", diff)
		}
	})

	data := t.TempDir()
	t.Run("serve", func(t *testing.T) {
		for range 2 { // the second pass reads nothing new and must count nothing
			if _, stderr, code := vigil(t, "serve", "--once", "--data-dir", data, "--watch", dir); code != 0 {
				t.Fatalf("vigil serve --once: exit %d\n%s", code, stderr)
			}
		}
		db, err := sqlite.Open(context.Background(), filepath.Join(data, "vigil.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		recs, err := db.ListUsage(context.Background(), start.AddDate(0, 0, -1), start.AddDate(0, 0, 4))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, r := range recs {
			got[usageKey(r.Day.Format(time.DateOnly), r.Account, r.Region, cost.Dimension(r.Dimension))] = r.Amount
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("usage recorded by vigil serve (-want +got):\n%s", diff)
		}
	})

	t.Run("GetUsageStatistics", func(t *testing.T) {
		testUsageStatisticsCLI(t, data, want)
	})
}

// usageCostConfig prices flow logs high enough that a simulated hour
// costs dollars, prices eu-west-1 (which the built-in table lacks) for
// every dimension the logs have, and monitors 10 runtime vCPUs.
const usageCostConfig = `cost:
  monitored:
    us-east-1: {runtime_vcpus: 10}
  prices:
    us-east-1:
      FlowLogBytes: [{usd: "5000"}]
      CloudTrailEvents: [{usd: "4000"}]
    eu-west-1:
      FlowLogBytes: [{usd: "7000"}]
      CloudTrailEvents: [{usd: "4400"}]
      S3DataEvents: [{usd: "900"}]
`

// testUsageStatisticsCLI serves the data dir's usage with usageCostConfig
// and checks get-usage-statistics against the usage priced with the cost
// tables: per account and region, a month of list prices.
func testUsageStatisticsCLI(t *testing.T, data string, want map[string]float64) {
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Skip("the Debian AWS CLI (/usr/bin/aws) is not installed: apt-get install awscli")
	}
	cfgPath := filepath.Join(t.TempDir(), "vigil.yaml")
	if err := os.WriteFile(cfgPath, []byte(usageCostConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	prices, err := cost.DefaultPrices().WithOverrides(cfg.Cost)
	if err != nil {
		t.Fatal(err)
	}
	// The expected bill, from the usage the files hold.
	usage := map[[2]string]cost.Usage{}
	for k, v := range want {
		f := strings.Fields(k)
		scope := [2]string{f[1], f[2]}
		if usage[scope] == nil {
			usage[scope] = cost.Usage{}
		}
		usage[scope][cost.Dimension(f[3])] += v
	}
	usage[[2]string{config.DefaultMalwareAccountID, "us-east-1"}] = cost.Usage{cost.RuntimeVCPUHours: 10 * 30 * 24}
	flowUSD, byAccount := 0.0, map[string]float64{}
	for scope, u := range usage {
		e, err := prices.Estimate(scope[1], u, cost.EstimateOptions{})
		if err != nil {
			t.Fatalf("Estimate(%s, %v) = %v", scope[1], u, err)
		}
		for _, l := range e.Lines {
			if l.Dimension == cost.FlowLogBytes {
				flowUSD += l.USD
			}
		}
		byAccount[scope[0]] += e.TotalUSD
	}

	s := startUsageServe(t, data, cfgPath)
	var dets struct{ DetectorIds []string }
	s.cli(t, &dets, "list-detectors")
	det := dets.DetectorIds[0]

	var bySource struct {
		UsageStatistics struct {
			SumByDataSource []struct {
				DataSource string
				Total      struct{ Amount, Unit string }
			}
		}
	}
	s.cli(t, &bySource, "get-usage-statistics", "--detector-id", det, "--usage-statistic-type", "SUM_BY_DATA_SOURCE",
		"--usage-criteria", `{"DataSources":["FLOW_LOGS"]}`)
	rows := bySource.UsageStatistics.SumByDataSource
	if len(rows) != 1 || rows[0].DataSource != "FLOW_LOGS" || rows[0].Total.Amount != fmt.Sprintf("%.2f", flowUSD) || rows[0].Total.Unit != "USD" {
		t.Errorf("get-usage-statistics SUM_BY_DATA_SOURCE FLOW_LOGS = %+v, want FLOW_LOGS %.2f USD", rows, flowUSD)
	}
	if flowUSD < 1 {
		t.Errorf("flow logs priced at $%.2f; the test's prices should make them dollars", flowUSD)
	}

	var byAcct struct {
		UsageStatistics struct {
			SumByAccount []struct {
				AccountId string
				Total     struct{ Amount string }
			}
		}
	}
	// Debian's AWS CLI has an older model in which usageCriteria's
	// DataSources is required: an empty list asks for everything.
	s.cli(t, &byAcct, "get-usage-statistics", "--detector-id", det, "--usage-statistic-type", "SUM_BY_ACCOUNT", "--usage-criteria", `{"DataSources":[]}`)
	got := map[string]string{}
	for _, r := range byAcct.UsageStatistics.SumByAccount {
		got[r.AccountId] = r.Total.Amount
	}
	wantAcct := map[string]string{}
	for a, v := range byAccount {
		wantAcct[a] = fmt.Sprintf("%.2f", v)
	}
	if diff := cmp.Diff(wantAcct, got); diff != "" {
		t.Errorf("get-usage-statistics SUM_BY_ACCOUNT (-want +got):\n%s", diff)
	}

	if out := s.cliFails(t, "get-usage-statistics", "--detector-id", det, "--usage-statistic-type", "SUM_BY_REGION", "--usage-criteria", `{"DataSources":[]}`); !strings.Contains(out, "BadRequestException") {
		t.Errorf("an unknown statistic type: %s", out)
	}
}

// startUsageServe runs "vigil serve" on a data dir, without sources, with
// the administrator of adminEnv.
func startUsageServe(t *testing.T, data, cfgPath string) *apiServer {
	t.Helper()
	s, _ := startServe(t, adminEnv, data, "--config", cfgPath)
	return s
}
