package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/store"
)

// Resources is Vigil's own resource use, shown on the usage page beside
// what GuardDuty would charge for the same work.
type Resources struct {
	CPU         time.Duration // CPU time the process has used
	Since       time.Time     // when the process started
	StoredBytes int64         // the store's size on disk
}

// usageData is the usage page: the last 30 days of recorded usage, one
// chart per dimension, the month it projects to priced per plan, and
// Vigil's own resource use.
type usageData struct {
	Kept          bool // the store keeps usage
	From, To      string
	Days          int // days with usage in the window
	Charts        []usageChart
	Plans         []planCost
	TotalUSD      string
	PricesVersion string
	PricesDate    string
	Notes         []string
	Self          *selfUse
	Err           string // pricing failed: the charts are still shown
}

type usageChart struct {
	ID, Title     string
	Total         string // over the window, formatted
	Width, Height int
	Bars          []usageBar
}

type usageBar struct {
	X, Y, W, H int
	Label      string // the day, under every fifth bar
	Title      string // "Jun 3: 1.2 GB"
}

type planCost struct {
	Plan  string
	Items []itemCost
	USD   string
}

type itemCost struct {
	Item, Quantity, USD string
	Configured          bool // from vigil.yaml's cost.monitored
}

type selfUse struct {
	CPU, Uptime, Stored string
}

func (c *Console) usage(w http.ResponseWriter, r *http.Request, ss *session) {
	d := usageData{}
	from, to := api.UsageWindowAt(c.opts.Now())
	d.From, d.To = from.Format("Jan 2"), to.AddDate(0, 0, -1).Format("Jan 2, 2006")
	if res := c.opts.Resources; res != nil {
		d.Self = selfUsage(res(), c.opts.Now())
	}
	var recs []store.UsageRecord
	if us, ok := usageStore(c.opts.Store); ok {
		d.Kept = true
		var err error
		if recs, err = us.ListUsage(r.Context(), from, to); err != nil {
			c.fail(w, ss, err)
			return
		}
	}
	d.Charts = usageCharts(recs, from)
	d.Days = usageDays(recs)
	pricing := c.opts.Pricing
	if pricing == nil {
		pricing = &api.UsagePricing{}
	}
	scale := 0.0
	if d.Days > 0 {
		scale = cost.DaysPerMonth / float64(d.Days)
	}
	costs, err := pricing.Price(recs, scale, cost.HoursPerMonth)
	if err != nil {
		d.Err = err.Error()
	} else {
		d.Plans, d.TotalUSD, d.Notes = planCosts(costs)
	}
	if p := pricing.Prices; p != nil {
		d.PricesVersion, d.PricesDate = p.Version, p.Date
	} else {
		p := cost.DefaultPrices()
		d.PricesVersion, d.PricesDate = p.Version, p.Date
	}
	c.render(w, "usage", http.StatusOK, ss, view{Title: "Usage and cost", Nav: "usage", Data: d})
}

// usageStore returns the store, or one it wraps, as a store.UsageStore.
func usageStore(st store.Store) (store.UsageStore, bool) {
	for st != nil {
		if us, ok := st.(store.UsageStore); ok {
			return us, true
		}
		u, ok := st.(interface{ Unwrap() store.Store })
		if !ok {
			break
		}
		st = u.Unwrap()
	}
	return nil, false
}

// usageDays counts the distinct days that have records: the month is
// their average × 30, so days Vigil was not running do not dilute it.
func usageDays(recs []store.UsageRecord) int {
	days := map[time.Time]bool{}
	for _, r := range recs {
		days[r.Day] = true
	}
	return len(days)
}

