package simulate

import (
	"fmt"
	"slices"
	"time"
)

// pending is an encoded attack record waiting for its file.
type pending struct {
	t   time.Time
	rec []byte
}

// inject encodes the records of every attack, keyed by the cell whose file
// receives them, and lists them for the manifest.
// Network attacks' records go to the flow-log and DNS files of their
// cell (netCells).
func (p *plan) inject(e *estate, o Options) (map[int][]pending, map[int]*netCell, []Injected, error) {
	byCell := map[int][]pending{}
	netCells := map[int]*netCell{}
	var list []Injected
	auto, nAuto := 0, 0
	for _, a := range o.Attacks {
		if a.At.IsZero() && a.Offset == 0 {
			nAuto++
		}
	}
	for i, a := range o.Attacks {
		t := a.At.UTC().Truncate(time.Second)
		switch {
		case !a.At.IsZero():
		case a.Offset != 0:
			t = p.start.Add(a.Offset).Truncate(time.Second)
		default:
			auto++
			t = p.start.Add(p.end.Sub(p.start) * time.Duration(auto) / time.Duration(nAuto+1)).Truncate(time.Second)
		}
		if t.Before(p.start) || !t.Before(p.end) {
			return nil, nil, nil, fmt.Errorf("%w: attack %s at %s is outside %s..%s", ErrInvalid, a.Type,
				t.Format(time.RFC3339), p.start.Format(time.RFC3339), p.end.Format(time.RFC3339))
		}
		ai := slices.IndexFunc(e.accounts, func(x *account) bool { return x.id == a.Account })
		if a.Account == "" {
			ai = 0
		} else if ai < 0 {
			return nil, nil, nil, fmt.Errorf("%w: attack %s names account %s, which is not in the estate", ErrInvalid, a.Type, a.Account)
		}
		if d, ok := netAttackByType[a.Type]; ok {
			list = append(list, p.injectNetwork(e, d, ai, t, netCells))
			continue
		}
		list = append(list, p.encodeAttack(e, attackByType[a.Type], i, ai, t, byCell)...)
	}
	for c := range byCell {
		slices.SortStableFunc(byCell[c], func(x, y pending) int { return x.t.Compare(y.t) })
	}
	slices.SortStableFunc(list, func(x, y Injected) int { return x.At.Compare(y.At) })
	return byCell, netCells, list, nil
}

// encodeAttack encodes the steps of attack number i, one second apart
// (without leaving the span).
func (p *plan) encodeAttack(e *estate, d *attackDef, i, ai int, t time.Time, byCell map[int][]pending) []Injected {
	ri := 0
	if d.global {
		ri = e.global
	}
	g := newGen(e)
	g.start(newRand(e.seed, 1<<42+uint64(i)), ai, ri)
	var out []Injected
	for s, st := range d.steps {
		at := t.Add(time.Duration(s) * time.Second)
		if !at.Before(p.end) {
			at = t
		}
		g.rec.reset()
		g.rec.t, g.rec.region, g.rec.recipient = at, g.region, g.a.id
		g.uaFixed, g.human, g.instance, g.function = "", false, nil, nil
		st.as(g)
		g.call(st.api)
		rec := g.encode(nil)
		c := p.cell(p.windowOf(at), ai, ri)
		byCell[c] = append(byCell[c], pending{at, rec})
		if st.api.prep {
			continue
		}
		out = append(out, Injected{Type: d.typ, Account: g.a.id, Region: g.region,
			EventID: string(g.ids[1]), EventName: st.api.name, At: at})
	}
	return out
}
