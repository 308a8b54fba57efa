package cost

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
)

// Usage is a month of work per dimension, in the dimension's Unit
// (events, bytes, objects, hours).
type Usage map[Dimension]float64

// EstimateOptions choose which allowances an estimate shows. Allowances
// are listed beside the list price, never subtracted from it.
type EstimateOptions struct {
	// FreeTrialDays is how many days of the month fall inside GuardDuty's
	// free trial (0 to the table's FreeTrialDays, 30): the trial's
	// allowance is that share of each covered line.
	FreeTrialDays int
	// FreeTier shows the 12-month free tier of Malware Protection for S3.
	FreeTier bool
	// Accounts is how many accounts the usage covers, since free-tier
	// allowances are per account; 0 means 1.
	Accounts int
}

// Estimate is what GuardDuty would charge for a month of usage in one
// region.
//
// Money: each tier's charge is computed exactly (quantities are whole
// bytes, events or objects; rates are exact decimals); a line's USD is
// the exact sum of its tiers rounded half up to the cent, as an invoice
// line is, and TotalUSD is the sum of the rounded lines, so the printed
// lines add up to the printed total.
type Estimate struct {
	Region        string      `json:"region"`
	PricesVersion string      `json:"pricesVersion"`
	PricesDate    string      `json:"pricesDate"`
	Lines         []Line      `json:"lines"`
	TotalUSD      float64     `json:"totalUSD"` // list price, the sum of Lines
	Allowances    []Allowance `json:"allowances,omitempty"`
	FreeUSD       float64     `json:"freeUSD"` // the sum of Allowances, shown apart from TotalUSD
}

// NetUSD is the list price less the allowances, to the cent.
func (e Estimate) NetUSD() float64 { return float64(cents(e.TotalUSD)-cents(e.FreeUSD)) / 100 }

// cents returns a dollar amount that is a whole number of cents as cents.
func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// Line is one billed item of an estimate.
type Line struct {
	Plan      string       `json:"plan"` // "Malware Protection for S3: GB scanned"
	Dimension Dimension    `json:"dimension"`
	Quantity  float64      `json:"quantity"` // in Unit
	Unit      string       `json:"unit"`     // the billing unit: "GB", "1M events", "1,000 objects"
	Tiers     []TierCharge `json:"tiers"`
	USD       float64      `json:"usd"` // rounded to the cent
}

// TierCharge is the part of a line billed at one tier. From and To are
// the tier's bounds on the month's ladder in billing units (To 0: no
// end); Quantity is how much of this line falls in it. DNS logs share
// the flow logs' ladder, so their tiers start where the flow logs end.
type TierCharge struct {
	From     float64 `json:"from"`
	To       float64 `json:"to,omitempty"`
	Quantity float64 `json:"quantity"`
	Rate     Rate    `json:"rate"`
	USD      float64 `json:"usd"` // unrounded
}

// Allowance is usage GuardDuty would not charge for: the free trial or
// the free tier.
type Allowance struct {
	Kind      string    `json:"kind"` // "free trial" or "free tier"
	Plan      string    `json:"plan"`
	Dimension Dimension `json:"dimension"`
	Quantity  float64   `json:"quantity"` // in Unit
	Unit      string    `json:"unit"`
	USD       float64   `json:"usd"` // value, rounded to the cent
	Note      string    `json:"note"`
}

