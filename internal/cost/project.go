package cost

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// Observed is a month projected from the usage Vigil recorded.
type Observed struct {
	From time.Time `json:"from"` // the records read: Day in [From, To)
	To   time.Time `json:"to"`
	// Days is how many distinct days have records; the month is the
	// average of those days × 30, so days Vigil was not running do not
	// dilute it.
	Days    int              `json:"days"`
	Regions []ObservedRegion `json:"regions"`
}

// ObservedRegion is the projected month of one region, summed over its
// accounts (consolidated billing adds accounts up for volume tiers).
type ObservedRegion struct {
	Region   string   `json:"region"`
	Accounts []string `json:"accounts"`
	Recorded Usage    `json:"recorded"` // the sums over the days read
	Month    Usage    `json:"month"`    // projected to 30 days
}

// ProjectUsage turns daily usage records (from store.UsageStore) into a
// month per region. Records of unknown dimensions, or with negative or
// non-finite amounts, are errors: an estimate leaves nothing out quietly.
func ProjectUsage(recs []store.UsageRecord, from, to time.Time) (Observed, error) {
	o := Observed{From: from, To: to, Regions: []ObservedRegion{}}
	days := map[time.Time]bool{}
	byRegion := map[string]*ObservedRegion{}
	for _, r := range recs {
		d := Dimension(r.Dimension)
		if !d.valid() {
			return Observed{}, fmt.Errorf("usage record %s %s %s: unknown dimension %q", r.Day.Format(time.DateOnly), r.Account, r.Region, r.Dimension)
		}
		if math.IsNaN(r.Amount) || math.IsInf(r.Amount, 0) || r.Amount < 0 {
			return Observed{}, fmt.Errorf("usage record %s %s %s %s: amount %v", r.Day.Format(time.DateOnly), r.Account, r.Region, d, r.Amount)
		}
		days[r.Day.UTC().Truncate(24*time.Hour)] = true
		or := byRegion[r.Region]
		if or == nil {
			or = &ObservedRegion{Region: r.Region, Recorded: Usage{}, Month: Usage{}}
			byRegion[r.Region] = or
		}
		if !slices.Contains(or.Accounts, r.Account) {
			or.Accounts = append(or.Accounts, r.Account)
		}
		or.Recorded[d] += r.Amount
	}
	o.Days = len(days)
	for _, or := range byRegion {
		for d, v := range or.Recorded {
			or.Month[d] = v * DaysPerMonth / float64(o.Days)
		}
		sort.Strings(or.Accounts)
		o.Regions = append(o.Regions, *or)
	}
	sort.Slice(o.Regions, func(i, j int) bool { return o.Regions[i].Region < o.Regions[j].Region })
	return o, nil
}
