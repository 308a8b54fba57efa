package cost_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/cost"
)

const gb = cost.BytesPerGB

func mustEstimate(t *testing.T, region string, u cost.Usage, opt cost.EstimateOptions) cost.Estimate {
	t.Helper()
	e, err := cost.DefaultPrices().Estimate(region, u, opt)
	if err != nil {
		t.Fatalf("Estimate(%s, %v) error = %v", region, u, err)
	}
	return e
}

// TestSeedExample is issue 8's example: in Tokyo, 100 GB scanned and
// 100,000 objects evaluated by Malware Protection for S3 in a month cost
// 0.1185 × 100 + 0.282 × 100 = 11.85 + 28.20 = 40.05 USD.
func TestSeedExample(t *testing.T) {
	e := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.S3MalwareBytes: 100 * gb, cost.S3MalwareObjects: 100000}, cost.EstimateOptions{})
	want := cost.Estimate{
		Region: "ap-northeast-1", PricesVersion: cost.DefaultPrices().Version, PricesDate: "2026-01-20",
		Lines: []cost.Line{
			{Plan: "Malware Protection for S3: GB scanned", Dimension: cost.S3MalwareBytes, Quantity: 100, Unit: "GB",
				Tiers: []cost.TierCharge{{From: 0, Quantity: 100, Rate: 118500000, USD: 11.85}}, USD: 11.85},
			{Plan: "Malware Protection for S3: objects evaluated", Dimension: cost.S3MalwareObjects, Quantity: 100, Unit: "1,000 objects",
				Tiers: []cost.TierCharge{{From: 0, Quantity: 100, Rate: 282000000, USD: 28.2}}, USD: 28.2},
		},
		TotalUSD: 40.05,
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("seed estimate differs (-want +got):\n%s", diff)
	}
	if got := e.TotalUSD; got != 40.05 {
		t.Errorf("TotalUSD = %v, want exactly 40.05", got)
	}
}

// TestFlowLogTiers walks the flow-log ladder across its boundaries.
func TestFlowLogTiers(t *testing.T) {
	tests := []struct {
		region string
		gb     float64
		want   float64
	}{
		{"ap-northeast-1", 1, 1.18},
		{"ap-northeast-1", 500, 590.00},             // 500 × 1.18
		{"ap-northeast-1", 501, 590.59},             // + 1 × 0.59
		{"ap-northeast-1", 2500, 1770.00},           // + 2,000 × 0.59
		{"ap-northeast-1", 2501, 1770.29},           // + 1 × 0.29
		{"ap-northeast-1", 10000, 3945.00},          // + 7,500 × 0.29
		{"ap-northeast-1", 10001, 3945.17},          // + 1 × 0.17
		{"ap-northeast-1", 12000, 4285.00},          // + 2,000 × 0.17
		{"ap-northeast-1", 499.5 + 1, 590.30},       // straddles: 500 × 1.18 + 0.5 × 0.59 = 590.295 → 590.30
		{"ap-northeast-1", 0.000000001, 0.00},       // one byte
		{"us-east-1", 500, 500.00},                  // 500 × 1.00
		{"us-east-1", 2500, 1500.00},                // + 2,000 × 0.50
		{"us-east-1", 10000, 3375.00},               // + 7,500 × 0.25
		{"us-east-1", 10100, 3390.00},               // + 100 × 0.15
		{"us-east-1", 3000, 1625.00},                // 500 + 1,000 + 500 × 0.25
		{"us-east-1", 1234.567891234, 867.28},       // 500 + 734.567891234 × 0.5 = 867.283945617
		{"ap-northeast-1", 9999.999999999, 3945.00}, // one byte short of the last tier
	}
	for _, tt := range tests {
		bytes := math.Round(tt.gb * gb)
		e := mustEstimate(t, tt.region, cost.Usage{cost.FlowLogBytes: bytes}, cost.EstimateOptions{})
		if e.TotalUSD != tt.want {
			t.Errorf("%s flow logs %v GB: TotalUSD = %v, want %v (tiers %+v)", tt.region, tt.gb, e.TotalUSD, tt.want, e.Lines[0].Tiers)
		}
	}
}

