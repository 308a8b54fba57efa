package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/health"
)

// currentCriteria selects the findings that are not archived.
var currentCriteria = json.RawMessage(`{"criterion":{"service.archived":{"eq":["false"]}}}`)

// chartDays is how many days the findings-over-time chart shows.
const chartDays = 14

type summaryData struct {
	Health []health.Check // checks that are not OK, worst first
	Levels []levelCount
	Total  int
	Chart  chart
	Types  []StatGroup
	Res    []StatGroup
	Accts  []StatGroup
	Latest []finding.Finding
}

type levelCount struct {
	Name, Class string
	Min         float64
	N           int
}

// chart is the findings-over-time bar chart, one bar per UTC day.
type chart struct {
	Width, Height int
	Bars          []bar
	Max           int
}

type bar struct {
	X, Y, W, H int
	Label      string
	N          int
}

func (c *Console) summary(w http.ResponseWriter, r *http.Request, ss *session) {
	d, err := c.summaryData(r.Context(), c.client(ss))
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	d.Health = c.problems()
	c.render(w, "summary", http.StatusOK, ss, view{Title: "Summary", Nav: "summary", Data: d})
}

// summaryData asks the API for the summary's statistics and the store for
// the latest findings, all at once: the page takes as long as the slowest
// of them, not their sum.
func (c *Console) summaryData(ctx context.Context, cl *Client) (summaryData, error) {
	var d summaryData
	var sev, types, res, accts, byDate Stats
	// The chart shows chartDays days up to the newest finding's; its
	// DATE statistic counts only those, not every finding.
	newest, _, err := c.opts.Store.ListFindings(ctx, finding.Query{Archived: ptr(false), Limit: 1})
	if err != nil {
		return d, err
	}
	start := chartStart(newest, c.opts.Now())
	chartCriteria, _ := json.Marshal(map[string]any{"criterion": map[string]any{
		"service.archived": map[string][]string{"eq": {"false"}}, "updatedAt": map[string]int64{"gte": start.UnixMilli()}}})
	calls := []func() error{
		func() (err error) { sev, err = cl.Statistics(ctx, currentCriteria, "", 0); return },
		func() (err error) { types, err = cl.Statistics(ctx, currentCriteria, "FINDING_TYPE", 8); return },
		func() (err error) { res, err = cl.Statistics(ctx, currentCriteria, "RESOURCE", 8); return },
		func() (err error) { accts, err = cl.Statistics(ctx, currentCriteria, "ACCOUNT", 8); return },
		// DATE groups come one per day and severity: 100 of them cover
		// the chart's days unless a day has many severities.
		func() (err error) { byDate, err = cl.Statistics(ctx, chartCriteria, "DATE", 100); return },
		func() (err error) { d.Latest, err = c.latestSevere(ctx); return },
	}
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	d.Levels = levelCounts(sev.CountBySeverity)
	for _, l := range d.Levels {
		d.Total += l.N
	}
	d.Types, d.Res, d.Accts = types.GroupedByFindingType, res.GroupedByResource, accts.GroupedByAccount
	d.Chart = dayChart(byDate.GroupedByDate, start)
	return d, nil
}

func ptr[T any](v T) *T { return &v }

// levelCounts folds countBySeverity ("8.0": n) into the four bands.
func levelCounts(counts map[string]int) []levelCount {
	ls := []levelCount{
		{Name: "Critical", Class: "sev-critical", Min: 9},
		{Name: "High", Class: "sev-high", Min: 7},
		{Name: "Medium", Class: "sev-medium", Min: 4},
		{Name: "Low", Class: "sev-low", Min: 1},
	}
	for k, n := range counts {
		v, err := strconv.ParseFloat(k, 64)
		if err != nil {
			continue
		}
		for i := range ls {
			if v >= ls[i].Min || i == len(ls)-1 {
				ls[i].N += n
				break
			}
		}
	}
	return ls
}

// chartStart is the first day of the chart: chartDays before the day of
// the newest current finding (logs replayed from the past chart where
// they are), or before today when there is none.
func chartStart(newest []finding.Finding, now time.Time) time.Time {
	last := now.UTC().Truncate(24 * time.Hour)
	if len(newest) > 0 {
		last = newest[0].UpdatedAt.UTC().Truncate(24 * time.Hour)
	}
	return last.AddDate(0, 0, -(chartDays - 1))
}

// dayChart lays out one bar per day from since to today. groupedByDate has
// a row per day and severity; they are added up per day.
func dayChart(rows []StatGroup, since time.Time) chart {
	perDay := make([]int, chartDays)
	for _, g := range rows {
		day := int(time.Unix(int64(g.Date), 0).UTC().Sub(since).Hours() / 24)
		if day >= 0 && day < chartDays {
			perDay[day] += g.TotalFindings
		}
	}
	ch := chart{Width: chartDays * 40, Height: 120, Max: 1}
	for _, n := range perDay {
		ch.Max = max(ch.Max, n)
	}
	for i, n := range perDay {
		h := n * (ch.Height - 20) / ch.Max
		if n > 0 && h < 2 {
			h = 2
		}
		ch.Bars = append(ch.Bars, bar{X: i * 40, Y: ch.Height - 16 - h, W: 32, H: h, N: n,
			Label: since.AddDate(0, 0, i).Format("Jan 2")})
	}
	return ch
}

// latestSevere returns the newest current High and Critical findings.
func (c *Console) latestSevere(ctx context.Context) ([]finding.Finding, error) {
	archived := false
	fs, _, err := c.opts.Store.ListFindings(ctx, finding.Query{MinSeverity: 7, Archived: &archived,
		SortBy: finding.SortUpdatedAt, Desc: true, Limit: 10})
	return fs, err
}
