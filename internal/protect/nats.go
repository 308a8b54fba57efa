package protect

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSSourceOptions configures a NATSSource. Zero fields take the defaults
// named beside them.
type NATSSourceOptions struct {
	// URL is the server, or several separated by commas; it may carry
	// user:password. Default nats://127.0.0.1:4222.
	URL string
	// CredsFile is a NATS credentials file (user JWT and NKey seed), if the
	// server wants one.
	CredsFile string
	// Name is the client connection name the server shows. Default "vigil".
	Name string

	// Subject is where S3 event notifications are published (versitygw's
	// --event-nats-topic). Required; wildcards are allowed.
	Subject string
	// Stream is the JetStream stream that stores them. When it does not
	// exist Vigil creates it capturing Subject, with file storage and the
	// limits below; an existing stream is used as it is (its subjects must
	// include Subject). Default "VIGIL_S3_EVENTS".
	Stream string
	// MaxAge, MaxBytes and MaxMsgs limit the stream Vigil creates; the
	// oldest messages go first, acknowledged or not. Defaults 7 days,
	// 1 GiB, no limit; -1 lifts the MaxBytes or MaxMsgs limit.
	MaxAge   time.Duration
	MaxBytes int64
	MaxMsgs  int64

	// Durable names the pull consumer, which remembers on the server what
	// was acknowledged. Vigil instances with the same Durable share the
	// work. Default "vigil".
	Durable string
	// KeyDecoding says how the publisher encodes object keys (KeyRaw for
	// versitygw).
	KeyDecoding KeyDecoding
	// AckWait is how long the server waits for an acknowledgement before
	// it redelivers a message. Default 1 minute.
	AckWait time.Duration
	// MaxDeliver is how many times the server delivers a message before it
	// gives up on it (the events in it are then lost). Default -1: no
	// limit, because a message is only redelivered while the processor
	// cannot take its events (queue full, shutting down); malformed
	// messages are terminated, not redelivered.
	MaxDeliver int
	// NakDelay is how long a message whose events were not accepted waits
	// before it is redelivered. Default 5 s.
	NakDelay time.Duration
	// Batch is how many messages one fetch asks for. Default 10.
	Batch int
	// FetchWait is how long one fetch waits for messages. Default 5 s.
	FetchWait time.Duration
}

func (o *NATSSourceOptions) setDefaults() {
	o.URL = cmp.Or(o.URL, nats.DefaultURL)
	o.Name = cmp.Or(o.Name, "vigil")
	o.Stream = cmp.Or(o.Stream, "VIGIL_S3_EVENTS")
	o.Durable = cmp.Or(o.Durable, "vigil")
	o.MaxAge = cmp.Or(o.MaxAge, 7*24*time.Hour)
	o.MaxBytes = cmp.Or(o.MaxBytes, 1<<30)
	o.MaxMsgs = cmp.Or(o.MaxMsgs, -1)
	o.AckWait = cmp.Or(o.AckWait, time.Minute)
	o.MaxDeliver = cmp.Or(o.MaxDeliver, -1)
	o.NakDelay = cmp.Or(o.NakDelay, 5*time.Second)
	o.Batch = cmp.Or(o.Batch, 10)
	o.FetchWait = cmp.Or(o.FetchWait, 5*time.Second)
}

// Validate reports options that cannot work.
func (o *NATSSourceOptions) Validate() error {
	var errs []error
	if o.Subject == "" || strings.ContainsAny(o.Subject, " \t\r\n") {
		errs = append(errs, fmt.Errorf("nats subject %q: want a subject without spaces", o.Subject))
	}
	for what, name := range map[string]string{"stream": o.Stream, "durable": o.Durable} {
		if name != "" && strings.ContainsAny(name, " \t\r\n.*>/\\") {
			errs = append(errs, fmt.Errorf("nats %s %q: must not contain spaces, '.', '*', '>', '/' or '\\'", what, name))
		}
	}
	if o.AckWait < 0 || o.NakDelay < 0 || o.FetchWait < 0 || o.MaxAge < 0 || o.Batch < 0 {
		errs = append(errs, errors.New("nats: durations and batch must not be negative"))
	}
	if o.FetchWait > 0 && o.FetchWait < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("nats fetch wait %v: want at least 100ms", o.FetchWait))
	}
	return errors.Join(errs...)
}