// usageCharts lays out one bar chart per dimension with usage: a bar per
// day of the window, summed over accounts and regions.
func usageCharts(recs []store.UsageRecord, from time.Time) []usageChart {
	const days, barW, step, height = api.UsageWindow, 18, 24, 120
	perDay := map[cost.Dimension][]float64{}
	for _, r := range recs {
		i := int(r.Day.Sub(from).Hours() / 24)
		if i < 0 || i >= days {
			continue
		}
		d := cost.Dimension(r.Dimension)
		if perDay[d] == nil {
			perDay[d] = make([]float64, days)
		}
		perDay[d][i] += r.Amount
	}
	var out []usageChart
	for _, d := range cost.Dimensions() {
		vals := perDay[d]
		if vals == nil {
			continue
		}
		top, sum := 0.0, 0.0
		for _, v := range vals {
			top, sum = max(top, v), sum+v
		}
		ch := usageChart{ID: "chart-" + string(d), Title: d.Plan(), Total: amount(d, sum), Width: days * step, Height: height}
		for i, v := range vals {
			h := 0
			if top > 0 {
				h = int(v / top * (height - 20))
			}
			if v > 0 && h < 2 {
				h = 2
			}
			day := from.AddDate(0, 0, i)
			b := usageBar{X: i * step, Y: height - 16 - h, W: barW, H: h, Title: day.Format("Jan 2") + ": " + amount(d, v)}
			if i%5 == 0 {
				b.Label = day.Format("Jan 2")
			}
			ch.Bars = append(ch.Bars, b)
		}
		out = append(out, ch)
	}
	return out
}

// planCosts groups the costs by plan ("Foundational", "S3 Protection"...),
// each with its items summed over accounts and regions, and says which
// regions were priced at FallbackPriceRegion's prices.
func planCosts(costs []api.UsageCost) ([]planCost, string, []string) {
	type item struct {
		plan, name string
		dim        cost.Dimension
		quantity   float64
		unit       string
		usd        float64
		configured bool
	}
	items := map[cost.Dimension]*item{}
	fallback := map[string]bool{}
	var total float64
	for _, c := range costs {
		it := items[c.Dimension]
		if it == nil {
			plan, name, _ := strings.Cut(c.Plan, ": ")
			it = &item{plan: plan, name: name, dim: c.Dimension, unit: c.Unit}
			items[c.Dimension] = it
		}
		it.quantity += c.Quantity
		it.usd += c.USD
		it.configured = it.configured || c.Configured
		total += c.USD
		if c.PriceRegion != c.Region {
			fallback[cmp.Or(c.Region, "(no region)")] = true
		}
	}
	var plans []planCost
	var planUSD []float64
	for _, d := range cost.Dimensions() {
		it := items[d]
		if it == nil {
			continue
		}
		if len(plans) == 0 || plans[len(plans)-1].Plan != it.plan {
			plans = append(plans, planCost{Plan: it.plan})
			planUSD = append(planUSD, 0)
		}
		p := &plans[len(plans)-1]
		p.Items = append(p.Items, itemCost{Item: it.name, Quantity: quantity(it.quantity) + " " + it.unit, USD: usd(it.usd), Configured: it.configured})
		planUSD[len(planUSD)-1] += it.usd
	}
	for i := range plans {
		plans[i].USD = usd(planUSD[i])
	}
	var notes []string
	if len(fallback) > 0 {
		regions := make([]string, 0, len(fallback))
		for r := range fallback {
			regions = append(regions, r)
		}
		slices.Sort(regions)
		notes = append(notes, fmt.Sprintf("Priced at %s list prices, as the price table has none (for some plans) in: %s. Set them under cost.prices in vigil.yaml.",
			api.FallbackPriceRegion, strings.Join(regions, ", ")))
	}
	return plans, usd(total), notes
}

func selfUsage(r Resources, now time.Time) *selfUse {
	s := &selfUse{CPU: strconv.FormatFloat(r.CPU.Seconds(), 'f', 1, 64) + " s", Stored: bytesText(float64(r.StoredBytes))}
	if !r.Since.IsZero() {
		s.Uptime = now.Sub(r.Since).Round(time.Second).String()
	}
	return s
}

// amount formats a usage amount in its dimension's unit.
func amount(d cost.Dimension, v float64) string {
	switch d.Unit() {
	case "bytes":
		return bytesText(v)
	case "events", "objects":
		return quantity(v) + " " + d.Unit()
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + d.Unit()
}

// bytesText formats bytes in decimal units, as GuardDuty prices GB.
func bytesText(v float64) string {
	for _, u := range []struct {
		size float64
		name string
	}{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}} {
		if v >= u.size {
			return strconv.FormatFloat(v/u.size, 'f', 2, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " B"
}

// quantity formats a number with thousands separators, or with up to
// four significant decimals below 1000.
func quantity(v float64) string {
	if v < 1000 {
		s := strconv.FormatFloat(v, 'g', 4, 64)
		if strings.ContainsAny(s, "e") {
			s = strconv.FormatFloat(v, 'f', 6, 64)
		}
		return s
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

func usd(v float64) string { return "$" + strconv.FormatFloat(v, 'f', 2, 64) }
