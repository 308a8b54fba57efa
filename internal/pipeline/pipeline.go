// Package pipeline wires the stages of the design together: sources are
// listed and parsed by a pool of readers, events flow in bounded chunks to
// one detection loop, and the findings of each file go to a sink (an
// in-memory aggregator for "vigil analyze", the store for "vigil serve").
//
// The pipeline owns no policy of its own: formats live in internal/source,
// detection in internal/detect, persistence in internal/store.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/store"
)

// chunkSize is how many events travel together from a reader to the
// detection loop; queueChunks bounds the chunks in flight per reader. With
// both bounded, memory does not depend on file count or size.
const (
	chunkSize   = 2048
	queueChunks = 4
)

// Stats counts what a pass read and found.
type Stats struct {
	Files    int // files fully read
	Skipped  int // files already read before (checkpoint)
	Failed   int // files that could not be opened or recognized
	Records  int
	Events   int
	Errors   int // malformed records and file problems
	Bytes    int64
	Findings int // findings made before aggregation
}

// job is one file to read; its reader sends the file's events on out.
type job struct {
	lister source.Lister
	obj    source.Object
	out    chan chunk
	meter  *meter              // counts the file's usage; nil: not metered
	usage  []store.UsageRecord // the file's usage, set before the sink is called

	// lastEvent is the newest event time of the file, set by detectLoop;
	// src is the index of the watched source listing it.
	lastEvent time.Time
	src       int
}

// chunk carries events of one file; the last chunk of a file has done set
// and the file's totals.
type chunk struct {
	events []*event.Event
	done   bool
	st     source.Stats
	err    error // set when the file failed as a whole
	// readErr is set when the file could not be read to its end (it may
	// still have yielded records).
	readErr error
	usage   []store.UsageRecord // the file's usage, on the last chunk
}

// fileSink receives, per file, the findings made from its events once the
// file is completely read.
type fileSink func(ctx context.Context, j *job, st source.Stats, readErr error, fs []finding.Finding) error

// process reads the jobs with `workers` readers and runs every event
// through eng on the calling goroutine, in job order (files sorted by key,
// which for AWS's layouts is time order), so results do not depend on how
// many readers there are. Each job has its own bounded queue, so readers
// work ahead by at most queueChunks chunks each. Record and file errors go
// to onErr; process itself fails only when the sink does or ctx ends.
func process(ctx context.Context, jobs []*job, workers int, maxBytes int64, eng *detect.Engine,
	onErr func(error), sink fileSink) (Stats, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // readers blocked on a queue see the cancel
	for _, j := range jobs {
		j.out = make(chan chunk, queueChunks)
	}
	next := make(chan *job)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &source.Reader{MaxFileBytes: maxBytes}
			for j := range next {
				read(ctx, r, j, onErr)
			}
		}()
	}
	go func() {
		defer close(next)
		for _, j := range jobs {
			select {
			case next <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	return detectLoop(ctx, jobs, eng, sink)
}

// read parses one file and sends its events in chunks.
func read(ctx context.Context, r *source.Reader, j *job, onErr func(error)) {
	buf := make([]*event.Event, 0, chunkSize)
	usage := newFileUsage(j.meter)
	send := func(c chunk) bool {
		select {
		case j.out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	emit := func(ev *event.Event) {
		usage.add(ev)
		buf = append(buf, ev)
		if len(buf) == chunkSize {
			if send(chunk{events: buf}) {
				buf = make([]*event.Event, 0, chunkSize)
			} else {
				buf = buf[:0]
			}
		}
	}
	st, err := r.ReadObject(ctx, j.lister, j.obj, emit, func(e *source.RecordError) { onErr(e) })
	if err != nil {
		onErr(err)
	}
	c := chunk{events: buf, done: true, st: st, readErr: err, usage: usage.records(st.Bytes)}
	if err != nil && st.Records == 0 {
		c.err = err
	}
	send(c)
}

// detectLoop runs the events of each job, in job order, through eng and
// hands each file's findings to sink.
func detectLoop(ctx context.Context, jobs []*job, eng *detect.Engine, sink fileSink) (Stats, error) {
	var total Stats
	for _, j := range jobs {
		var fs []finding.Finding
		report := func(f finding.Finding) { fs = append(fs, f) }
		for {
			var c chunk
			select {
			case c = <-j.out:
			case <-ctx.Done():
				return total, ctx.Err()
			}
			for _, ev := range c.events {
				if ev.Time.After(j.lastEvent) {
					j.lastEvent = ev.Time
				}
				eng.Process(ev, report)
			}
			if !c.done {
				continue
			}
			total.Findings += len(fs)
			total.addFile(c)
			if c.err == nil { // a file that yielded nothing is left for a later pass
				j.usage = c.usage
				if err := sink(ctx, j, c.st, c.readErr, fs); err != nil {
					return total, err
				}
			}
			break
		}
	}
	return total, ctx.Err()
}

func (s *Stats) addFile(c chunk) {
	if c.err != nil {
		s.Failed++
	} else {
		s.Files++
	}
	s.Records += c.st.Records
	s.Events += c.st.Events
	s.Errors += c.st.Errors
	s.Bytes += c.st.Bytes
}

// listAll lists every lister; a lister that fails is reported and skipped.
func listAll(ctx context.Context, listers []source.Lister, onErr func(error), skip func(source.Lister, source.Object) (bool, error)) ([]*job, int) {
	var jobs []*job
	skipped := 0
	for _, l := range listers {
		objs, err := l.List(ctx, "")
		if err != nil {
			onErr(err)
		}
		for _, o := range objs {
			if skip != nil {
				done, err := skip(l, o)
				if err != nil {
					onErr(err)
					continue
				}
				if done {
					skipped++
					continue
				}
			}
			jobs = append(jobs, &job{lister: l, obj: o})
		}
	}
	return jobs, skipped
}

// logErrors returns an onErr that logs each problem and counts them.
func logErrors(log *slog.Logger, count *int, mu *sync.Mutex) func(error) {
	return func(err error) {
		mu.Lock()
		*count++
		mu.Unlock()
		var re *source.RecordError
		if errors.As(err, &re) {
			log.Warn("bad input skipped", "file", re.File, "err", re.Error())
			return
		}
		log.Warn("bad input skipped", "err", err)
	}
}
