package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/describe"
)

// Lengths, in characters, of finding text in a message.
const (
	maxSubject     = 200
	maxTitle       = 1000
	maxDescription = 4000
	maxField       = 300
	maxStep        = 1000
)

// Subject returns the subject of m: "[Vigil High] <type> in
// <account>/<region>" for a finding (with ", updated (count N)" for an
// update; "[Vigil High] <type>: <title>" when the finding has neither
// account nor region, as Vigil's health messages), "[Vigil digest] N
// findings, highest High" for a digest.
func Subject(m notify.Message) string {
	if len(m.Findings) == 0 {
		return "[Vigil] no findings"
	}
	if isDigest(m) {
		return fmt.Sprintf("[Vigil digest] %s, highest %s", plural(len(m.Findings)+max(m.Omitted, 0), "finding"), describe.Highest(m.Findings))
	}
	f := m.Findings[0]
	s := fmt.Sprintf("[Vigil %s] %s", finding.LevelOf(f.Severity), describe.Clean(f.Type, 100))
	if w := describe.Where(f); w != "" {
		s += " in " + w
	} else if t := describe.Clean(f.Title, 100); t != "" {
		s += ": " + t
	}
	if m.Update {
		s += ", updated (count " + strconv.Itoa(f.Service.Count) + ")"
	}
	return describe.Clean(s, maxSubject)
}

func isDigest(m notify.Message) bool { return m.Digest || len(m.Findings) > 1 }

// MessageID returns the Message-ID header of the delivery with
// idempotency key id, from the domain of the sender.
func (e *Email) MessageID(id string) string {
	sum := sha256.Sum256([]byte(id))
	domain := "vigil.invalid"
	if _, d, ok := strings.Cut(e.from.Address, "@"); ok && d != "" {
		domain = d
	}
	return "<vigil." + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Compose returns the RFC 5322 message Send delivers for m: headers, and
// a multipart/alternative body with a text/plain and a text/html part.
func (e *Email) Compose(m notify.Message) ([]byte, error) {
	if len(m.Findings) == 0 {
		return nil, errors.New("message has no findings")
	}
	v := e.view(m)
	var plain, html bytes.Buffer
	if err := textTemplate.Execute(&plain, v); err != nil {
		return nil, fmt.Errorf("text body: %w", err)
	}
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("HTML body: %w", err)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf) // a random boundary: finding text cannot contain it
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	headers := [][2]string{
		{"From", e.from.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", encodeHeader(Subject(m))},
		{"Date", e.opts.Now().Format("Mon, 02 Jan 2006 15:04:05 -0700")},
		{"Message-ID", e.MessageID(m.ID)},
		{"MIME-Version", "1.0"},
		{"Auto-Submitted", "auto-generated"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	}
	if !isDigest(m) {
		headers = append(headers, [2]string{"X-Vigil-Finding-Id", describe.Clean(m.Findings[0].ID, 100)})
	}
	var head bytes.Buffer
	for _, h := range headers {
		head.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	head.WriteString("\r\n")
	for _, part := range []struct {
		typ  string
		body []byte
	}{{"text/plain; charset=utf-8", plain.Bytes()}, {"text/html; charset=utf-8", html.Bytes()}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		qw.Write(crlf(part.body))
		qw.Close()
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return append(head.Bytes(), buf.Bytes()...), nil
}

// encodeHeader encodes a header value as RFC 2047 words when it is not
// plain ASCII, folding between words so no line is over 78 characters.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// crlf turns the line ends of b into CRLF, as text parts want.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
