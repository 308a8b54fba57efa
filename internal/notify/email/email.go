// Package email delivers findings by email over SMTP: one message per
// finding with what it is, where, when, a link to the console and the
// finding type's runbook, or one digest message listing many findings;
// each as plain text and HTML.
//
// Connections are encrypted by default (STARTTLS, required); credentials
// are never sent over a plain-text connection to another host. A message
// is delivered to all recipients or to none: when the server refuses one
// recipient the message is not sent, so a retry cannot send it twice to
// the others. Its Message-ID is derived from the delivery's idempotency
// key, so mail clients show a duplicate that a retry after a lost answer
// makes as the same message.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// TLS modes.
const (
	// StartTLS upgrades the connection with STARTTLS and fails when the
	// server does not offer it (port 587 or 25). The default.
	StartTLS TLSMode = "starttls"
	// StartTLSIfOffered upgrades with STARTTLS when the server offers it
	// and goes on in plain text otherwise.
	StartTLSIfOffered TLSMode = "opportunistic"
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465).
	ImplicitTLS TLSMode = "tls"
	// NoTLS never encrypts: for a relay on the same host or a network
	// the operator trusts.
	NoTLS TLSMode = "none"
)

// Options configures an email destination. Zero fields take the defaults
// named beside them.
type Options struct {
	// Addr is the SMTP server, host:port. Required.
	Addr string
	// From is the sender, such as "Vigil <vigil@example.com>". Required.
	From string
	// To are the recipients. At least one.
	To []string
	// Username and Password authenticate with AUTH PLAIN when Username
	// is set (only over TLS, or to a server on the loopback interface).
	Username string
	Password string
	// TLS is how the connection is protected. Default StartTLS.
	TLS TLSMode
	// TLSConfig sets roots or a server name for TLS; default: the
	// system roots and Addr's host.
	TLSConfig *tls.Config
	// HelloName is the name sent with EHLO. Default "localhost".
	HelloName string
	// Timeout bounds one delivery. Default DefaultTimeout.
	Timeout time.Duration
	// DigestMax is how many findings a digest lists. Default 50.
	DigestMax int
	// Runbook looks up a finding type's runbook. Default runbook.For.
	Runbook func(findingType string) (runbook.Runbook, bool)
	// Now is the clock of the Date header. Default time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds one delivery when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Email is a destination sending to a fixed list of recipients through
// one SMTP server.
type Email struct {
	name string
	host string
	from *mail.Address
	to   []*mail.Address
	opts Options
}

var _ notify.Destination = (*Email)(nil)

// New validates opts and returns an email destination. It does not
// connect.
func New(name string, opts Options) (*Email, error) {
	if name == "" {
		return nil, errors.New("email destination: name is empty")
	}
	e, err := newEmail(name, opts)
	if err != nil {
		return nil, fmt.Errorf("email destination %q: %w", name, err)
	}
	return e, nil
}

func newEmail(name string, opts Options) (*Email, error) {
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("addr %q must be host:port", opts.Addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("addr %q has an invalid port", opts.Addr)
	}
	from, err := mail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %v", opts.From, err)
	}
	if len(opts.To) == 0 {
		return nil, errors.New("no recipients (to)")
	}
	var to []*mail.Address
	for _, s := range opts.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("to %q: %v", s, err)
		}
		to = append(to, a)
	}
	switch opts.TLS {
	case "":
		opts.TLS = StartTLS
	case StartTLS, StartTLSIfOffered, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("tls %q: want starttls, opportunistic, tls or none", opts.TLS)
	}
	if opts.Password != "" && opts.Username == "" {
		return nil, errors.New("password without username")
	}
	if opts.Username != "" && opts.TLS != StartTLS && opts.TLS != ImplicitTLS && !isLoopback(host) {
		return nil, fmt.Errorf("tls %q would send the password in plain text to %s: use starttls or tls", opts.TLS, host)
	}
	if opts.Timeout < 0 || opts.DigestMax < 0 {
		return nil, errors.New("timeout and digest max must not be negative")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.DigestMax == 0 {
		opts.DigestMax = 50
	}
	if opts.HelloName == "" {
		opts.HelloName = "localhost"
	}
	if opts.Runbook == nil {
		opts.Runbook = runbook.For
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Email{name: name, host: host, from: from, to: to, opts: opts}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Name returns the destination's name.
func (e *Email) Name() string { return e.name }

// Send composes m and delivers it. SMTP answers 5xx are permanent
// failures; 4xx answers, network errors and timeouts are retried.
func (e *Email) Send(ctx context.Context, m notify.Message) error {
	msg, err := e.Compose(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: %w", e.name, err))
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	if err := e.deliver(ctx, msg); err != nil {
		return fmt.Errorf("email %s: %w", e.name, err)
	}
	return nil
}
