package api

import (
	"context"
	"errors"
	"math"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

const (
	usageAcctA = "111122223333" // the server's account: monitored vCPUs go to it
	usageAcctB = "444455556666"
)

// usageDay(n) is n days before today (UTC). The server runs on the real
// clock, as SigV4 needs; the fixtures stay clear of the window's edges,
// so a test that runs over midnight gets the same answers.
func usageDay(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()-n, 0, 0, 0, 0, time.UTC)
}

// newUsageAPI is an API server whose store holds recs, with the
// monitored resources given.
func newUsageAPI(t *testing.T, monitored map[string]config.CostMonitored, recs ...store.UsageRecord) (*guardduty.Client, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.AddUsage(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	s := New(Options{DetectorID: testDetectorID, AccountID: usageAcctA, Store: db, Users: NewUsers([]User{testAdmin, testReadOnly}),
		Pricing: &UsagePricing{Monitored: monitored}})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return sdkClient(hs.URL, testReadOnly), db // reading usage needs no administrator
}

func rec(d int, acct, region, dim string, amount float64) store.UsageRecord {
	return store.UsageRecord{Day: usageDay(d), Account: acct, Region: region, Dimension: dim, Amount: amount}
}

// usageFixture prices, at the built-in us-east-1 list prices:
//
//	A us-east-1: CloudTrail 2M events $8.00, flow logs 3 GB $3.00, DNS logs
//	  2 GB $2.00, S3 data events 5M $4.00, Lambda 1 GB $1.00, EBS scans
//	  10 GB $0.30; 2 runtime vCPUs for 720 h $2.96 and 4 ACUs $0.99 (from
//	  configuration); Malware Protection for S3 is left out.
//	B eu-west-1 (not in the table: us-east-1 prices): CloudTrail 1M $4.00,
//	  EKS audit 1M $1.60.
//	B ap-northeast-1 (Tokyo prices): CloudTrail 1M $4.72.
//
// A record older than 30 days is left out.
func usageFixture(t *testing.T) *guardduty.Client {
	gd, _ := newUsageAPI(t, map[string]config.CostMonitored{"us-east-1": {RuntimeVCPUs: 2, RDSACUs: 4}},
		rec(1, usageAcctA, "us-east-1", "CloudTrailEvents", 1.5e6),
		rec(0, usageAcctA, "us-east-1", "CloudTrailEvents", 0.5e6),
		rec(2, usageAcctA, "us-east-1", "FlowLogBytes", 3e9),
		rec(3, usageAcctA, "us-east-1", "DNSLogBytes", 2e9),
		rec(28, usageAcctA, "us-east-1", "S3DataEvents", 5e6), // near the start of the window
		rec(4, usageAcctA, "us-east-1", "LambdaNetworkBytes", 1e9),
		rec(4, usageAcctA, "us-east-1", "EBSMalwareBytes", 10e9),
		rec(4, usageAcctA, "us-east-1", "S3MalwareBytes", 50e9),
		rec(4, usageAcctA, "us-east-1", "S3MalwareObjects", 1e6),
		rec(31, usageAcctA, "us-east-1", "CloudTrailEvents", 100e6), // outside the 30 days
		rec(5, usageAcctB, "eu-west-1", "CloudTrailEvents", 1e6),
		rec(5, usageAcctB, "eu-west-1", "EKSAuditEvents", 1e6),
		rec(6, usageAcctB, "ap-northeast-1", "CloudTrailEvents", 1e6),
	)
	return gd
}

// statistics calls GetUsageStatistics through every page and returns the
// rows as "key: amount" (for TOP_ACCOUNTS_BY_FEATURE "feature account: amount").
func statistics(t *testing.T, gd *guardduty.Client, typ types.UsageStatisticType, crit types.UsageCriteria, pageSize int32) []string {
	t.Helper()
	in := &guardduty.GetUsageStatisticsInput{DetectorId: aws.String(testDetectorID), UsageStatisticType: typ, UsageCriteria: &crit, Unit: aws.String("USD")}
	if pageSize > 0 {
		in.MaxResults = aws.Int32(pageSize)
	}
	out := []string{}
	total := func(tt *types.Total) string {
		if aws.ToString(tt.Unit) != "USD" {
			t.Errorf("total unit %q, want USD", aws.ToString(tt.Unit))
		}
		return aws.ToString(tt.Amount)
	}
	p := guardduty.NewGetUsageStatisticsPaginator(gd, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetUsageStatistics(%s) = %v", typ, err)
		}
		u := page.UsageStatistics
		for _, r := range u.SumByAccount {
			out = append(out, aws.ToString(r.AccountId)+": "+total(r.Total))
		}
		for _, r := range u.SumByDataSource {
			out = append(out, string(r.DataSource)+": "+total(r.Total))
		}
		for _, r := range append(u.SumByResource, u.TopResources...) {
			out = append(out, aws.ToString(r.Resource)+": "+total(r.Total))
		}
		for _, r := range u.SumByFeature {
			out = append(out, string(r.Feature)+": "+total(r.Total))
		}
		for _, f := range u.TopAccountsByFeature {
			for _, a := range f.Accounts {
				out = append(out, string(f.Feature)+" "+aws.ToString(a.AccountId)+": "+total(a.Total))
			}
		}
	}
	return out
}