// NATSSource receives S3 event notifications from a NATS subject through
// a JetStream stream and a durable pull consumer, so that notifications
// published while Vigil is down or busy are kept, not lost.
//
// Publishers need not know about JetStream: a plain NATS publish (as
// versitygw's --event-nats-url/--event-nats-topic does) to a subject the
// stream captures is stored. The stream must exist before the first
// notification is published: Vigil creates it on its first start, or
// create it yourself beforehand. A publisher that cannot reach NATS loses
// the event (versitygw does not retry); that is outside Vigil's reach.
//
// Delivery is at least once. A message is acknowledged only when every
// object-created event in it was accepted by Deliver; when one was not, the
// message is negatively acknowledged with NakDelay and redelivered whole,
// so the events before it may come again. A message that is not an S3 event
// notification is logged, counted and terminated (never redelivered);
// events that did parse in it are delivered first. Tagging and removal
// events and the s3:TestEvent a server sends at start-up are acknowledged
// without delivering anything.
//
// Lost connections are retried forever by the client library; while NATS
// is unreachable Run keeps trying with a back-off and logs it.
type NATSSource struct {
	opts   NATSSourceOptions
	logger *slog.Logger
	stats  queueCounters
}

var _ Source = (*NATSSource)(nil)

// NewNATSSource checks opts and fills in defaults; it does not connect
// (Run does). A nil logger discards.
func NewNATSSource(opts NATSSourceOptions, logger *slog.Logger) (*NATSSource, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "nats-source", "stream", opts.Stream, "durable", opts.Durable)
	return &NATSSource{opts: opts, logger: logger}, nil
}

// Options returns the options with defaults filled in.
func (s *NATSSource) Options() NATSSourceOptions { return s.opts }

// Stats returns the counts so far, over all runs.
func (s *NATSSource) Stats() QueueStats { return s.stats.snapshot() }

// Run connects, creates the stream (if missing) and the consumer, and
// delivers events until ctx ends; it then returns nil. It returns an error
// when the server rejects the stream or consumer configuration (a subject
// the existing stream does not capture, for instance). Run may be called
// again after it returns.
func (s *NATSSource) Run(ctx context.Context, deliver Deliver) error {
	nc, err := nats.Connect(s.opts.URL, natsConnOptions(s.opts.Name, s.opts.CredsFile, s.logger)...)
	if err != nil {
		return fmt.Errorf("nats connect %s: %w", natsRedact(s.opts.URL), err)
	}
	defer func() {
		nc.FlushTimeout(2 * time.Second) // send the last acks
		nc.Close()
	}()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	s.logger.Info("NATS source starting", "url", natsRedact(s.opts.URL), "subject", s.opts.Subject)
	var bo queueBackoff
	for ctx.Err() == nil {
		cons, err := s.setup(ctx, js)
		if err == nil {
			err = s.consume(ctx, nc, cons, deliver, &bo)
		}
		switch {
		case ctx.Err() != nil:
		case natsPermanent(err):
			return fmt.Errorf("nats stream %s consumer %s: %w", s.opts.Stream, s.opts.Durable, err)
		case err != nil:
			d := bo.next()
			s.logger.Warn("NATS source: retrying", "err", err, "in", d)
			queueSleep(ctx, d)
		}
	}
	return nil
}

// setup makes sure the stream and the durable consumer exist.
func (s *NATSSource) setup(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	_, err := js.Stream(ctx, s.opts.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        s.opts.Stream,
			Description: "S3 event notifications for Vigil Malware Protection",
			Subjects:    []string{s.opts.Subject},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      s.opts.MaxAge,
			MaxBytes:    s.opts.MaxBytes,
			MaxMsgs:     s.opts.MaxMsgs,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil // another instance was first
		} else if err == nil {
			s.logger.Info("created NATS stream", "subject", s.opts.Subject)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, s.opts.Stream, jetstream.ConsumerConfig{
		Durable:       s.opts.Durable,
		Description:   "Vigil Malware Protection",
		FilterSubject: s.opts.Subject,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.opts.AckWait,
		MaxDeliver:    s.opts.MaxDeliver,
		MaxAckPending: max(1000, 10*s.opts.Batch),
	})
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	return cons, nil
}

