package simulate

import (
	"math"
	"time"
)

// window is how much activity one CloudTrail delivery file covers.
const window = 5 * time.Minute

// plan divides the simulated span into cells, one per five-minute window,
// account and region, and shares the benign events among them by weight:
// a daily cycle, busier first accounts and a busier home region.
type plan struct {
	start, end, first time.Time // first = start aligned down to a window
	windows, nA, nR   int
	events            int
}

func newPlan(o Options) *plan {
	first := o.Start.Truncate(window)
	end := o.Start.Add(o.Duration)
	return &plan{start: o.Start, end: end, first: first,
		windows: int((end.Sub(first) + window - 1) / window),
		nA:      o.Accounts, nR: len(o.Regions), events: o.Events}
}

func (p *plan) cells() int { return p.windows * p.nA * p.nR }

func (p *plan) cell(w, a, r int) int { return (w*p.nA+a)*p.nR + r }

func (p *plan) split(c int) (w, a, r int) {
	return c / (p.nA * p.nR), c / p.nR % p.nA, c % p.nR
}

// span is the part of window w inside the simulated span.
func (p *plan) span(w int) (lo, hi time.Time) {
	lo = p.first.Add(time.Duration(w) * window)
	hi = lo.Add(window)
	return later(lo, p.start), earlier(hi, p.end)
}

// windowOf is the window holding t, which must be inside the span.
func (p *plan) windowOf(t time.Time) int { return int(t.Sub(p.first) / window) }

func (p *plan) weight(c int) float64 {
	w, a, r := p.split(c)
	lo, hi := p.span(w)
	h := float64(lo.Hour()) + float64(lo.Minute())/60
	day := 1 + 0.7*math.Sin(2*math.Pi*(h-9)/24) // busiest at 15:00 UTC
	acct := 1 / (1 + 0.5*float64(a))
	reg := 1.0
	switch r {
	case 0:
		reg = 6
	case 1:
		reg = 3
	}
	return hi.Sub(lo).Seconds() * day * acct * reg
}

// schedule calls f for every cell, in order, with its number of benign
// events and the global index of its first event, until f returns false.
// The counts add up to p.events exactly.
func (p *plan) schedule(f func(c, n int, first int64) bool) {
	total := 0.0
	for c := range p.cells() {
		total += p.weight(c)
	}
	cum, done := 0.0, 0
	for c := range p.cells() {
		cum += p.weight(c)
		upto := int(float64(p.events) * cum / total)
		if c == p.cells()-1 || upto > p.events {
			upto = p.events
		}
		if !f(c, upto-done, int64(done)) {
			return
		}
		done = upto
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