func detectorARN(region, acct string) string {
	return "arn:aws:guardduty:" + region + ":" + acct + ":detector/" + testDetectorID
}

func TestUsageStatisticsTypes(t *testing.T) {
	gd := usageFixture(t)
	for _, tt := range []struct {
		typ  types.UsageStatisticType
		want []string
	}{
		{types.UsageStatisticTypeSumByAccount, []string{usageAcctA + ": 22.25", usageAcctB + ": 10.32"}},
		{types.UsageStatisticTypeSumByDataSource, []string{"CLOUD_TRAIL: 16.72", "DNS_LOGS: 2.00", "EC2_MALWARE_SCAN: 0.30",
			"FLOW_LOGS: 3.00", "KUBERNETES_AUDIT_LOGS: 1.60", "S3_LOGS: 4.00"}},
		{types.UsageStatisticTypeSumByFeatures, []string{"CLOUD_TRAIL: 16.72", "DNS_LOGS: 2.00", "EBS_MALWARE_PROTECTION: 0.30",
			"EC2_RUNTIME_MONITORING: 2.96", "EKS_AUDIT_LOGS: 1.60", "FLOW_LOGS: 3.00", "LAMBDA_NETWORK_LOGS: 1.00",
			"RDS_DBI_PROTECTION_SERVERLESS: 0.99", "S3_DATA_EVENTS: 4.00"}},
		{types.UsageStatisticTypeSumByResource, []string{detectorARN("ap-northeast-1", usageAcctB) + ": 4.72",
			detectorARN("eu-west-1", usageAcctB) + ": 5.60", detectorARN("us-east-1", usageAcctA) + ": 22.25"}},
		{types.UsageStatisticTypeTopResources, []string{detectorARN("us-east-1", usageAcctA) + ": 22.25",
			detectorARN("eu-west-1", usageAcctB) + ": 5.60", detectorARN("ap-northeast-1", usageAcctB) + ": 4.72"}},
		{types.UsageStatisticTypeTopAccountsByFeature, []string{"CLOUD_TRAIL " + usageAcctB + ": 8.72", "CLOUD_TRAIL " + usageAcctA + ": 8.00",
			"DNS_LOGS " + usageAcctA + ": 2.00", "EBS_MALWARE_PROTECTION " + usageAcctA + ": 0.30", "EC2_RUNTIME_MONITORING " + usageAcctA + ": 2.96",
			"EKS_AUDIT_LOGS " + usageAcctB + ": 1.60", "FLOW_LOGS " + usageAcctA + ": 3.00", "LAMBDA_NETWORK_LOGS " + usageAcctA + ": 1.00",
			"RDS_DBI_PROTECTION_SERVERLESS " + usageAcctA + ": 0.99", "S3_DATA_EVENTS " + usageAcctA + ": 4.00"}},
	} {
		t.Run(string(tt.typ), func(t *testing.T) {
			if diff := cmp.Diff(tt.want, statistics(t, gd, tt.typ, types.UsageCriteria{}, 0)); diff != "" {
				t.Errorf("GetUsageStatistics(%s) (-want +got):\n%s", tt.typ, diff)
			}
			// Pages of 2 rows add up to the same list.
			if diff := cmp.Diff(tt.want, statistics(t, gd, tt.typ, types.UsageCriteria{}, 2)); diff != "" {
				t.Errorf("GetUsageStatistics(%s) in pages of 2 (-want +got):\n%s", tt.typ, diff)
			}
		})
	}
}

