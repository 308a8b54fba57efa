package cost

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/config"
)

//go:embed prices.yaml
var defaultTable []byte

// Prices is a dated, versioned GuardDuty price table.
type Prices struct {
	Version string   `json:"version"` // bumped whenever a number changes; "+vigil.yaml" when overridden
	Date    string   `json:"date"`    // when the figures were published or checked, "2026-01-20"
	Sources []string `json:"sources,omitempty"`
	// FreeTrialDays is the length of GuardDuty's free trial, per account
	// and region, and FreeTrial the dimensions it covers.
	FreeTrialDays int         `json:"freeTrialDays"`
	FreeTrial     []Dimension `json:"freeTrial"`
	// FreeTier is the 12-month free tier per account, region and month,
	// in billing units (Malware Protection for S3: 1 GB, 1 × 1,000 objects).
	FreeTier map[Dimension]float64 `json:"freeTier"`
	// Regions maps a region name to its ladders.
	Regions map[string]RegionPrices `json:"regions"`
}

// RegionPrices maps a dimension to its price ladder, lowest tier first.
// DNSLogBytes has none: it is billed on FlowLogBytes' ladder.
type RegionPrices map[Dimension][]Tier

// Tier is one step of a ladder: Rate applies to the month's quantity up
// to UpTo billing units (cumulative); UpTo 0 means no end (last tier).
type Tier struct {
	UpTo float64 `json:"upTo,omitempty"`
	Rate Rate    `json:"rate"`
}

// Rate is a price in USD per billing unit, held in billionths of a
// dollar so that prices quoted to 9 decimals (0.1185, 0.282) are exact.
type Rate int64

// ParseRate parses a plain decimal price such as "0.1185".
func ParseRate(s string) (Rate, error) {
	if !config.ValidCostUSD(s) {
		return 0, fmt.Errorf("price %q: want a plain decimal such as 0.1185", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
	return Rate(w*1e9 + f), nil
}

// USD returns the rate in dollars.
func (r Rate) USD() float64 { return float64(r) / 1e9 }

// String formats the rate as a decimal without trailing zeros beyond cents: "0.1185", "4.00".
func (r Rate) String() string {
	s := fmt.Sprintf("%d.%09d", r/1e9, r%1e9)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); len(s)-i < 3 {
		s += strings.Repeat("0", 3-(len(s)-i))
	}
	return s
}

// MarshalJSON writes the rate as a JSON number of dollars.
func (r Rate) MarshalJSON() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalJSON reads a JSON number of dollars, exactly.
func (r *Rate) UnmarshalJSON(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Sentinel errors callers test with errors.Is.
var (
	ErrUnknownRegion = errors.New("no GuardDuty prices for region")
	ErrNoPrice       = errors.New("no price")
	ErrBadQuantity   = errors.New("bad quantity")
)

// DefaultPrices returns a fresh copy of the built-in price table
// (prices.yaml, embedded).
func DefaultPrices() *Prices {
	p, err := ParsePrices(defaultTable)
	if err != nil {
		panic("cost: built-in prices.yaml: " + err.Error()) // tested
	}
	return p
}

// priceFile is prices.yaml. Ladders use vigil.yaml's cost.prices form
// so that one validation serves both.
type priceFile struct {
	Version       string                                  `yaml:"version"`
	Date          string                                  `yaml:"date"`
	Sources       []string                                `yaml:"sources"`
	FreeTrialDays int                                     `yaml:"free_trial_days"`
	FreeTrial     []Dimension                             `yaml:"free_trial"`
	FreeTier      map[Dimension]float64                   `yaml:"free_tier"`
	Regions       map[string]map[string][]config.CostTier `yaml:"regions"`
}

// ParsePrices parses a price table in prices.yaml's format, strictly.
func ParsePrices(b []byte) (*Prices, error) {
	var f priceFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("prices: empty")
		}
		return nil, fmt.Errorf("prices: %w", err)
	}
	var errs []error
	if f.Version == "" {
		errs = append(errs, errors.New("prices: no version"))
	}
	if len(f.Date) != len("2006-01-02") {
		errs = append(errs, fmt.Errorf("prices: date %q is not YYYY-MM-DD", f.Date))
	}
	if f.FreeTrialDays < 0 || f.FreeTrialDays > 366 {
		errs = append(errs, fmt.Errorf("prices: free_trial_days %d out of range", f.FreeTrialDays))
	}
	for _, d := range f.FreeTrial {
		if !d.valid() {
			errs = append(errs, fmt.Errorf("prices: free_trial: unknown dimension %q", d))
		}
	}
	for d, q := range f.FreeTier {
		if !d.valid() || !(q >= 0) || q > 1e12 {
			errs = append(errs, fmt.Errorf("prices: free_tier: %s: %v", d, q))
		}
	}
	p := &Prices{Version: f.Version, Date: f.Date, Sources: f.Sources, FreeTrialDays: f.FreeTrialDays,
		FreeTrial: f.FreeTrial, FreeTier: f.FreeTier, Regions: map[string]RegionPrices{}}
	if p.FreeTier == nil {
		p.FreeTier = map[Dimension]float64{}
	}
	if err := p.apply(f.Regions); err != nil {
		errs = append(errs, fmt.Errorf("prices: %w", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// apply validates ladders in vigil.yaml's form and sets them on p.
func (p *Prices) apply(regions map[string]map[string][]config.CostTier) error {
	if err := (&config.Cost{Prices: regions}).Validate(); err != nil {
		return err
	}
	for region, dims := range regions {
		rp := p.Regions[region]
		if rp == nil {
			rp = RegionPrices{}
			p.Regions[region] = rp
		}
		for dim, tiers := range dims {
			ladder := make([]Tier, len(tiers))
			for i, t := range tiers {
				r, err := ParseRate(t.USD)
				if err != nil {
					return err // validated above; kept for safety
				}
				ladder[i] = Tier{UpTo: t.UpTo, Rate: r}
			}
			rp[Dimension(dim)] = ladder
		}
	}
	return nil
}

// WithOverrides returns a copy of p with vigil.yaml's cost.prices
// applied: each named ladder replaces the table's, and unknown regions
// are added. The version gains "+vigil.yaml" when anything changed, so
// estimates say they are not the stock table.
func (p *Prices) WithOverrides(cfg config.Cost) (*Prices, error) {
	q := p.clone()
	if len(cfg.Prices) == 0 {
		return q, nil
	}
	if err := q.apply(cfg.Prices); err != nil {
		return nil, err
	}
	q.Version += "+vigil.yaml"
	return q, nil
}

func (p *Prices) clone() *Prices {
	q := *p
	q.Sources = slices.Clone(p.Sources)
	q.FreeTrial = slices.Clone(p.FreeTrial)
	q.FreeTier = maps.Clone(p.FreeTier)
	q.Regions = make(map[string]RegionPrices, len(p.Regions))
	for r, rp := range p.Regions {
		c := make(RegionPrices, len(rp))
		for d, l := range rp {
			c[d] = slices.Clone(l)
		}
		q.Regions[r] = c
	}
	return &q
}

// RegionNames lists the regions the table prices, sorted.
func (p *Prices) RegionNames() []string {
	names := slices.Collect(maps.Keys(p.Regions))
	sort.Strings(names)
	return names
}

// Ladder returns the tiers d is billed on in region (FlowLogBytes' for
// DNSLogBytes), or nil when the table has none.
func (p *Prices) Ladder(region string, d Dimension) []Tier {
	return p.Regions[region][d.ladder()]
}
