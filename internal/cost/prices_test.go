package cost_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/cost"
)

func TestDefaultPrices(t *testing.T) {
	p := cost.DefaultPrices()
	if p.Version == "" || p.Date != "2026-01-20" || len(p.Sources) == 0 {
		t.Errorf("DefaultPrices() version %q date %q sources %d; want a version, 2026-01-20 and sources", p.Version, p.Date, len(p.Sources))
	}
	if diff := cmp.Diff([]string{"ap-northeast-1", "us-east-1"}, p.RegionNames()); diff != "" {
		t.Errorf("RegionNames() differ (-want +got):\n%s", diff)
	}
	// us-east-1 prices every dimension.
	for _, d := range cost.Dimensions() {
		if len(p.Ladder("us-east-1", d)) == 0 {
			t.Errorf("us-east-1 has no ladder for %s", d)
		}
	}
	// The figures the issue names for Tokyo.
	rates := func(region string, d cost.Dimension) []string {
		var s []string
		for _, t := range p.Ladder(region, d) {
			s = append(s, t.Rate.String())
		}
		return s
	}
	for _, c := range []struct {
		d    cost.Dimension
		want []string
	}{
		{cost.FlowLogBytes, []string{"1.18", "0.59", "0.29", "0.17"}},
		{cost.DNSLogBytes, []string{"1.18", "0.59", "0.29", "0.17"}},
		{cost.CloudTrailEvents, []string{"4.72"}},
		{cost.S3MalwareBytes, []string{"0.1185"}},
		{cost.S3MalwareObjects, []string{"0.282"}},
	} {
		if got := rates("ap-northeast-1", c.d); !cmp.Equal(c.want, got) {
			t.Errorf("ap-northeast-1 %s rates = %v, want %v", c.d, got, c.want)
		}
	}
	if got := p.FreeTier; !cmp.Equal(map[cost.Dimension]float64{cost.S3MalwareBytes: 1, cost.S3MalwareObjects: 1}, got) {
		t.Errorf("FreeTier = %v, want 1 GB and 1 × 1,000 objects", got)
	}
	if p.FreeTrialDays != 30 || slices.Contains(p.FreeTrial, cost.S3MalwareBytes) {
		t.Errorf("free trial %d days over %v; want 30 days, not Malware Protection for S3", p.FreeTrialDays, p.FreeTrial)
	}
	// Each call is a fresh copy.
	p.Regions["us-east-1"][cost.CloudTrailEvents][0].Rate = 1
	if cost.DefaultPrices().Ladder("us-east-1", cost.CloudTrailEvents)[0].Rate.String() != "4.00" {
		t.Error("changing one DefaultPrices() changed the next")
	}
}

func TestRate(t *testing.T) {
	for _, s := range []string{"0.1185", "4.00", "0.282", "1.18", "0.000000001", "123456789.5"} {
		r, err := cost.ParseRate(s)
		if err != nil {
			t.Fatalf("ParseRate(%q) error = %v", s, err)
		}
		if got := r.String(); got != s && got != s+"0" {
			t.Errorf("ParseRate(%q).String() = %q", s, got)
		}
	}
	if r, _ := cost.ParseRate("0.1185"); r != 118500000 || r.USD() != 0.1185 {
		t.Errorf("ParseRate(0.1185) = %d (%v USD), want 118500000 nano-USD", r, r.USD())
	}
	var back struct{ R cost.Rate }
	if err := json.Unmarshal([]byte(`{"R":0.1185}`), &back); err != nil || back.R != 118500000 {
		t.Errorf("json.Unmarshal(0.1185) = %d, %v", back.R, err)
	}
	if b, _ := json.Marshal(back); string(b) != `{"R":0.1185}` {
		t.Errorf("json.Marshal = %s", b)
	}
	for _, s := range []string{"", "-1", "1e3", "0.0000000001", "1/3", " 1", "1.", ".5", "NaN"} {
		if _, err := cost.ParseRate(s); err == nil {
			t.Errorf("ParseRate(%q) error = nil, want one", s)
		}
	}
}