// consume fetches batches until ctx ends (nil) or a fetch fails.
func (s *NATSSource) consume(ctx context.Context, nc *nats.Conn, cons jetstream.Consumer, deliver Deliver, bo *queueBackoff) error {
	for ctx.Err() == nil {
		if !nc.IsConnected() {
			// Pull requests queued while disconnected would reach the
			// server after their inboxes are gone, and the messages sent
			// to them would wait AckWait to come again.
			queueSleep(ctx, 100*time.Millisecond)
			continue
		}
		fctx, cancel := context.WithTimeout(ctx, s.opts.FetchWait)
		batch, err := cons.Fetch(s.opts.Batch, jetstream.FetchContext(fctx))
		if err != nil {
			cancel()
			return fmt.Errorf("fetch: %w", err)
		}
		fetched := time.Now()
		for msg := range batch.Messages() {
			s.handle(ctx, msg, fetched, deliver)
		}
		err = batch.Error()
		cancel()
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("fetch: %w", err)
		}
		bo.reset()
	}
	return nil
}

// handle delivers the events of one message and acknowledges it.
func (s *NATSSource) handle(ctx context.Context, msg jetstream.Msg, fetched time.Time, deliver Deliver) {
	log := s.logger
	if md, err := msg.Metadata(); err == nil {
		log = log.With("seq", md.Sequence.Stream, "delivered", md.NumDelivered)
	}
	if ctx.Err() != nil { // stopping: hand it back at once
		s.stats.retried.Add(1)
		natsAckErr(log, msg.Nak())
		return
	}
	if time.Since(fetched) > s.opts.AckWait/2 {
		natsAckErr(log, msg.InProgress()) // earlier messages of the batch were slow
	}
	parseErr, deliverErr := queueHandle(ctx, msg.Data(), s.opts.KeyDecoding, deliver, &s.stats)
	switch {
	case deliverErr != nil:
		s.stats.retried.Add(1)
		delay := s.opts.NakDelay
		if ctx.Err() != nil {
			delay = 0
		}
		log.Debug("events not accepted: message will be redelivered", "err", deliverErr, "in", delay)
		natsAckErr(log, msg.NakWithDelay(delay))
	case parseErr != nil:
		log.Warn("malformed message terminated", "subject", msg.Subject(), "bytes", len(msg.Data()), "err", parseErr)
		// Plain Term: servers before 2.10 (Debian 12 has 2.9) ignore a
		// TermWithReason and redeliver the message.
		natsAckErr(log, msg.Term())
	default:
		natsAckErr(log, msg.Ack())
	}
}

func natsAckErr(log *slog.Logger, err error) {
	if err != nil {
		log.Warn("acknowledge NATS message (it may come again)", "err", err)
	}
}

// natsPermanent says whether err is the server refusing a configuration
// (retrying will not help) rather than NATS being unreachable.
func natsPermanent(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 400
}

func natsConnOptions(name, credsFile string, logger *slog.Logger) []nats.Option {
	opts := []nats.Option{
		nats.Name(name),
		nats.RetryOnFailedConnect(true), // start even when NATS is down
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("NATS reconnected", "server", natsRedact(nc.ConnectedUrl()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			logger.Warn("NATS error", "err", err)
		}),
	}
	if credsFile != "" {
		opts = append(opts, nats.UserCredentials(credsFile))
	}
	return opts
}