// Estimate prices a month of usage in region. Unknown regions, unknown
// dimensions, negative, NaN or infinite amounts and dimensions the table
// does not price are errors (ErrUnknownRegion, ErrBadQuantity,
// ErrNoPrice); nothing is returned then, so no partial total can be
// shown. Zero amounts make no line.
func (p *Prices) Estimate(region string, u Usage, opt EstimateOptions) (Estimate, error) {
	rp, ok := p.Regions[region]
	if !ok {
		return Estimate{}, fmt.Errorf("%w %q; prices are known for %s (add others under cost.prices in vigil.yaml)",
			ErrUnknownRegion, region, strings.Join(p.RegionNames(), ", "))
	}
	if err := p.check(region, rp, u, opt); err != nil {
		return Estimate{}, err
	}
	e := Estimate{Region: region, PricesVersion: p.Version, PricesDate: p.Date, Lines: []Line{}}
	var total int64
	pos := map[Dimension]*big.Rat{} // how far up each ladder the month has gone
	exact := map[Dimension]*big.Rat{}
	for _, d := range Dimensions() {
		amount := u[d]
		if amount == 0 {
			continue
		}
		bu := d.Billing()
		q := ratio(amount, bu.Size)
		start := pos[d.ladder()]
		if start == nil {
			start = new(big.Rat)
		}
		tiers, sum := charge(rp[d.ladder()], start, q)
		pos[d.ladder()] = new(big.Rat).Add(start, q)
		cents, err := toCents(sum)
		if err != nil {
			return Estimate{}, fmt.Errorf("%s: %w", d, err)
		}
		exact[d] = sum
		total += cents
		qf, _ := q.Float64()
		e.Lines = append(e.Lines, Line{Plan: d.Plan(), Dimension: d, Quantity: qf, Unit: bu.Name, Tiers: tiers, USD: float64(cents) / 100})
	}
	free, err := p.allowances(&e, rp, u, exact, opt)
	if err != nil {
		return Estimate{}, err
	}
	e.TotalUSD = float64(total) / 100
	e.FreeUSD = float64(free) / 100
	return e, nil
}

// check returns every problem with the input at once.
func (p *Prices) check(region string, rp RegionPrices, u Usage, opt EstimateOptions) error {
	var bad, unpriced []string
	for d, amount := range u {
		switch {
		case !d.valid():
			bad = append(bad, fmt.Sprintf("unknown dimension %q", d))
		case math.IsNaN(amount) || math.IsInf(amount, 0) || amount < 0:
			bad = append(bad, fmt.Sprintf("%s: %v is not a quantity", d, amount))
		case amount > 0 && len(rp[d.ladder()]) == 0:
			unpriced = append(unpriced, string(d))
		}
	}
	if opt.FreeTrialDays < 0 || opt.FreeTrialDays > p.FreeTrialDays {
		bad = append(bad, fmt.Sprintf("free trial days %d: want 0 to %d", opt.FreeTrialDays, p.FreeTrialDays))
	}
	if opt.Accounts < 0 {
		bad = append(bad, fmt.Sprintf("accounts %d: negative", opt.Accounts))
	}
	slices.Sort(bad)
	slices.Sort(unpriced)
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrBadQuantity, strings.Join(bad, "; "))
	}
	if len(unpriced) > 0 {
		return fmt.Errorf("%w in %s for %s in prices %s (%s); add them under cost.prices in vigil.yaml",
			ErrNoPrice, region, strings.Join(unpriced, ", "), p.Version, p.Date)
	}
	return nil
}

// charge bills q billing units starting at position start on a ladder,
// returning the tiers touched and the exact sum in dollars.
func charge(ladder []Tier, start, q *big.Rat) ([]TierCharge, *big.Rat) {
	end := new(big.Rat).Add(start, q)
	sum := new(big.Rat)
	var out []TierCharge
	lo := new(big.Rat)
	for i, t := range ladder {
		var hi *big.Rat // nil: no end
		if t.UpTo != 0 && i < len(ladder)-1 {
			hi = new(big.Rat).SetFloat64(t.UpTo)
		}
		a := maxRat(lo, start)
		b := end
		if hi != nil && hi.Cmp(b) < 0 {
			b = hi
		}
		if a.Cmp(b) < 0 {
			part := new(big.Rat).Sub(b, a)
			usd := new(big.Rat).Mul(part, big.NewRat(int64(t.Rate), 1e9))
			sum.Add(sum, usd)
			tc := TierCharge{Rate: t.Rate}
			tc.From, _ = lo.Float64()
			tc.To = t.UpTo
			tc.Quantity, _ = part.Float64()
			tc.USD, _ = usd.Float64()
			out = append(out, tc)
		}
		if hi == nil {
			break
		}
		lo = hi
	}
	return out, sum
}

