// Package notify delivers findings to the people and systems that act on
// them: routes select findings by severity, type, account, region and
// resource tags; a durable outbox in the store keeps every pending
// delivery across restarts and destination outages; destinations
// (slack/, webhook/, natsdest/, email/, and export's S3 and folder
// writers) turn a Message into a request.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Message is one delivery to one destination: a single finding sent at
// once, or a digest folding several.
type Message struct {
	// ID is the delivery's idempotency key, the same on every retry:
	// "finding id:count" for a single finding, a digest id for a digest.
	ID    string
	Route string // the route's name
	// Findings holds one finding, or the findings of a digest (each as it
	// was when queued).
	Findings []finding.Finding
	// Digest is true for a digest message; Omitted counts findings of the
	// digest not in Findings (a destination may also shorten the list).
	Digest  bool
	Omitted int
	// Update is true when the finding was sent before and this is a
	// batched update (a higher count).
	Update bool
	// ConsoleURL is the console's base URL ("https://vigil.example/console/"),
	// or "" when none is configured; the finding's page is
	// ConsoleURL + "findings/" + id.
	ConsoleURL string
	Queued     time.Time // when the first finding of the message was queued
}

// Destination sends messages. Send must be safe to call again with the
// same Message after a failure (receivers deduplicate by Message.ID);
// it honours ctx's deadline.
type Destination interface {
	// Name is the destination's name in vigil.yaml.
	Name() string
	Send(ctx context.Context, m Message) error
}

// RetryAfterError is returned by a destination that was told when to try
// again (HTTP 429 or 503 with Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// permanentError marks a failure that retrying cannot fix, such as a 4xx
// answer other than 408 and 429.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the outbox does not retry the delivery; it is
// logged, counted and kept as failed.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
