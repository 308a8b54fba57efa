package protect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vigil-sec/vigil/internal/store"
)

// PollerOptions configure a Poller. Plans without a PollInterval are not
// polled.
type PollerOptions struct {
	Plans  []Plan
	S3     S3API
	Store  store.ScanStore // ScanDone decides what is new
	Logger *slog.Logger
}

// Poller is the Source for servers without event notifications: at each
// plan's PollInterval it lists the plan's prefixes (the whole bucket
// without prefixes) and delivers the objects whose ETag has no finished
// scan in the store. Because the store decides, a restarted Vigil neither
// skips nor rescans objects; an object that was queued but not scanned
// when Vigil stopped is delivered again.
type Poller struct {
	o   PollerOptions
	log *slog.Logger
}

var _ Source = (*Poller)(nil)

// queueFullWait is how long the Poller waits before offering an event to
// a full queue again.
const queueFullWait = 200 * time.Millisecond

// NewPoller returns a Poller; call Run to start it.
func NewPoller(o PollerOptions) *Poller {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{o: o, log: o.Logger.With("component", "protect/poll")}
}

// Run polls every plan with a PollInterval, starting at once, until ctx
// ends.
func (p *Poller) Run(ctx context.Context, deliver Deliver) error {
	var wg sync.WaitGroup
	for i := range p.o.Plans {
		plan := &p.o.Plans[i]
		if plan.PollInterval <= 0 {
			continue
		}
		wg.Go(func() { p.loop(ctx, plan, deliver) })
	}
	wg.Wait()
	return nil
}

func (p *Poller) loop(ctx context.Context, plan *Plan, deliver Deliver) {
	tick := time.NewTicker(plan.PollInterval)
	defer tick.Stop()
	for {
		n, err := p.Poll(ctx, plan, deliver)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.log.Error("poll failed; will retry", "plan", plan.ID, "bucket", plan.Bucket, "err", err)
		case n > 0:
			p.log.Info("new objects to scan", "plan", plan.ID, "bucket", plan.Bucket, "objects", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Poll makes one pass over the plan's prefixes and returns how many
// objects it delivered.
func (p *Poller) Poll(ctx context.Context, plan *Plan, deliver Deliver) (int, error) {
	prefixes := plan.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{""}
	}
	total := 0
	for _, prefix := range prefixes {
		n, err := p.pollPrefix(ctx, plan.Bucket, prefix, deliver)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (p *Poller) pollPrefix(ctx context.Context, bucket, prefix string, deliver Deliver) (int, error) {
	n := 0
	err := listObjects(ctx, p.o.S3, bucket, prefix, func(ev ObjectEvent) error {
		done, err := p.o.Store.ScanDone(ctx, bucket, ev.Key, ev.ETag)
		if err != nil || done {
			return err
		}
		if err := deliverWait(ctx, deliver, ev); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// deliverWait delivers ev, waiting while the queue is full.
func deliverWait(ctx context.Context, deliver Deliver, ev ObjectEvent) error {
	for {
		err := deliver(ctx, ev)
		if !errors.Is(err, ErrQueueFull) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(queueFullWait):
		}
	}
}

// listObjects calls fn with an event for each object under the prefix,
// skipping folder markers (keys ending in "/" with no content).
func listObjects(ctx context.Context, api S3API, bucket, prefix string, fn func(ObjectEvent) error) error {
	in := &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: optional(prefix)}
	pages := s3.NewListObjectsV2Paginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key, size := aws.ToString(o.Key), aws.ToInt64(o.Size)
			if strings.HasSuffix(key, "/") && size == 0 {
				continue
			}
			ev := ObjectEvent{
				Bucket: bucket, Key: key, ETag: strings.Trim(aws.ToString(o.ETag), `"`), Size: size,
				EventName: "Poll", Time: aws.ToTime(o.LastModified),
			}
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
	return nil
}