// TestTierBoundaryCharges checks which tiers a month spanning all four
// touches and how much of it each bills.
func TestTierBoundaryCharges(t *testing.T) {
	e := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.FlowLogBytes: 12000 * gb}, cost.EstimateOptions{})
	want := []cost.TierCharge{
		{From: 0, To: 500, Quantity: 500, Rate: 1180000000, USD: 590},
		{From: 500, To: 2500, Quantity: 2000, Rate: 590000000, USD: 1180},
		{From: 2500, To: 10000, Quantity: 7500, Rate: 290000000, USD: 2175},
		{From: 10000, Quantity: 2000, Rate: 170000000, USD: 340},
	}
	if diff := cmp.Diff(want, e.Lines[0].Tiers); diff != "" {
		t.Errorf("tiers of 12,000 GB differ (-want +got):\n%s", diff)
	}
}

// TestFlowAndDNSShareLadder: GuardDuty bills VPC flow and DNS query logs
// as one item, so DNS bytes climb the ladder where flow bytes stopped;
// Lambda network logs use the same rates on a ladder of their own.
func TestFlowAndDNSShareLadder(t *testing.T) {
	both := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.FlowLogBytes: 400 * gb, cost.DNSLogBytes: 200 * gb}, cost.EstimateOptions{})
	alone := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.FlowLogBytes: 600 * gb}, cost.EstimateOptions{})
	if both.TotalUSD != alone.TotalUSD || both.TotalUSD != 649 {
		t.Errorf("400 GB flow + 200 GB DNS = %v USD, 600 GB flow = %v USD; want both 649 (500 × 1.18 + 100 × 0.59)", both.TotalUSD, alone.TotalUSD)
	}
	dns := both.Lines[1]
	wantDNS := []cost.TierCharge{
		{From: 0, To: 500, Quantity: 100, Rate: 1180000000, USD: 118},
		{From: 500, To: 2500, Quantity: 100, Rate: 590000000, USD: 59},
	}
	if dns.Dimension != cost.DNSLogBytes || !cmp.Equal(wantDNS, dns.Tiers) {
		t.Errorf("DNS line = %+v, want tiers %+v", dns, wantDNS)
	}
	lambda := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.FlowLogBytes: 600 * gb, cost.LambdaNetworkBytes: 600 * gb}, cost.EstimateOptions{})
	if lambda.Lines[1].USD != 649 || lambda.TotalUSD != 1298 {
		t.Errorf("600 GB flow + 600 GB Lambda: lines %+v total %v; want Lambda on its own ladder, 649 each", lambda.Lines, lambda.TotalUSD)
	}
}

