// Package webhook delivers findings to any HTTP endpoint as GuardDuty's
// EventBridge events, so that consumers written for GuardDuty (a Lambda
// behind API Gateway, a SOAR, a SIEM's HTTP collector) work unchanged.
//
// A single finding is one POST whose body is one event:
//
//	{"version":"0","id":"<uuid>","detail-type":"GuardDuty Finding",
//	 "source":"aws.guardduty","account":"111122223333",
//	 "time":"2024-05-01T12:34:56Z","region":"eu-west-1","resources":[],
//	 "detail":{ …the finding, as GetFindings returns it… }}
//
// A digest is one POST whose body is a JSON array of such events, one per
// finding, with the header X-Vigil-Digest: true: posting them one by one
// would turn a storm of findings into a storm of requests, which is what
// digests exist to prevent. Every POST carries Idempotency-Key (the same
// on retries), and each event's id is derived from it, so receivers can
// drop duplicates.
//
// # Signatures
//
// When a secret is configured every POST carries
//
//	X-Vigil-Timestamp: <unix seconds when it was sent>
//	X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// A receiver checks it with Verify on the raw body, before parsing it,
// and rejects timestamps more than a few minutes from its own clock, so
// that a captured request cannot be replayed later:
//
//	body, _ := io.ReadAll(r.Body)
//	ts := r.Header.Get("X-Vigil-Timestamp")
//	sec, err := strconv.ParseInt(ts, 10, 64)
//	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute ||
//		!webhook.Verify(secret, ts, r.Header.Get("X-Vigil-Signature"), body) {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
//
// In another language: compute HMAC-SHA256 with the secret as key over
// the bytes of the timestamp header, a ".", and the body; hex-encode it;
// compare it with the signature header after "sha256=" in constant time.
//
// The URL may carry credentials (in its path, query or user information):
// errors never show more of it than the host.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
)

// Header names Vigil sets.
const (
	HeaderSignature = "X-Vigil-Signature"
	HeaderTimestamp = "X-Vigil-Timestamp"
	HeaderDigest    = "X-Vigil-Digest"
)

// Options configures a webhook destination.
type Options struct {
	// Secret, when set, signs every request (see the package
	// documentation).
	Secret string
	// Headers are added to every request, such as an Authorization
	// header the receiver wants. They cannot replace the headers Vigil
	// sets (Content-Type, Idempotency-Key, X-Vigil-*) nor Host or
	// Content-Length.
	Headers map[string]string
	// Timeout bounds one delivery. Default notify.DefaultHTTPTimeout.
	Timeout time.Duration
	// Now is the clock of signature timestamps. Default time.Now.
	Now func() time.Time
}

// Webhook is a destination posting EventBridge events to one URL.
type Webhook struct {
	name   string
	poster notify.HTTPPoster
	secret []byte
	header http.Header
	now    func() time.Time
}

var _ notify.Destination = (*Webhook)(nil)

// New returns a webhook destination posting to url (http or https). It
// fails on an invalid URL and on headers that are malformed or reserved.
func New(name, url string, opts Options) (*Webhook, error) {
	if name == "" {
		return nil, errors.New("webhook destination: name is empty")
	}
	target, err := notify.ParseHTTPTarget(url, notify.HTTPOrHTTPS)
	if err != nil {
		return nil, fmt.Errorf("webhook destination %q: %w", name, err)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("webhook destination %q: timeout %s is negative", name, opts.Timeout)
	}
	header := http.Header{}
	for k, v := range opts.Headers {
		if err := checkHeader(k, v); err != nil {
			return nil, fmt.Errorf("webhook destination %q: %w", name, err)
		}
		header.Set(k, v)
	}
	header.Set("Content-Type", "application/json")
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Webhook{
		name:   name,
		poster: notify.HTTPPoster{Target: target, Timeout: opts.Timeout},
		header: header,
		now:    opts.Now,
	}
	if opts.Secret != "" {
		w.secret = []byte(opts.Secret)
	}
	return w, nil
}

var reserved = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "Idempotency-Key": true,
	"Transfer-Encoding": true, "Connection": true,
}

func checkHeader(k, v string) error {
	if k == "" {
		return errors.New("header with an empty name")
	}
	for _, c := range k {
		if c > '~' || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return fmt.Errorf("header name %q is not a valid token", k)
		}
	}
	ck := http.CanonicalHeaderKey(k)
	if reserved[ck] || strings.HasPrefix(ck, "X-Vigil-") {
		return fmt.Errorf("header %s is set by Vigil and cannot be configured", ck)
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("header %s: value contains a line break or NUL", ck)
	}
	return nil
}

// Name returns the destination's name.
func (w *Webhook) Name() string { return w.name }

// String names the destination with its redacted URL, for logs.
func (w *Webhook) String() string { return "webhook " + w.name + " " + w.poster.Target.String() }

// Send posts m: one event, or for a digest an array of events, signed
// when a secret is set. Errors are classified as notify.HTTPPoster.Post
// describes.
func (w *Webhook) Send(ctx context.Context, m notify.Message) error {
	body, err := Body(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook %s: %w", w.name, err))
	}
	h := w.header.Clone()
	if m.Digest || len(m.Findings) > 1 {
		h.Set(HeaderDigest, "true")
	}
	if w.secret != nil {
		ts := strconv.FormatInt(w.now().Unix(), 10)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sign(w.secret, ts, body))
	}
	if err := w.poster.Post(ctx, m.ID, body, h); err != nil {
		return fmt.Errorf("webhook %s: %w", w.name, err)
	}
	return nil
}

// Body returns what Send posts for m: the EventBridge event of its one
// finding, with id notify.EventID(m.ID); or, for a digest, a JSON array
// of the events of its findings, with ids notify.EventID(m.ID + "/" +
// finding id).
func Body(m notify.Message) ([]byte, error) {
	if len(m.Findings) == 0 {
		return nil, errors.New("message has no findings")
	}
	if !m.Digest && len(m.Findings) == 1 {
		return notify.Envelope(m.Findings[0], notify.EventID(m.ID))
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, f := range m.Findings {
		ev, err := notify.Envelope(f, notify.EventID(m.ID+"/"+f.ID))
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(ev)
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

func sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature (the X-Vigil-Signature header) is the
// HMAC-SHA256 of timestamp (the X-Vigil-Timestamp header), ".", and body
// under secret. It compares in constant time. It does not judge the
// timestamp's age: receivers must also reject old timestamps (see the
// package documentation).
func Verify(secret, timestamp, signature string, body []byte) bool {
	if secret == "" {
		return false
	}
	hexSum, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