// TestOverridesFromYAML prices Tokyo's S3 data events and a whole new
// region from vigil.yaml.
func TestOverridesFromYAML(t *testing.T) {
	cfg, err := config.Parse([]byte(`
cost:
  prices:
    ap-northeast-1:
      S3DataEvents:
        - {up_to: 500, usd: 0.94}
        - {usd: 0.47}
      S3MalwareBytes:
        - {usd: 0.1}
    eu-west-1:
      CloudTrailEvents:
        - {usd: 4.40}
`), "vigil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := cost.DefaultPrices()
	p, err := base.WithOverrides(cfg.Cost)
	if err != nil {
		t.Fatalf("WithOverrides() error = %v", err)
	}
	if want := base.Version + "+vigil.yaml"; p.Version != want {
		t.Errorf("Version = %q, want %q", p.Version, want)
	}
	e, err := p.Estimate("ap-northeast-1", cost.Usage{cost.S3DataEvents: 600e6, cost.S3MalwareBytes: 100 * gb, cost.S3MalwareObjects: 100000}, cost.EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 500 × 0.94 + 100 × 0.47 = 517; 100 × 0.1 = 10; objects unchanged 28.20.
	if e.TotalUSD != 555.2 {
		t.Errorf("overridden Tokyo total = %v, want 555.2 (lines %+v)", e.TotalUSD, e.Lines)
	}
	if e, err := p.Estimate("eu-west-1", cost.Usage{cost.CloudTrailEvents: 2e6}, cost.EstimateOptions{}); err != nil || e.TotalUSD != 8.8 {
		t.Errorf("eu-west-1 estimate = %v, %v; want 8.8", e.TotalUSD, err)
	}
	// The base table is untouched.
	if _, err := base.Estimate("eu-west-1", cost.Usage{}, cost.EstimateOptions{}); !errors.Is(err, cost.ErrUnknownRegion) {
		t.Errorf("base table knows eu-west-1 after WithOverrides: %v", err)
	}
	// No overrides: same version.
	if q, _ := base.WithOverrides(config.Cost{}); q.Version != base.Version {
		t.Errorf("WithOverrides(empty) version = %q, want %q", q.Version, base.Version)
	}
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		name, yaml, says string
	}{
		{"unknown dimension", "cost: {prices: {us-east-1: {Bogus: [{usd: 1}]}}}", "unknown dimension"},
		{"DNS has no ladder", "cost: {prices: {us-east-1: {DNSLogBytes: [{usd: 1}]}}}", "FlowLogBytes' ladder"},
		{"bad region", "cost: {prices: {tokyo: {CloudTrailEvents: [{usd: 1}]}}}", `"tokyo" is not a region name`},
		{"negative price", "cost: {prices: {us-east-1: {CloudTrailEvents: [{usd: -1}]}}}", "not a plain decimal"},
		{"price as fraction", "cost: {prices: {us-east-1: {CloudTrailEvents: [{usd: 1/3}]}}}", "not a plain decimal"},
		{"no tiers", "cost: {prices: {us-east-1: {CloudTrailEvents: []}}}", "no tiers"},
		{"falling tiers", "cost: {prices: {us-east-1: {FlowLogBytes: [{up_to: 500, usd: 1}, {up_to: 400, usd: 0.5}, {usd: 0.1}]}}}", "does not rise"},
		{"bounded last tier", "cost: {prices: {us-east-1: {FlowLogBytes: [{up_to: 500, usd: 1}]}}}", "last tier has no end"},
		{"unbounded middle tier", "cost: {prices: {us-east-1: {FlowLogBytes: [{usd: 1}, {usd: 0.5}]}}}", "does not rise"},
		{"negative vCPUs", "cost: {monitored: {us-east-1: {runtime_vcpus: -2}}}", "runtime_vcpus: -2 is not a count"},
		{"unknown key", "cost: {free_trail: true}", "free_trail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml), "vigil.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("config.Parse(%s) error = %v, want one saying %q", tt.yaml, err, tt.says)
			}
		})
	}
	// WithOverrides validates too, for callers that build config.Cost in code.
	_, err := cost.DefaultPrices().WithOverrides(config.Cost{Prices: map[string]map[string][]config.CostTier{"us-east-1": {"FlowLogBytes": {{USD: "x"}}}}})
	if err == nil {
		t.Error("WithOverrides(bad price) error = nil")
	}
}

// TestConfigDimensions keeps config's list of overridable dimensions
// equal to this package's (config cannot import cost).
func TestConfigDimensions(t *testing.T) {
	var want []string
	for _, d := range cost.Dimensions() {
		if d != cost.DNSLogBytes {
			want = append(want, string(d))
		}
	}
	got := config.CostDimensions()
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config.CostDimensions() differs from cost.Dimensions() less DNSLogBytes (-want +got):\n%s", diff)
	}
}

func TestParsePricesErrors(t *testing.T) {
	tests := []struct{ name, in, says string }{
		{"empty", "", "empty"},
		{"no version", "date: 2026-01-20\n", "no version"},
		{"bad date", "version: x\ndate: soon\n", "not YYYY-MM-DD"},
		{"unknown key", "version: x\ndate: 2026-01-20\nregion: {}\n", "field region not found"},
		{"bad trial dimension", "version: x\ndate: 2026-01-20\nfree_trial: [Nope]\n", `unknown dimension "Nope"`},
		{"bad free tier", "version: x\ndate: 2026-01-20\nfree_tier: {S3MalwareBytes: -1}\n", "free_tier"},
		{"bad ladder", "version: x\ndate: 2026-01-20\nregions: {us-east-1: {CloudTrailEvents: [{usd: abc}]}}\n", "not a plain decimal"},
	}
	for _, tt := range tests {
		if _, err := cost.ParsePrices([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: ParsePrices error = %v, want one saying %q", tt.name, err, tt.says)
		}
	}
}

// FuzzParsePrices: any input parses to a table every estimate can use, or
// is an error; never a panic.
func FuzzParsePrices(f *testing.F) {
	f.Add([]byte("version: x\ndate: 2026-01-20\nregions: {us-east-1: {FlowLogBytes: [{up_to: 500, usd: 1}, {usd: 0.5}]}}\n"))
	f.Add([]byte("version: x\ndate: 2026-01-20\nfree_tier: {S3MalwareBytes: 1}\nfree_trial_days: 30\nfree_trial: [FlowLogBytes]\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := cost.ParsePrices(b)
		if err != nil {
			return
		}
		u := cost.Usage{}
		for _, d := range cost.Dimensions() {
			u[d] = 1234567
		}
		for _, region := range p.RegionNames() {
			e, err := p.Estimate(region, u, cost.EstimateOptions{FreeTier: true, FreeTrialDays: p.FreeTrialDays})
			if err != nil {
				continue // unpriced dimensions, or a charge too large
			}
			if e.TotalUSD < 0 || e.FreeUSD < 0 {
				t.Errorf("negative money: %+v", e)
			}
		}
	})
}