// TestUSEast1 prices one of everything at us-east-1's rates.
func TestUSEast1(t *testing.T) {
	u := cost.Usage{
		cost.CloudTrailEvents:   10e6,      // 10 × 4.00
		cost.S3DataEvents:       600e6,     // 500 × 0.80 + 100 × 0.40
		cost.EKSAuditEvents:     5e6,       // 5 × 1.60
		cost.FlowLogBytes:       100 * gb,  // 100 × 1.00
		cost.DNSLogBytes:        50 * gb,   // 50 × 1.00
		cost.LambdaNetworkBytes: 10 * gb,   // 10 × 1.00
		cost.S3MalwareBytes:     100 * gb,  // 100 × 0.09
		cost.S3MalwareObjects:   100000,    // 100 × 0.215
		cost.EBSMalwareBytes:    200 * gb,  // 200 × 0.03
		cost.RuntimeVCPUHours:   600 * 730, // 500 × 1.50 + 100 × 0.75
		cost.RDSVCPUHours:       4 * 730,   // 4 × 1.00
		cost.RDSACUHours:        2 * 730,   // 2 × 0.25
	}
	e := mustEstimate(t, "us-east-1", u, cost.EstimateOptions{})
	want := map[cost.Dimension]float64{
		cost.CloudTrailEvents: 40, cost.S3DataEvents: 440, cost.EKSAuditEvents: 8, cost.FlowLogBytes: 100, cost.DNSLogBytes: 50,
		cost.LambdaNetworkBytes: 10, cost.S3MalwareBytes: 9, cost.S3MalwareObjects: 21.5, cost.EBSMalwareBytes: 6,
		cost.RuntimeVCPUHours: 825, cost.RDSVCPUHours: 4, cost.RDSACUHours: 0.5,
	}
	got := map[cost.Dimension]float64{}
	var order []cost.Dimension
	for _, l := range e.Lines {
		got[l.Dimension] = l.USD
		order = append(order, l.Dimension)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("us-east-1 line USD differ (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(cost.Dimensions(), order); diff != "" {
		t.Errorf("lines are not in Dimensions() order (-want +got):\n%s", diff)
	}
	if e.TotalUSD != 1514 {
		t.Errorf("TotalUSD = %v, want 1514", e.TotalUSD)
	}
}

func TestAllowances(t *testing.T) {
	seed := cost.Usage{cost.S3MalwareBytes: 100 * gb, cost.S3MalwareObjects: 100000}
	t.Run("free tier", func(t *testing.T) {
		e := mustEstimate(t, "ap-northeast-1", seed, cost.EstimateOptions{FreeTier: true})
		if e.TotalUSD != 40.05 {
			t.Errorf("TotalUSD = %v, want the list price 40.05 untouched by allowances", e.TotalUSD)
		}
		// 1 GB × 0.1185 = 0.1185 → 0.12; 1 × 0.282 → 0.28.
		var got []float64
		for _, a := range e.Allowances {
			if a.Kind != "free tier" {
				t.Errorf("allowance %+v: kind %q, want free tier", a, a.Kind)
			}
			got = append(got, a.USD)
		}
		if !cmp.Equal([]float64{0.12, 0.28}, got) || e.FreeUSD != 0.4 || e.NetUSD() != 39.65 {
			t.Errorf("allowances %v, FreeUSD %v, NetUSD %v; want [0.12 0.28], 0.4, 39.65", got, e.FreeUSD, e.NetUSD())
		}
	})
	t.Run("free tier per account and capped by usage", func(t *testing.T) {
		e := mustEstimate(t, "us-east-1", cost.Usage{cost.S3MalwareBytes: 2.5 * gb, cost.S3MalwareObjects: 500}, cost.EstimateOptions{FreeTier: true, Accounts: 3})
		// 3 accounts cover 3 GB, but only 2.5 GB were scanned: 2.5 × 0.09 = 0.225 → 0.23; 500 objects: 0.5 × 0.215 = 0.1075 → 0.11.
		if e.FreeUSD != 0.34 || e.TotalUSD != 0.34 {
			t.Errorf("FreeUSD %v TotalUSD %v, want 0.34 and 0.34 (all of it free)", e.FreeUSD, e.TotalUSD)
		}
	})
	t.Run("free trial", func(t *testing.T) {
		u := cost.Usage{cost.CloudTrailEvents: 10e6, cost.S3MalwareBytes: 100 * gb}
		e := mustEstimate(t, "ap-northeast-1", u, cost.EstimateOptions{FreeTrialDays: 15})
		// CloudTrail 47.20 half covered; Malware Protection for S3 has no free trial.
		if len(e.Allowances) != 1 || e.Allowances[0].Dimension != cost.CloudTrailEvents || e.Allowances[0].USD != 23.6 {
			t.Errorf("allowances = %+v, want one free-trial line of 23.60 for CloudTrail", e.Allowances)
		}
		if e.TotalUSD != 59.05 || e.FreeUSD != 23.6 {
			t.Errorf("TotalUSD %v FreeUSD %v, want 59.05 and 23.6", e.TotalUSD, e.FreeUSD)
		}
	})
	t.Run("none unless asked", func(t *testing.T) {
		if e := mustEstimate(t, "ap-northeast-1", seed, cost.EstimateOptions{}); len(e.Allowances) != 0 || e.FreeUSD != 0 {
			t.Errorf("allowances without options: %+v", e.Allowances)
		}
	})
}

// TestRounding: lines round half up to the cent and the total is the sum
// of the printed lines.
func TestRounding(t *testing.T) {
	// 0.05 GB × 0.1185 = 0.005925 → 0.01; 0.02 GB × 0.1185 = 0.00237 → 0.00.
	e := mustEstimate(t, "ap-northeast-1", cost.Usage{cost.S3MalwareBytes: 0.05 * gb}, cost.EstimateOptions{})
	if e.TotalUSD != 0.01 {
		t.Errorf("0.05 GB: TotalUSD = %v, want 0.01", e.TotalUSD)
	}
	// 5 objects: 0.005 × 0.282 = 0.00141 → 0; 1 GB: 0.1185 → 0.12; total 0.12.
	e = mustEstimate(t, "ap-northeast-1", cost.Usage{cost.S3MalwareBytes: gb, cost.S3MalwareObjects: 5}, cost.EstimateOptions{})
	if e.Lines[0].USD != 0.12 || e.Lines[1].USD != 0 || e.TotalUSD != 0.12 {
		t.Errorf("lines %v %v total %v, want 0.12 0 0.12", e.Lines[0].USD, e.Lines[1].USD, e.TotalUSD)
	}
}

func TestEstimateErrors(t *testing.T) {
	tests := []struct {
		name   string
		region string
		u      cost.Usage
		opt    cost.EstimateOptions
		is     error
		says   string
	}{
		{"unknown region", "eu-west-9", cost.Usage{cost.CloudTrailEvents: 1}, cost.EstimateOptions{}, cost.ErrUnknownRegion, "ap-northeast-1, us-east-1"},
		{"empty region", "", cost.Usage{}, cost.EstimateOptions{}, cost.ErrUnknownRegion, `""`},
		{"negative", "us-east-1", cost.Usage{cost.FlowLogBytes: -1}, cost.EstimateOptions{}, cost.ErrBadQuantity, "FlowLogBytes: -1"},
		{"NaN", "us-east-1", cost.Usage{cost.CloudTrailEvents: math.NaN()}, cost.EstimateOptions{}, cost.ErrBadQuantity, "NaN"},
		{"infinite", "us-east-1", cost.Usage{cost.CloudTrailEvents: math.Inf(1)}, cost.EstimateOptions{}, cost.ErrBadQuantity, "+Inf"},
		{"unknown dimension", "us-east-1", cost.Usage{"Bogus": 1}, cost.EstimateOptions{}, cost.ErrBadQuantity, `"Bogus"`},
		{"unpriced in Tokyo", "ap-northeast-1", cost.Usage{cost.S3DataEvents: 1, cost.EKSAuditEvents: 1, cost.CloudTrailEvents: 1}, cost.EstimateOptions{}, cost.ErrNoPrice, "EKSAuditEvents, S3DataEvents"},
		{"trial too long", "us-east-1", cost.Usage{}, cost.EstimateOptions{FreeTrialDays: 31}, cost.ErrBadQuantity, "free trial days 31"},
		{"too large", "us-east-1", cost.Usage{cost.CloudTrailEvents: 1e300}, cost.EstimateOptions{}, cost.ErrBadQuantity, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cost.DefaultPrices().Estimate(tt.region, tt.u, tt.opt)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Estimate(%q, %v) error = %v, want %v saying %q", tt.region, tt.u, err, tt.is, tt.says)
			}
			if !cmp.Equal(cost.Estimate{}, e) {
				t.Errorf("Estimate(%q, %v) returned %+v beside the error; want nothing", tt.region, tt.u, e)
			}
		})
	}
	// An unpriced dimension with no usage is no problem.
	mustEstimate(t, "ap-northeast-1", cost.Usage{cost.S3DataEvents: 0, cost.CloudTrailEvents: 1e6}, cost.EstimateOptions{})
}
