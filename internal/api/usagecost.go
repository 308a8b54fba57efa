package api

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/store"
)

// FallbackPriceRegion is the region whose prices apply to usage in a
// region the price table does not price (or to a dimension it does not
// price there): GuardDuty's list prices differ little between regions,
// and an estimate with a known approximation is more use than none. The
// console names the regions priced this way.
const FallbackPriceRegion = "us-east-1"

// UsageWindow is the period GetUsageStatistics reports: the last 30 UTC
// days, today included, as GuardDuty's "last 30 days".
const UsageWindow = 30

// UsagePricing prices recorded usage as GuardDuty would bill it. The zero
// value uses the built-in price table and no monitored resources.
type UsagePricing struct {
	Prices *cost.Prices // nil: cost.DefaultPrices()
	// Monitored is vigil.yaml's cost.monitored: per region, the vCPUs and
	// ACUs GuardDuty bills by size (Runtime Monitoring, RDS Protection),
	// which Vigil cannot count. They are priced as monitored for the
	// whole period asked about, in the account Account.
	Monitored map[string]config.CostMonitored
	Account   string // default: the API server's account
}

// UsageCost is the cost of one dimension of one account's usage in one
// region over a period.
type UsageCost struct {
	Account, Region string
	Dimension       cost.Dimension
	Plan            string  // "Foundational: VPC flow logs"
	Amount          float64 // in the dimension's unit (bytes, events...)
	Quantity        float64 // in the billing unit
	Unit            string  // the billing unit: "GB", "1M events"...
	USD             float64 // to the cent
	// PriceRegion is the region whose prices were used: Region, or
	// FallbackPriceRegion when the table has none for it.
	PriceRegion string
	// Configured marks costs of monitored vCPUs and ACUs, which come from
	// vigil.yaml (Vigil records no vCPU- or ACU-hours itself).
	Configured bool
}

// Price sums the records per account and region, multiplies the sums by
// scale (1 prices them as they are; 30/days projects a month), adds the
// monitored resources for hours hours, and prices each region as one
// month of GuardDuty usage with the accounts' usage added up, as
// consolidated billing applies volume tiers (and as "vigil cost estimate
// --from-usage" does); each dimension's cost is then shared among the
// accounts in proportion to their amounts, to the cent. Costs come
// ordered by account, region and dimension (in cost.Dimensions order).
// Records of unknown dimensions, or amounts the table refuses, are
// errors.
func (p *UsagePricing) Price(recs []store.UsageRecord, scale, hours float64) ([]UsageCost, error) {
	prices := p.Prices
	if prices == nil {
		prices = cost.DefaultPrices()
	}
	type scope struct{ account, region string }
	usage := map[scope]cost.Usage{}
	add := func(sc scope, d cost.Dimension, v float64) {
		if usage[sc] == nil {
			usage[sc] = cost.Usage{}
		}
		usage[sc][d] += v
	}
	for _, r := range recs {
		d := cost.Dimension(r.Dimension)
		if d.Unit() == "" {
			return nil, fmt.Errorf("usage record %s %s %s: unknown dimension %q", r.Day.Format(time.DateOnly), r.Account, r.Region, r.Dimension)
		}
		add(scope{r.Account, r.Region}, d, r.Amount*scale)
	}
	for region, m := range p.Monitored {
		sc := scope{p.Account, region}
		for d, n := range map[cost.Dimension]float64{cost.RuntimeVCPUHours: m.RuntimeVCPUs, cost.RDSVCPUHours: m.RDSVCPUs, cost.RDSACUHours: m.RDSACUs} {
			if n > 0 {
				add(sc, d, n*hours)
			}
		}
	}
	regions := map[string]cost.Usage{}
	for sc, u := range usage {
		if regions[sc.region] == nil {
			regions[sc.region] = cost.Usage{}
		}
		for d, v := range u {
			regions[sc.region][d] += v
		}
	}
	var out []UsageCost
	for region, total := range regions {
		costs, err := priceScope(prices, region, total)
		if err != nil {
			return nil, fmt.Errorf("usage in %s: %w", cmp.Or(region, "no region"), err)
		}
		for _, c := range costs {
			var shares []UsageCost
			for sc, u := range usage {
				if sc.region != region || u[c.Dimension] == 0 {
					continue
				}
				sh := c
				sh.Account, sh.Amount = sc.account, u[c.Dimension]
				sh.Quantity = c.Quantity * sh.Amount / c.Amount
				sh.Configured = strings.HasSuffix(c.Dimension.Unit(), "-hours")
				shares = append(shares, sh)
			}
			out = append(out, shareCents(shares, c.USD)...)
		}
	}
	slices.SortFunc(out, func(a, b UsageCost) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region),
			cmp.Compare(slices.Index(cost.Dimensions(), a.Dimension), slices.Index(cost.Dimensions(), b.Dimension)))
	})
	return out, nil
}

// shareCents sets each share's USD to its part of total (by Amount), in
// whole cents that add up to total: the largest remainders get the cents
// rounding left over.
func shareCents(shares []UsageCost, total float64) []UsageCost {
	var sum float64
	for _, s := range shares {
		sum += s.Amount
	}
	cents := int64(math.Round(total * 100))
	if sum == 0 || len(shares) == 0 {
		return shares
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	var given int64
	for i := range shares {
		exact := float64(cents) * shares[i].Amount / sum
		c := int64(math.Floor(exact))
		shares[i].USD = float64(c) / 100
		given += c
		rems = append(rems, rem{i, exact - float64(c)})
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; given < cents && k < len(rems); k++ {
		shares[rems[k].i].USD += 0.01
		shares[rems[k].i].USD = math.Round(shares[rems[k].i].USD*100) / 100
		given++
	}
	return shares
}

// priceScope prices one month in region: the dimensions the
// table prices there at its prices, the others at FallbackPriceRegion's.
// Each dimension has its own ladder except DNS logs, which continue the
// flow logs' one and are priced wherever those are, so splitting keeps
// the tiers right.
func priceScope(prices *cost.Prices, region string, u cost.Usage) ([]UsageCost, error) {
	own, other := cost.Usage{}, cost.Usage{}
	for d, v := range u {
		if len(prices.Ladder(region, d)) > 0 {
			own[d] = v
		} else {
			other[d] = v
		}
	}
	var out []UsageCost
	for _, part := range []struct {
		at string
		u  cost.Usage
	}{{region, own}, {FallbackPriceRegion, other}} {
		if len(part.u) == 0 {
			continue
		}
		e, err := prices.Estimate(part.at, part.u, cost.EstimateOptions{})
		if err != nil {
			return nil, err
		}
		for _, l := range e.Lines {
			out = append(out, UsageCost{Region: region, Dimension: l.Dimension, Plan: l.Plan, Amount: part.u[l.Dimension],
				Quantity: l.Quantity, Unit: l.Unit, USD: l.USD, PriceRegion: part.at})
		}
	}
	return out, nil
}

// UsageWindowAt returns the days GetUsageStatistics reports at now, as
// store.UsageStore.ListUsage reads them: [from, to) covering the last
// UsageWindow UTC days, now's included.
func UsageWindowAt(now time.Time) (from, to time.Time) {
	now = now.UTC()
	to = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, 0, -UsageWindow), to
}
