package protect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// WebhookPublisher posts scan-result events as JSON to a URL, retrying
// network errors, 429 and 5xx answers with exponential backoff.
type WebhookPublisher struct {
	url      string
	client   *http.Client
	attempts int
	backoff  time.Duration
}

var _ Publisher = (*WebhookPublisher)(nil)

// WebhookOptions adjust a WebhookPublisher; the zero value is fine.
type WebhookOptions struct {
	Client   *http.Client  // default: 10 s timeout per attempt
	Attempts int           // default 4
	Backoff  time.Duration // first wait between attempts, doubled each time (default 500 ms)
}

// NewWebhookPublisher returns a publisher that posts to rawURL (http or
// https).
func NewWebhookPublisher(rawURL string, o WebhookOptions) (*WebhookPublisher, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("result webhook: not an http(s) URL") // the URL may hold a token: not echoed
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	return &WebhookPublisher{url: rawURL, client: o.Client, attempts: o.Attempts, backoff: o.Backoff}, nil
}

// Name identifies the webhook in logs without its path and query, which
// may hold tokens.
func (w *WebhookPublisher) Name() string {
	u, _ := url.Parse(w.url)
	return "webhook " + u.Scheme + "://" + u.Host
}

// Publish posts the event, retrying transient failures up to the attempt
// limit or until ctx ends.
func (w *WebhookPublisher) Publish(ctx context.Context, body []byte) error {
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(ctx, body)
		if err == nil || !retry || attempt == w.attempts {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %d attempts: %v)", ctx.Err(), attempt, err)
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// post makes one attempt and says whether a failure is worth retrying.
func (w *WebhookPublisher) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%s: %w", w.Name(), stripURL(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	return retry, fmt.Errorf("%s: HTTP %s", w.Name(), resp.Status)
}

// stripURL removes the URL (and its tokens) from a client error.
func stripURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// publisherName names a publisher in logs.
func publisherName(p Publisher) string {
	if n, ok := p.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", p)
}
