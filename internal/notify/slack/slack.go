// Package slack delivers findings to a Slack channel through an incoming
// webhook: one message per finding, with its severity as the colour bar,
// what and where it is, when it was seen, a link to its page in the
// console and the finding type's runbook; or one digest message listing
// many findings, grouped by type.
//
// The webhook URL is a credential: it never appears in errors or logs
// beyond its host. Messages are built within Slack's Block Kit limits
// whatever the findings contain, and text from findings is escaped so it
// can neither mention anyone nor inject links.
package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// Options configures a Slack destination. Zero fields take the defaults
// named beside them.
type Options struct {
	// Timeout bounds one delivery. Default notify.DefaultHTTPTimeout.
	Timeout time.Duration
	// DigestMax is how many findings a digest message lists; the rest are
	// counted in "…and N more". Default 20; Slack's size limits may
	// shorten the list further.
	DigestMax int
	// Runbook looks up a finding type's runbook. Default runbook.For.
	Runbook func(findingType string) (runbook.Runbook, bool)
}

// DefaultDigestMax is the default of Options.DigestMax.
const DefaultDigestMax = 20

// Slack is a destination posting to one incoming webhook.
type Slack struct {
	name   string
	poster notify.HTTPPoster
	opts   Options
}

var _ notify.Destination = (*Slack)(nil)

// New returns a Slack destination posting to webhookURL, which must be an
// https URL (http is accepted for 127.0.0.1, ::1 and localhost, for
// tests). Its errors never show the URL's secret path.
func New(name, webhookURL string, opts Options) (*Slack, error) {
	if name == "" {
		return nil, errors.New("slack destination: name is empty")
	}
	target, err := notify.ParseHTTPTarget(webhookURL, notify.HTTPSOnly)
	if err != nil {
		return nil, fmt.Errorf("slack destination %q: webhook %w", name, err)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("slack destination %q: timeout %s is negative", name, opts.Timeout)
	}
	if opts.DigestMax < 0 {
		return nil, fmt.Errorf("slack destination %q: digest max %d is negative", name, opts.DigestMax)
	}
	if opts.DigestMax == 0 {
		opts.DigestMax = DefaultDigestMax
	}
	if opts.Runbook == nil {
		opts.Runbook = runbook.For
	}
	return &Slack{
		name:   name,
		poster: notify.HTTPPoster{Target: target, Timeout: opts.Timeout},
		opts:   opts,
	}, nil
}

// Name returns the destination's name.
func (s *Slack) Name() string { return s.name }

// String names the destination with its redacted URL, for logs.
func (s *Slack) String() string { return "slack " + s.name + " " + s.poster.Target.String() }

// Send posts m. Slack answers 200 "ok"; errors are classified as
// notify.HTTPPoster.Post describes (a revoked webhook, 404 no_service or
// 410 channel_is_archived, is permanent; 429 with Retry-After is a
// *notify.RetryAfterError).
func (s *Slack) Send(ctx context.Context, m notify.Message) error {
	body, err := s.Payload(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("slack %s: %w", s.name, err))
	}
	if err := s.poster.Post(ctx, m.ID, body, nil); err != nil {
		return fmt.Errorf("slack %s: %w", s.name, err)
	}
	return nil
}