func TestUsageStatisticsCriteria(t *testing.T) {
	gd := usageFixture(t)
	for _, tt := range []struct {
		name string
		typ  types.UsageStatisticType
		crit types.UsageCriteria
		want []string
	}{
		{"one account", types.UsageStatisticTypeSumByFeatures, types.UsageCriteria{AccountIds: []string{usageAcctB}},
			[]string{"CLOUD_TRAIL: 8.72", "EKS_AUDIT_LOGS: 1.60"}},
		{"data source", types.UsageStatisticTypeSumByDataSource, types.UsageCriteria{DataSources: []types.DataSource{types.DataSourceFlowLogs}},
			[]string{"FLOW_LOGS: 3.00"}},
		{"data sources by account", types.UsageStatisticTypeSumByAccount,
			types.UsageCriteria{DataSources: []types.DataSource{types.DataSourceCloudTrail, types.DataSourceKubernetesAuditLogs}},
			[]string{usageAcctA + ": 8.00", usageAcctB + ": 10.32"}},
		{"features", types.UsageStatisticTypeSumByAccount,
			types.UsageCriteria{Features: []types.UsageFeature{types.UsageFeatureEc2RuntimeMonitoring, types.UsageFeatureLambdaNetworkLogs}},
			[]string{usageAcctA + ": 3.96"}},
		{"a feature Vigil does not meter", types.UsageStatisticTypeSumByFeatures,
			types.UsageCriteria{Features: []types.UsageFeature{types.UsageFeatureRdsLoginEvents}}, []string{}},
		{"resource", types.UsageStatisticTypeSumByFeatures, types.UsageCriteria{Resources: []string{detectorARN("eu-west-1", usageAcctB)}},
			[]string{"CLOUD_TRAIL: 4.00", "EKS_AUDIT_LOGS: 1.60"}},
		{"unknown account", types.UsageStatisticTypeSumByAccount, types.UsageCriteria{AccountIds: []string{"999999999999"}}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, statistics(t, gd, tt.typ, tt.crit, 0)); diff != "" {
				t.Errorf("GetUsageStatistics(%s, %+v) (-want +got):\n%s", tt.typ, tt.crit, diff)
			}
		})
	}
}

// TestUsageStatisticsTiers: tiers apply to a region's month with the
// accounts added up (consolidated billing), DNS logs continue the flow
// logs' ladder, and each account bears its share of the cost.
func TestUsageStatisticsTiers(t *testing.T) {
	gd, _ := newUsageAPI(t, nil,
		rec(1, usageAcctA, "us-east-1", "FlowLogBytes", 400e9),
		rec(2, usageAcctA, "us-east-1", "DNSLogBytes", 200e9),
		rec(1, usageAcctB, "us-east-1", "FlowLogBytes", 400e9),
	)
	// Flow logs: 800 GB in the region, 500 at $1.00 and 300 at $0.50 =
	// $650, half each. DNS logs continue at 800 GB: 200 at $0.50 = $100.
	want := []string{"DNS_LOGS " + usageAcctA + ": 100.00", "FLOW_LOGS " + usageAcctA + ": 325.00", "FLOW_LOGS " + usageAcctB + ": 325.00"}
	if diff := cmp.Diff(want, statistics(t, gd, types.UsageStatisticTypeTopAccountsByFeature, types.UsageCriteria{}, 0)); diff != "" {
		t.Errorf("TOP_ACCOUNTS_BY_FEATURE (-want +got):\n%s", diff)
	}
}