// natsRedact hides passwords and tokens in a comma-separated server list.
func natsRedact(servers string) string {
	parts := strings.Split(servers, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			if _, hasPw := u.User.Password(); !hasPw {
				u.User = url.User("xxxxx") // a token
			}
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

// NATSPublisherOptions configures a NATSPublisher.
type NATSPublisherOptions struct {
	// URL, CredsFile and Name are as in NATSSourceOptions.
	URL       string
	CredsFile string
	Name      string
	// Subject receives the events. Required.
	Subject string
	// JetStream waits for the acknowledgement of the stream that captures
	// Subject, so a nil error means the event is stored; without it a nil
	// error means the server received the event (subscribers that are
	// away miss it).
	JetStream bool
	// Timeout bounds one Publish when ctx has no deadline. Default 5 s.
	Timeout time.Duration
}

// NATSPublisher publishes scan-result events (JSON) to a NATS subject.
// A top-level "id" in the event becomes the Nats-Msg-Id header, so a
// JetStream stream drops a republished event within its duplicate window.
// While NATS is unreachable Publish fails at once (nothing is buffered), so
// the caller may keep the event and retry.
type NATSPublisher struct {
	opts   NATSPublisherOptions
	nc     *nats.Conn
	js     jetstream.JetStream
	logger *slog.Logger
}

var _ Publisher = (*NATSPublisher)(nil)

// NewNATSPublisher connects to NATS, in the background when the server is
// not reachable yet. A nil logger discards. Close it when done.
func NewNATSPublisher(opts NATSPublisherOptions, logger *slog.Logger) (*NATSPublisher, error) {
	opts.URL = cmp.Or(opts.URL, nats.DefaultURL)
	opts.Name = cmp.Or(opts.Name, "vigil")
	opts.Timeout = cmp.Or(opts.Timeout, 5*time.Second)
	if opts.Subject == "" || strings.ContainsAny(opts.Subject, " \t\r\n*>") {
		return nil, fmt.Errorf("nats publish subject %q: want a subject without spaces or wildcards", opts.Subject)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "nats-publisher", "subject", opts.Subject)
	copts := append(natsConnOptions(opts.Name, opts.CredsFile, logger), nats.ReconnectBufSize(-1))
	nc, err := nats.Connect(opts.URL, copts...)
	if err != nil {
		return nil, fmt.Errorf("nats connect %s: %w", natsRedact(opts.URL), err)
	}
	p := &NATSPublisher{opts: opts, nc: nc, logger: logger}
	if opts.JetStream {
		if p.js, err = jetstream.New(nc); err != nil {
			nc.Close()
			return nil, fmt.Errorf("jetstream: %w", err)
		}
	}
	return p, nil
}

// Publish sends one event and returns once the server (or, with
// JetStream, the stream) has it.
func (p *NATSPublisher) Publish(ctx context.Context, event []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.Timeout)
		defer cancel()
	}
	msg := nats.NewMsg(p.opts.Subject)
	msg.Data = event
	if id := eventID(event); id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	var err error
	if p.js != nil {
		_, err = p.js.PublishMsg(ctx, msg)
	} else if err = p.nc.PublishMsg(msg); err == nil {
		err = p.nc.FlushWithContext(ctx)
	}
	if err != nil {
		return fmt.Errorf("nats publish to %s: %w", p.opts.Subject, err)
	}
	return nil
}

// Name identifies the publisher in logs (without credentials).
func (p *NATSPublisher) Name() string { return "nats " + p.opts.Subject }

// Close flushes and closes the connection.
func (p *NATSPublisher) Close() error {
	err := p.nc.FlushTimeout(2 * time.Second)
	p.nc.Close()
	if errors.Is(err, nats.ErrConnectionClosed) {
		err = nil
	}
	return err
}

// eventID is the top-level "id" of a JSON event, "" without one.
func eventID(event []byte) string {
	var e struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(event, &e) != nil {
		return ""
	}
	return e.ID
}

// QueueStats counts what a message-queue source (NATS, SQS) did.
type QueueStats struct {
	Messages  uint64 // messages received, redeliveries included
	Events    uint64 // object events accepted by Deliver
	Retried   uint64 // messages left for redelivery because Deliver refused an event
	Malformed uint64 // messages that were not S3 event notifications
}

type queueCounters struct {
	messages, events, retried, malformed atomic.Uint64
}

func (c *queueCounters) snapshot() QueueStats {
	return QueueStats{
		Messages: c.messages.Load(), Events: c.events.Load(),
		Retried: c.retried.Load(), Malformed: c.malformed.Load(),
	}
}

// queueHandle parses one message body and delivers its object events in
// order, stopping at the first one Deliver refuses. parseErr says the body
// (or part of it) is not an S3 event notification; the events that did
// parse are still delivered.
func queueHandle(ctx context.Context, body []byte, dec KeyDecoding, deliver Deliver, c *queueCounters) (parseErr, deliverErr error) {
	c.messages.Add(1)
	events, parseErr := ParseNotification(body, dec)
	for _, ev := range events {
		if err := deliver(ctx, ev); err != nil {
			return parseErr, err
		}
		c.events.Add(1)
	}
	if parseErr != nil {
		c.malformed.Add(1)
	}
	return parseErr, nil
}

// queueBackoff doubles a wait from 1 s up to 30 s.
type queueBackoff struct{ d time.Duration }

func (b *queueBackoff) next() time.Duration {
	b.d = min(max(2*b.d, time.Second), 30*time.Second)
	return b.d
}

func (b *queueBackoff) reset() { b.d = 0 }

func queueSleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
