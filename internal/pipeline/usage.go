package pipeline

import (
	"cmp"
	"context"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/store"
)

// Usage metering counts the work of each file per (UTC day the file was
// analysed, account, region, cost dimension), as GuardDuty meters it —
// GuardDuty bills the month it analyses logs in, whatever their age, so
// replayed old logs count on the day they are read:
//
//   - events for CloudTrail management events (CloudTrailEvents), S3 data
//     events (S3DataEvents, detect.IsS3DataEvent) and EKS audit events;
//     CloudTrail data events of other services are not counted, as
//     GuardDuty does not analyse them;
//   - bytes for VPC and Transit Gateway flow logs (FlowLogBytes), flows of
//     a Lambda function's interface (LambdaNetworkBytes: the record names
//     a function, or the inventory says the ENI is a function's) and
//     Route 53 Resolver query logs (DNSLogBytes).
//
// Bytes analysed are the decompressed bytes of each file (source.Stats
// Bytes), shared among the file's byte-dimension keys in proportion to
// the length of their records, so a file's usage adds up to its
// decompressed size exactly, headers and malformed records included. A
// file that yields no event of a byte dimension (an empty file, a file of
// malformed records) counts no bytes.
//
// Counting happens in the readers, as events are emitted, in a small map
// per file with a one-entry cache (consecutive records of a file nearly
// always share their key); the file's records are written once, after its
// commit (see Watcher.addUsage).

// usageKey is what usage is counted by within a file.
type usageKey struct {
	day     int64 // days since the Unix epoch (UTC)
	account string
	region  string
	dim     cost.Dimension
}

// tally is the count of one key: events, and the record bytes that
// weigh its share of the file's bytes.
type tally struct {
	events int64
	weight int64
}

// meter is what the readers of one pass share to count usage.
type meter struct {
	inv detect.Inventory // tells Lambda functions' interfaces; nil: only the record does
	now func() time.Time // the day of the work
}

// meterJobs makes the readers of jobs count usage, when on.
func meterJobs(jobs []*job, on bool, inv detect.Inventory, now func() time.Time) {
	if !on {
		return
	}
	if now == nil {
		now = time.Now
	}
	m := &meter{inv: inv, now: now}
	for _, j := range jobs {
		j.meter = m
	}
}

// dimension returns the dimension an event counts in ("" for none), and
// whether it is metered in bytes.
func (u *fileUsage) dimension(ev *event.Event) (cost.Dimension, bool) {
	switch ev.Kind {
	case event.KindAPICall:
		switch {
		case ev.API == nil:
			return "", false
		case detect.IsS3DataEvent(ev.API):
			return cost.S3DataEvents, false
		case ev.API.Management:
			return cost.CloudTrailEvents, false
		}
	case event.KindKubernetesAudit:
		return cost.EKSAuditEvents, false
	case event.KindFlow:
		if u.lambda(ev.Flow) {
			return cost.LambdaNetworkBytes, true
		}
		return cost.FlowLogBytes, true
	case event.KindDNS:
		return cost.DNSLogBytes, true
	}
	return "", false
}

// lambda reports whether a flow is of a Lambda function's interface. The
// inventory's answer for the file's last interface is kept: a file's
// records usually come in runs of one interface.
func (u *fileUsage) lambda(f *event.Flow) bool {
	if f == nil {
		return false
	}
	if f.FunctionName != "" {
		return true
	}
	if u.m.inv == nil || f.InterfaceID == "" {
		return false
	}
	if f.InterfaceID != u.lastENI {
		ni, ok := u.m.inv.Interface(f.InterfaceID)
		u.lastENI, u.lastLambda = f.InterfaceID, ok && ni.FunctionName != "" // the fileUsage lives no longer than the file
	}
	return u.lastLambda
}

// fileUsage counts the usage of one file as its events are read.
type fileUsage struct {
	m       *meter
	day     int64 // the UTC day the file is read on
	tallies map[usageKey]*tally
	lastKey usageKey
	last    *tally
	// The last interface looked up in the inventory, and its answer.
	lastENI    string
	lastLambda bool
}

func newFileUsage(m *meter) *fileUsage {
	if m == nil {
		return nil
	}
	return &fileUsage{m: m, day: unixDay(m.now()), tallies: map[usageKey]*tally{}}
}

// add counts one event; a nil fileUsage counts nothing.
func (u *fileUsage) add(ev *event.Event) {
	if u == nil {
		return
	}
	dim, byBytes := u.dimension(ev)
	if dim == "" {
		return
	}
	k := usageKey{day: u.day, account: ev.Account, region: ev.Region, dim: dim}
	if u.last == nil || k != u.lastKey {
		tl := u.tallies[k]
		if tl == nil {
			tl = &tally{}
			// The event's strings may point into its record: keep copies.
			k.account, k.region = strings.Clone(k.account), strings.Clone(k.region)
			u.tallies[k] = tl
		}
		u.lastKey, u.last = k, tl
	}
	u.last.events++
	if byBytes {
		u.last.weight += int64(len(ev.Raw)) + 1 // the record and its separator
	}
}

