package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultHTTPTimeout bounds one HTTP delivery when the destination sets no
// timeout of its own; the caller's context may end it sooner.
const DefaultHTTPTimeout = 10 * time.Second

// HTTPTarget is a URL that destinations POST to. Its String method
// redacts everything after the host, because webhook URLs carry secrets
// in their path (a Slack incoming webhook URL is a credential) and in
// their user information: errors and logs only ever show the redacted form.
type HTTPTarget struct {
	u *url.URL
}

// URLPolicy says which URLs ParseHTTPTarget accepts.
type URLPolicy int

const (
	// HTTPSOnly accepts https URLs, and http URLs whose host is 127.0.0.1,
	// ::1 or localhost (for tests and local relays).
	HTTPSOnly URLPolicy = iota
	// HTTPOrHTTPS accepts http and https URLs on any host, for receivers
	// on a private network.
	HTTPOrHTTPS
)

// ParseHTTPTarget validates a destination URL at start-up: an absolute
// http(s) URL with a host, no fragment, and a scheme the policy allows.
// Its errors never contain the URL's path or query.
func ParseHTTPTarget(raw string, policy URLPolicy) (HTTPTarget, error) {
	if strings.TrimSpace(raw) == "" {
		return HTTPTarget{}, errors.New("URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return HTTPTarget{}, fmt.Errorf("URL is not valid: %v", err)
	}
	t := HTTPTarget{u: u}
	switch {
	case u.Scheme == "" || u.Opaque != "":
		return HTTPTarget{}, errors.New("URL must be absolute, such as https://host/path")
	case u.Scheme != "http" && u.Scheme != "https":
		return HTTPTarget{}, fmt.Errorf("URL %s: scheme must be https (got %q)", t, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return HTTPTarget{}, fmt.Errorf("URL %s has no host", t)
	case u.Fragment != "":
		return HTTPTarget{}, fmt.Errorf("URL %s must not have a #fragment", t)
	case u.Scheme == "http" && policy == HTTPSOnly && !isLoopbackHost(u.Hostname()):
		return HTTPTarget{}, fmt.Errorf("URL %s must use https (http is allowed only for 127.0.0.1, ::1 and localhost)", t)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return HTTPTarget{}, fmt.Errorf("URL %s has an invalid port", t)
		}
	}
	return t, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// String returns scheme://host/… : the URL without user information,
// path or query.
func (t HTTPTarget) String() string {
	if t.u == nil {
		return "(no URL)"
	}
	s := t.u.Scheme + "://" + t.u.Host
	if t.u.Path != "" && t.u.Path != "/" || t.u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// HTTPError is an HTTP answer other than 2xx. URL is redacted; Body is a
// short, printable excerpt of the answer (Slack puts its error code there,
// such as "invalid_payload" or "no_service").
type HTTPError struct {
	URL        string
	StatusCode int
	Body       string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("POST %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// HTTPPoster POSTs bodies to one target and classifies the answer for the
// outbox. It never follows redirects (a webhook that moved is a
// configuration error, and following one would send the body somewhere
// nobody configured).
type HTTPPoster struct {
	Target  HTTPTarget
	Timeout time.Duration // per request; DefaultHTTPTimeout when zero
	Client  *http.Client  // nil: a client on http.DefaultTransport
}

// bodyExcerpt is how much of an error answer goes into an HTTPError.
const bodyExcerpt = 200

// Post sends body with the given headers and an Idempotency-Key header,
// and classifies the answer:
//
//   - 2xx: nil;
//   - 429 or 503 with a valid Retry-After (seconds or an HTTP date):
//     *RetryAfterError wrapping an *HTTPError;
//   - 408, 425, 429, 5xx, a network error or a timeout: a plain error
//     (the outbox retries it with back-off);
//   - any other answer (other 4xx, 3xx): Permanent(*HTTPError).
//
// No error contains the target's path or query.
func (p *HTTPPoster) Post(ctx context.Context, idempotencyKey string, body []byte, header http.Header) error {
	if p.Target.u == nil {
		return Permanent(errors.New("no URL configured"))
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Target.u.String(), bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("POST %s: %v", p.Target, stripURLError(err)))
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "vigil")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := p.client().Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", p.Target, stripURLError(err))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	return classify(p.Target, resp, excerpt, time.Now())
}

func (p *HTTPPoster) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return defaultClient
}

var defaultClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// stripURLError drops the URL that *url.Error repeats in its message.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func classify(t HTTPTarget, resp *http.Response, body []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	herr := &HTTPError{URL: t.String(), StatusCode: code, Body: printable(body, bodyExcerpt)}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return &RetryAfterError{After: d, Err: herr}
		}
	}
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly,
		code == http.StatusTooManyRequests, code >= 500:
		return herr
	}
	return Permanent(herr)
}

// ParseRetryAfter parses a Retry-After value: delay-seconds or an HTTP
// date, as RFC 9110 section 10.2.3 allows. A date in the past is a zero
// delay.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(365*24*time.Hour/time.Second) {
			n = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// printable returns at most n runes of b, with control characters and
// invalid UTF-8 replaced, for putting an untrusted answer in an error.
func printable(b []byte, n int) string {
	var sb strings.Builder
	count := 0
	for len(b) > 0 && count < n {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			r = ' '
		}
		sb.WriteRune(r)
		count++
	}
	s := strings.TrimSpace(sb.String())
	if len(b) > 0 {
		s += "…"
	}
	return s
}