// allowances adds the free trial and free tier lines asked for and
// returns their sum in cents.
func (p *Prices) allowances(e *Estimate, rp RegionPrices, u Usage, exact map[Dimension]*big.Rat, opt EstimateOptions) (int64, error) {
	var free int64
	add := func(a Allowance, cents int64) {
		if cents > 0 {
			a.USD = float64(cents) / 100
			free += cents
			e.Allowances = append(e.Allowances, a)
		}
	}
	if opt.FreeTrialDays > 0 && p.FreeTrialDays > 0 {
		share := big.NewRat(int64(opt.FreeTrialDays), int64(p.FreeTrialDays))
		for _, l := range e.Lines {
			if !slices.Contains(p.FreeTrial, l.Dimension) {
				continue
			}
			cents, err := toCents(new(big.Rat).Mul(exact[l.Dimension], share))
			if err != nil {
				return 0, err
			}
			sf, _ := share.Float64()
			add(Allowance{Kind: "free trial", Plan: l.Plan, Dimension: l.Dimension, Quantity: l.Quantity * sf, Unit: l.Unit,
				Note: fmt.Sprintf("%d of the month's %d days in the free trial", opt.FreeTrialDays, p.FreeTrialDays)}, cents)
		}
	}
	if !opt.FreeTier {
		return free, nil
	}
	accounts := max(opt.Accounts, 1)
	for _, d := range Dimensions() {
		free, ok := p.FreeTier[d]
		if !ok || u[d] == 0 {
			continue
		}
		bu := d.Billing()
		covered := ratio(u[d], bu.Size)
		if limit := new(big.Rat).Mul(new(big.Rat).SetFloat64(free), big.NewRat(int64(accounts), 1)); limit.Cmp(covered) < 0 {
			covered = limit
		}
		_, sum := charge(rp[d.ladder()], new(big.Rat), covered)
		cents, err := toCents(sum)
		if err != nil {
			return 0, err
		}
		cf, _ := covered.Float64()
		add(Allowance{Kind: "free tier", Plan: d.Plan(), Dimension: d, Quantity: cf, Unit: bu.Name,
			Note: fmt.Sprintf("12-month free tier: %s a month per account, %s", freeAmount(d, free), plural(accounts, "account"))}, cents)
	}
	return free, nil
}

// freeAmount words a free-tier allowance of n billing units of d: "1 GB",
// "1000 objects".
func freeAmount(d Dimension, n float64) string {
	bu := d.Billing()
	if _, word, ok := strings.Cut(bu.Name, " "); ok && bu.Name[0] >= '0' && bu.Name[0] <= '9' {
		return fmt.Sprintf("%g %s", n*bu.Size, word)
	}
	return fmt.Sprintf("%g %s", n, bu.Name)
}

// ratio returns amount/size exactly.
func ratio(amount, size float64) *big.Rat {
	return new(big.Rat).Quo(new(big.Rat).SetFloat64(amount), new(big.Rat).SetFloat64(size))
}

// toCents rounds a non-negative dollar amount half up to whole cents.
func toCents(usd *big.Rat) (int64, error) {
	c := new(big.Rat).Mul(usd, big.NewRat(100, 1))
	c.Add(c, big.NewRat(1, 2))
	n := new(big.Int).Quo(c.Num(), c.Denom()) // floor for non-negative values
	if !n.IsInt64() || n.Int64() > 1e15 {
		return 0, fmt.Errorf("%w: the charge is too large to estimate", ErrBadQuantity)
	}
	return n.Int64(), nil
}

func maxRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