func TestUsageStatisticsBadInput(t *testing.T) {
	gd := usageFixture(t)
	det := aws.String(testDetectorID)
	for _, tt := range []struct {
		name string
		in   guardduty.GetUsageStatisticsInput
	}{
		{"unknown type", guardduty.GetUsageStatisticsInput{UsageStatisticType: "SUM_BY_REGION"}},
		{"bad account id", guardduty.GetUsageStatisticsInput{UsageCriteria: &types.UsageCriteria{AccountIds: []string{"12345"}}}},
		{"unknown data source", guardduty.GetUsageStatisticsInput{UsageCriteria: &types.UsageCriteria{DataSources: []types.DataSource{"VPC_LOGS"}}}},
		{"unknown feature", guardduty.GetUsageStatisticsInput{UsageCriteria: &types.UsageCriteria{Features: []types.UsageFeature{"RUNTIME"}}}},
		{"unit", guardduty.GetUsageStatisticsInput{Unit: aws.String("EUR")}},
		{"maxResults", guardduty.GetUsageStatisticsInput{MaxResults: aws.Int32(51)}},
		{"nextToken", guardduty.GetUsageStatisticsInput{NextToken: aws.String("x")}},
		{"other detector", guardduty.GetUsageStatisticsInput{DetectorId: aws.String("12abc34d567e8fa901bc2d34e56789f0")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.DetectorId == nil {
				in.DetectorId = det
			}
			if in.UsageStatisticType == "" {
				in.UsageStatisticType = types.UsageStatisticTypeSumByAccount
			}
			if in.UsageCriteria == nil {
				in.UsageCriteria = &types.UsageCriteria{}
			}
			_, err := gd.GetUsageStatistics(context.Background(), &in)
			var bre *types.BadRequestException
			if !errors.As(err, &bre) {
				t.Errorf("GetUsageStatistics(%s) = %v, want a BadRequestException", tt.name, err)
			}
		})
	}
}

// TestUsageStatisticsWithoutUsageStore: a store that keeps no usage is a
// BadRequestException, not an empty answer.
func TestUsageStatisticsWithoutUsageStore(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(Options{DetectorID: testDetectorID, Store: struct{ store.Store }{db}, Users: NewUsers([]User{testAdmin})})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	_, err = sdkClient(hs.URL, testAdmin).GetUsageStatistics(context.Background(), &guardduty.GetUsageStatisticsInput{
		DetectorId: aws.String(testDetectorID), UsageStatisticType: types.UsageStatisticTypeSumByAccount, UsageCriteria: &types.UsageCriteria{}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "BadRequestException" {
		t.Errorf("GetUsageStatistics without a usage store = %v, want a BadRequestException", err)
	}
}

// TestUsagePricingFallback: a region the table does not price is priced
// at FallbackPriceRegion's prices and says so.
func TestUsagePricingFallback(t *testing.T) {
	costs, err := (&UsagePricing{}).Price([]store.UsageRecord{
		rec(0, usageAcctA, "eu-west-1", "CloudTrailEvents", 1e6),
		rec(0, usageAcctA, "ap-northeast-1", "CloudTrailEvents", 1e6),
		rec(0, usageAcctA, "ap-northeast-1", "EKSAuditEvents", 1e6), // Tokyo has no EKS price in the table
	}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Region, PriceRegion string
		USD                 float64
	}
	var got []row
	for _, c := range costs {
		got = append(got, row{c.Region, c.PriceRegion, c.USD})
	}
	want := []row{{"ap-northeast-1", "ap-northeast-1", 4.72}, {"ap-northeast-1", "us-east-1", 1.60}, {"eu-west-1", "us-east-1", 4.00}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Price (-want +got):\n%s", diff)
	}
	if _, err := (&UsagePricing{}).Price([]store.UsageRecord{rec(0, usageAcctA, "us-east-1", "Nope", 1)}, 1, 0); err == nil {
		t.Errorf("Price(unknown dimension) = nil error")
	}
}

// TestShareCents: shares add up to the total to the cent.
func TestShareCents(t *testing.T) {
	shares := shareCents([]UsageCost{{Amount: 1}, {Amount: 1}, {Amount: 1}}, 10.00)
	var sum float64
	for _, s := range shares {
		sum += s.USD
	}
	if got := []float64{shares[0].USD, shares[1].USD, shares[2].USD}; math.Round(sum*100) != 1000 || !slices.Contains(got, 3.34) {
		t.Errorf("shares of 10.00 by thirds = %v (sum %.2f)", got, sum)
	}
}
