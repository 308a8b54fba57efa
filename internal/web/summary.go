package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// currentCriteria selects the findings that are not archived.
var currentCriteria = json.RawMessage(`{"criterion":{"service.archived":{"eq":["false"]}}}`)

// chartDays is how many days the findings-over-time chart shows.
const chartDays = 14

type summaryData struct {
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
	ctx := r.Context()
	cl := c.client(ss)
	var d summaryData
	sev, err := cl.Statistics(ctx, currentCriteria, "", 0)
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	d.Levels = levelCounts(sev.CountBySeverity)
	for _, l := range d.Levels {
		d.Total += l.N
	}
	for _, g := range []struct {
		by  string
		dst *[]StatGroup
		max int
	}{{"FINDING_TYPE", &d.Types, 8}, {"RESOURCE", &d.Res, 8}, {"ACCOUNT", &d.Accts, 8}} {
		st, err := cl.Statistics(ctx, currentCriteria, g.by, g.max)
		if err != nil {
			c.fail(w, ss, err)
			return
		}
		*g.dst = append(append(st.GroupedByFindingType, st.GroupedByResource...), st.GroupedByAccount...)
	}
	// DATE groups come newest first, one per day and severity: 100 of
	// them cover the chart's days unless a day has many severities.
	byDate, err := cl.Statistics(ctx, currentCriteria, "DATE", 100)
	if err != nil {
		c.fail(w, ss, err)
		return
	}
	d.Chart = dayChart(byDate.GroupedByDate, chartStart(byDate.GroupedByDate, c.opts.Now()))
	if d.Latest, err = c.latestSevere(ctx); err != nil {
		c.fail(w, ss, err)
		return
	}
	c.render(w, "summary", http.StatusOK, ss, view{Title: "Summary", Nav: "summary", Data: d})
}

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

// chartStart is the first day of the chart: chartDays before the newest
// day with findings (logs replayed from the past chart where they are),
// or before today when there are none.
func chartStart(rows []StatGroup, now time.Time) time.Time {
	last := now.UTC().Truncate(24 * time.Hour)
	if len(rows) > 0 {
		last = time.Unix(int64(rows[0].Date), 0).UTC().Truncate(24 * time.Hour)
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