// records returns the file's usage, its decompressed size fileBytes
// shared among the byte dimensions, ordered by key.
func (u *fileUsage) records(fileBytes int64) []store.UsageRecord {
	if u == nil || len(u.tallies) == 0 {
		return nil
	}
	keys := make([]usageKey, 0, len(u.tallies))
	for k := range u.tallies {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	var byteKeys []usageKey
	var weights []uint64
	out := make([]store.UsageRecord, 0, len(keys))
	for _, k := range keys {
		tl := u.tallies[k]
		if k.dim.Unit() == "bytes" {
			byteKeys = append(byteKeys, k)
			weights = append(weights, uint64(tl.weight))
			continue
		}
		out = append(out, usageRecord(k, float64(tl.events)))
	}
	for i, share := range apportion(uint64(max(fileBytes, 0)), weights) {
		out = append(out, usageRecord(byteKeys[i], float64(share)))
	}
	slices.SortFunc(out, compareRecords)
	return out
}

// apportion shares total among weights in proportion to them, in whole
// units that add up to total: each gets the floor of its exact share and
// the heaviest (the first of equals) the rest. All-zero weights share
// equally.
func apportion(total uint64, weights []uint64) []uint64 {
	if len(weights) == 0 {
		return nil
	}
	var sum uint64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 {
		weights = slices.Repeat([]uint64{1}, len(weights))
		sum = uint64(len(weights))
	}
	out := make([]uint64, len(weights))
	var given uint64
	heaviest := 0
	for i, w := range weights {
		hi, lo := bits.Mul64(total, w)
		out[i], _ = bits.Div64(hi, lo, sum) // w <= sum, so the quotient fits
		given += out[i]
		if w > weights[heaviest] {
			heaviest = i
		}
	}
	out[heaviest] += total - given
	return out
}

func usageRecord(k usageKey, amount float64) store.UsageRecord {
	return store.UsageRecord{Day: time.Unix(k.day*86400, 0).UTC(), Account: k.account, Region: k.region,
		Dimension: string(k.dim), Amount: amount}
}

// unixDay returns the number of the UTC day of t since the Unix epoch.
func unixDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

func compareKeys(a, b usageKey) int {
	return cmp.Or(cmp.Compare(a.day, b.day), strings.Compare(a.account, b.account),
		strings.Compare(a.region, b.region), strings.Compare(string(a.dim), string(b.dim)))
}

func compareRecords(a, b store.UsageRecord) int {
	return cmp.Or(a.Day.Compare(b.Day), strings.Compare(a.Account, b.Account),
		strings.Compare(a.Region, b.Region), strings.Compare(a.Dimension, b.Dimension))
}

// addUsage writes the usage of a committed file. Accounting never stops
// detection: a failure is logged and the file's usage is lost. A crash
// between the commit and this write loses the file's usage too (it is
// not read again); it is never counted twice.
func (w *Watcher) addUsage(ctx context.Context, j *job) {
	if w.o.Usage == nil || len(j.usage) == 0 {
		return
	}
	if err := w.o.Usage.AddUsage(ctx, j.usage); err != nil {
		w.log.Error("usage of a file not recorded", "file", j.obj.URL, "err", err)
	}
}

// UsageTotals is a store.UsageStore in memory: "vigil analyze", which
// keeps no database, collects a pass's usage in it. It is safe for
// concurrent use.
type UsageTotals struct {
	mu sync.Mutex
	m  map[usageKey]float64
}

var _ store.UsageStore = (*UsageTotals)(nil)

// AddUsage implements store.UsageStore.
func (u *UsageTotals) AddUsage(_ context.Context, recs []store.UsageRecord) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[usageKey]float64{}
	}
	for _, r := range recs {
		u.m[usageKey{day: unixDay(r.Day), account: r.Account, region: r.Region, dim: cost.Dimension(r.Dimension)}] += r.Amount
	}
	return nil
}

// ListUsage implements store.UsageStore.
func (u *UsageTotals) ListUsage(_ context.Context, from, to time.Time) ([]store.UsageRecord, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []store.UsageRecord
	for k, amount := range u.m {
		r := usageRecord(k, amount)
		if !r.Day.Before(from) && r.Day.Before(to) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareRecords)
	return out, nil
}

// Records returns all the usage, ordered by day, account, region and
// dimension.
func (u *UsageTotals) Records() []store.UsageRecord {
	recs, _ := u.ListUsage(context.Background(), time.Unix(-1<<40, 0), time.Unix(1<<40, 0))
	return recs
}
