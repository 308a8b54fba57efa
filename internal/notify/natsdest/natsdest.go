// Package natsdest publishes findings to a NATS subject as GuardDuty's
// EventBridge events (the same JSON the webhook destination posts), for
// consumers inside the estate: a SOAR, an auto-remediation worker, a
// pipeline into a SIEM.
//
// When a JetStream stream captures the subject, events are published to
// it and acknowledged, with the Nats-Msg-Id header set to the delivery's
// idempotency key, so JetStream drops the duplicate a retry would make
// (within the stream's duplicate window, two minutes by default).
// Otherwise they are published on core NATS and the connection is
// flushed: delivered to whoever subscribes at that moment, and to no one
// else.
//
// A digest is published as one message per finding, each with its own
// Nats-Msg-Id (Message.ID + "/" + finding id): consumers of EventBridge
// events take one event at a time, and a burst of messages is no burden
// to NATS, unlike a burst of Slack messages to people.
//
// The package never creates streams: which subjects are kept, and for how
// long, is the operator's choice.
package natsdest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
)

// DefaultTimeout bounds one delivery when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Options configures a NATS destination.
type Options struct {
	// BySeverity appends the finding's severity band in lower case to
	// the subject: vigil.findings.critical, .high, .medium or .low, so
	// consumers can subscribe to the bands they care about.
	BySeverity bool
	// Timeout bounds one delivery: stream lookup, publish and
	// acknowledgement or flush. Default DefaultTimeout.
	Timeout time.Duration
}

// NATS is a destination publishing to one subject (or one per severity
// band) on a connection the caller owns.
type NATS struct {
	name    string
	subject string
	nc      *nats.Conn
	js      jetstream.JetStream
	opts    Options
}

var _ notify.Destination = (*NATS)(nil)

// New returns a NATS destination publishing on nc to subject, which must
// be a literal subject (no wildcards). The caller keeps ownership of nc.
func New(name string, nc *nats.Conn, subject string, opts Options) (*NATS, error) {
	if name == "" {
		return nil, errors.New("nats destination: name is empty")
	}
	if nc == nil {
		return nil, fmt.Errorf("nats destination %q: no connection", name)
	}
	if err := checkSubject(subject); err != nil {
		return nil, fmt.Errorf("nats destination %q: %w", name, err)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("nats destination %q: timeout %s is negative", name, opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("nats destination %q: %w", name, err)
	}
	return &NATS{name: name, subject: subject, nc: nc, js: js, opts: opts}, nil
}

func checkSubject(s string) error {
	if s == "" {
		return errors.New("subject is empty")
	}
	for _, tok := range strings.Split(s, ".") {
		switch {
		case tok == "":
			return fmt.Errorf("subject %q has an empty token", s)
		case tok == "*" || tok == ">":
			return fmt.Errorf("subject %q has a wildcard; publish subjects must be literal", s)
		case strings.ContainsAny(tok, " \t\r\n\x00"):
			return fmt.Errorf("subject %q contains white space", s)
		}
	}
	return nil
}

// Name returns the destination's name.
func (d *NATS) Name() string { return d.name }

// Subject returns the subject f is published on.
func (d *NATS) Subject(f finding.Finding) string {
	if !d.opts.BySeverity {
		return d.subject
	}
	return d.subject + "." + strings.ToLower(finding.LevelOf(f.Severity).String())
}

// Send publishes the events of m's findings. A message over the server's
// maximum payload is a permanent failure; anything else (no connection,
// no acknowledgement in time) is worth retrying.
func (d *NATS) Send(ctx context.Context, m notify.Message) error {
	if len(m.Findings) == 0 {
		return notify.Permanent(fmt.Errorf("nats %s: message has no findings", d.name))
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	digest := m.Digest || len(m.Findings) > 1
	streams := map[string]bool{} // subject → captured by a stream
	core := false
	for _, f := range m.Findings {
		id := m.ID
		if digest {
			id = m.ID + "/" + f.ID
		}
		msg, err := d.msg(f, id, digest)
		if err != nil {
			return notify.Permanent(fmt.Errorf("nats %s: %w", d.name, err))
		}
		stored, ok := streams[msg.Subject]
		if !ok {
			if stored, err = d.captured(ctx, msg.Subject); err != nil {
				return fmt.Errorf("nats %s: find the stream of %s: %w", d.name, msg.Subject, err)
			}
			streams[msg.Subject] = stored
		}
		if stored {
			_, err = d.js.PublishMsg(ctx, msg)
		} else {
			core = true
			err = d.nc.PublishMsg(msg)
		}
		if err != nil {
			return d.classify(fmt.Errorf("nats %s: publish %s: %w", d.name, msg.Subject, err))
		}
	}
	if core {
		if err := d.nc.FlushWithContext(ctx); err != nil {
			return fmt.Errorf("nats %s: flush: %w", d.name, err)
		}
	}
	return nil
}

func (d *NATS) msg(f finding.Finding, id string, digest bool) (*nats.Msg, error) {
	body, err := notify.Envelope(f, notify.EventID(id))
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(d.Subject(f))
	msg.Data = body
	msg.Header.Set(jetstream.MsgIDHeader, id)
	msg.Header.Set("Content-Type", "application/json")
	if digest {
		msg.Header.Set("Vigil-Digest", "true")
	}
	return msg, nil
}

// captured reports whether a JetStream stream stores subject; false when
// the server or account has no JetStream.
func (d *NATS) captured(ctx context.Context, subject string) (bool, error) {
	_, err := d.js.StreamNameBySubject(ctx, subject)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrStreamNotFound),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return false, nil
	}
	return false, err
}

func (d *NATS) classify(err error) error {
	if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) {
		return notify.Permanent(err)
	}
	return err
}
