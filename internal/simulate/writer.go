package simulate

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/klauspost/compress/gzip"
)

// job is one cell to write: its benign event count, the global index of
// its first benign event, and the attack records it receives.
type job struct {
	cell    int
	n       int
	first   int64
	attacks []pending
}

// Every hugeEvery-th benign event (from index hugeAt) has requestParameters
// larger than 64 KB.
const (
	hugeEvery = 250_000
	hugeAt    = 777
)

// worker writes cells. Each worker owns its buffers; nothing is shared.
type worker struct {
	o     Options
	p     *plan
	g     *gen
	times []time.Time
	rec   []byte
	bw    *bufio.Writer
	zw    *gzip.Writer
	count countWriter
}

func newWorker(o Options, p *plan, e *estate) *worker {
	w := &worker{o: o, p: p, g: newGen(e), bw: bufio.NewWriterSize(nil, 256<<10)}
	w.zw, _ = gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}

// writeCell writes the files of one cell and reports each file's records.
func (w *worker) writeCell(j job, done func(records int, bytes int64)) error {
	win, ai, ri := w.p.split(j.cell)
	lo, hi := w.p.span(win)
	r := newRand(w.o.Seed, uint64(j.cell))
	w.g.start(r, ai, ri)
	k := max((j.n+w.o.EventsPerFile-1)/w.o.EventsPerFile, 1)
	span := hi.Sub(lo)
	attacks := j.attacks
	for f := range k {
		flo, fhi := lo.Add(span*time.Duration(f)/time.Duration(k)), lo.Add(span*time.Duration(f+1)/time.Duration(k))
		nf := j.n*(f+1)/k - j.n*f/k
		mine := len(attacks)
		if f < k-1 {
			mine = slices.IndexFunc(attacks, func(a pending) bool { return !a.t.Before(fhi) })
			if mine < 0 {
				mine = len(attacks)
			}
		}
		w.times = w.times[:0]
		for range nf {
			w.times = append(w.times, flo.Add(time.Duration(r.Int64N(max(int64(fhi.Sub(flo)), 1)))).Truncate(time.Second))
		}
		slices.SortFunc(w.times, time.Time.Compare)
		path := w.path(win, ai, ri, r)
		bytes, err := w.writeFile(path, j.first+int64(j.n*f/k), attacks[:mine])
		if err != nil {
			return err
		}
		done(nf+mine, bytes)
		attacks = attacks[mine:]
	}
	return nil
}

// path names a delivery file as AWS does.
func (w *worker) path(win, ai, ri int, r *rand.Rand) string {
	acct, region := w.g.e.accounts[ai].id, w.g.e.regions[ri]
	stamp := w.p.first.Add(time.Duration(win+1) * window)
	var suffix [16]byte
	for i, x := 0, r.Uint64(); i < len(suffix); i++ {
		if i == 10 {
			x = r.Uint64()
		}
		suffix[i] = alnumAlphabet[int(x&63)%len(alnumAlphabet)]
		x >>= 6
	}
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json", acct, region, stamp.Format("20060102T1504Z"), suffix[:])
	if w.o.Gzip {
		name += ".gz"
	}
	parts := []string{w.o.Out, "AWSLogs"}
	if w.o.OrgID != "" {
		parts = append(parts, w.o.OrgID)
	}
	parts = append(parts, acct, "CloudTrail", region, stamp.Format("2006"), stamp.Format("01"), stamp.Format("02"), name)
	return filepath.Join(parts...)
}

// writeFile writes {"Records":[...]}: the benign records at w.times, whose
// first has global index first, merged in time order with attacks.
func (w *worker) writeFile(path string, first int64, attacks []pending) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w.count = countWriter{w: f}
	w.bw.Reset(&w.count)
	var out io.Writer = w.bw
	if w.o.Gzip {
		w.zw.Reset(w.bw)
		out = w.zw
	}
	err = w.records(out, first, attacks)
	if w.o.Gzip && err == nil {
		err = w.zw.Close()
	}
	if err == nil {
		err = w.bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return w.count.n, nil
}

func (w *worker) records(out io.Writer, first int64, attacks []pending) error {
	b := append(w.rec[:0], `{"Records":[`...)
	sep := false
	emit := func(rec []byte) {
		if sep {
			b = append(b, ',')
		}
		b, sep = append(b, rec...), true
	}
	for i, t := range w.times {
		for len(attacks) > 0 && !attacks[0].t.After(t) {
			emit(attacks[0].rec)
			attacks = attacks[1:]
		}
		idx := first + int64(i)
		w.g.benign(t, idx%hugeEvery == hugeAt)
		if sep {
			b = append(b, ',')
		}
		b, sep = w.g.encode(b), true
		if len(b) >= 128<<10 {
			if _, err := out.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	for _, a := range attacks {
		emit(a.rec)
	}
	b = append(b, ']', '}')
	_, err := out.Write(b)
	w.rec = b[:0]
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
