package email_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/desttest"
	"github.com/vigil-sec/vigil/internal/notify/email"
)

func options(addr string, roots *x509.CertPool) email.Options {
	o := email.Options{
		Addr:    addr,
		From:    "Vigil <vigil@example.com>",
		To:      []string{"secops@example.com", "Oncall <oncall@example.com>"},
		Runbook: desttest.Runbook,
		Now:     func() time.Time { return time.Date(2024, 5, 1, 12, 40, 0, 0, time.UTC) },
	}
	if roots != nil {
		o.TLSConfig = &tls.Config{RootCAs: roots}
	}
	return o
}

func newEmail(t *testing.T, o email.Options) *email.Email {
	t.Helper()
	e, err := email.New("secops", o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// parsed is a delivered message taken apart.
type parsed struct {
	Header mail.Header
	Plain  string
	HTML   string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	for i, l := range bytes.Split(data, []byte("\r\n")) {
		if len(l) > 998 {
			t.Errorf("line %d is %d bytes long, over RFC 5322's 998", i, len(l))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{Header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		b, _ := io.ReadAll(part)
		switch ct := part.Header.Get("Content-Type"); ct {
		case "text/plain; charset=utf-8":
			p.Plain = string(b)
		case "text/html; charset=utf-8":
			p.HTML = string(b)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	if p.Plain == "" || p.HTML == "" {
		t.Fatalf("want a text and an HTML part; got text %d bytes, HTML %d bytes", len(p.Plain), len(p.HTML))
	}
	return p
}

func subject(t *testing.T, h mail.Header) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", h.Get("Subject"), err)
	}
	return s
}

func TestNewValidates(t *testing.T) {
	ok := options("smtp.example.com:587", nil)
	for _, tc := range []struct {
		name   string
		change func(*email.Options)
		want   string
	}{
		{"no addr", func(o *email.Options) { o.Addr = "" }, "host:port"},
		{"no port", func(o *email.Options) { o.Addr = "smtp.example.com" }, "host:port"},
		{"bad port", func(o *email.Options) { o.Addr = "smtp.example.com:smtp" }, "port"},
		{"bad from", func(o *email.Options) { o.From = "vigil" }, "from"},
		{"no to", func(o *email.Options) { o.To = nil }, "no recipients"},
		{"bad to", func(o *email.Options) { o.To = []string{"a@b", "not an address"} }, "to"},
		{"bad tls", func(o *email.Options) { o.TLS = "sometimes" }, "tls"},
		{"password alone", func(o *email.Options) { o.Password = "pw" }, "password without username"},
		{"password in clear", func(o *email.Options) { o.Username, o.Password, o.TLS = "u", "pw", email.NoTLS }, "plain text"},
		{"password maybe in clear", func(o *email.Options) { o.Username, o.Password, o.TLS = "u", "pw", email.StartTLSIfOffered }, "plain text"},
	} {
		o := ok
		tc.change(&o)
		_, err := email.New("secops", o)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"secops"`) {
			t.Errorf("%s: New = %v, want an error naming the destination and %q", tc.name, err, tc.want)
		}
	}
	if _, err := email.New("secops", ok); err != nil {
		t.Errorf("New(valid) = %v", err)
	}
	local := ok
	local.Addr, local.Username, local.Password, local.TLS = "127.0.0.1:25", "u", "pw", email.NoTLS
	if _, err := email.New("secops", local); err != nil {
		t.Errorf("New(password in clear to the loopback relay) = %v, want no error", err)
	}
}

// TestSendFinding sends over STARTTLS with AUTH PLAIN, as to a
// submission port, and reads the message as a mail client would.
func TestSendFinding(t *testing.T) {
	srv := newSMTPD(t)
	cfg, roots := testCert(t)
	srv.TLS, srv.Users = cfg, map[string]string{"vigil": "hunter2"}
	srv.Start()
	o := options(srv.Addr, roots)
	o.Username, o.Password = "vigil", "hunter2"
	e := newEmail(t, o)
	f := desttest.InstanceFinding()
	m := desttest.Message(f)
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if !got.TLS || got.AuthUser != "vigil" || got.From != "vigil@example.com" ||
		strings.Join(got.To, ",") != "secops@example.com,oncall@example.com" {
		t.Errorf("envelope: TLS %v, user %q, from %q, to %q", got.TLS, got.AuthUser, got.From, got.To)
	}
	p := parse(t, got.Data)
	for h, want := range map[string]string{
		"From":               `"Vigil" <vigil@example.com>`,
		"To":                 `<secops@example.com>, "Oncall" <oncall@example.com>`,
		"Message-ID":         e.MessageID(m.ID),
		"Date":               "Wed, 01 May 2024 12:40:00 +0000",
		"Auto-Submitted":     "auto-generated",
		"X-Vigil-Finding-Id": f.ID,
	} {
		if g := p.Header.Get(h); g != want {
			t.Errorf("header %s = %q, want %q", h, g, want)
		}
	}
	if s := subject(t, p.Header); s != "[Vigil High] Backdoor:EC2/C&CActivity.B in 111122223333/eu-west-1" {
		t.Errorf("Subject = %q", s)
	}
	for _, want := range []string{
		f.Title, f.Description,
		"Resource    i-0123456789abcdef0 (web)",
		"Account     111122223333",
		"Region      eu-west-1",
		"Count       3",
		"First seen  2024-05-01 11:58:00 UTC",
		"Last seen   2024-05-01 12:34:00 UTC",
		"Console     https://vigil.example/console/findings/" + f.ID,
		"WHAT IT MEANS\r\nAn instance talks to a known command-and-control server",
		"HOW TO INVESTIGATE\r\n1. Find the process that opened the connection.\r\n2. Check the instance's recent logins.",
		"HOW TO RESPOND\r\n1. Isolate the instance",
	} {
		if !strings.Contains(p.Plain, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.Plain)
		}
	}
	for _, want := range []string{
		`border-left: 6px solid #D13212`,
		`<a href="https://vigil.example/console/findings/` + f.ID + `">`,
		"<h3>How to investigate</h3>\r\n<ol><li>Find the process",
		"<th align=\"left\">Resource</th><td>i-0123456789abcdef0 (web)</td>",
	} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, p.HTML)
		}
	}

	// A retry is the same message to mail clients.
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatalf("Send again: %v", err)
	}
	if again := parse(t, srv.Messages()[1].Data); again.Header.Get("Message-ID") != p.Header.Get("Message-ID") {
		t.Errorf("retry Message-ID %q, first %q", again.Header.Get("Message-ID"), p.Header.Get("Message-ID"))
	}
}

func TestSendUpdateAndDigest(t *testing.T) {
	srv := newSMTPD(t)
	srv.Start()
	o := options(srv.Addr, nil)
	o.TLS = email.NoTLS
	o.DigestMax = 10
	e := newEmail(t, o)

	f := desttest.AccessKeyFinding()
	f.Service.Count = 9
	m := desttest.Message(f)
	m.Update = true
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatalf("Send(update): %v", err)
	}
	var fs []finding.Finding
	for i := range 14 {
		g := desttest.InstanceFinding()
		if i%2 == 1 {
			g = desttest.AccessKeyFinding()
		}
		if i == 13 {
			g.Severity = finding.SeverityCritical
		}
		g.ID = fmt.Sprintf("%032x", i)
		fs = append(fs, g)
	}
	dm := desttest.Message(fs...)
	dm.ID, dm.Omitted = "digest-3", 6
	if err := e.Send(context.Background(), dm); err != nil {
		t.Fatalf("Send(digest): %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[0].TLS {
		t.Fatalf("%d messages (TLS %v), want 2 in plain text", len(msgs), len(msgs) > 0 && msgs[0].TLS)
	}
	up := parse(t, msgs[0].Data)
	if s := subject(t, up.Header); s != "[Vigil Medium] Discovery:IAMUser/AnomalousBehavior in 111122223333/eu-west-1, updated (count 9)" {
		t.Errorf("update Subject = %q", s)
	}
	if !strings.HasPrefix(up.Plain, "Updated (count 9): Medium severity finding") || !strings.Contains(up.Plain, "Resource    alice (AKIAIOSFODNN7EXAMPLE)") {
		t.Errorf("update text:\n%s", up.Plain)
	}
	dg := parse(t, msgs[1].Data)
	if s := subject(t, dg.Header); s != "[Vigil digest] 20 findings, highest Critical" {
		t.Errorf("digest Subject = %q", s)
	}
	if dg.Header.Get("X-Vigil-Finding-Id") != "" {
		t.Error("digest has an X-Vigil-Finding-Id header")
	}
	if n := strings.Count(dg.Plain, "\r\n  - "); n != 10 {
		t.Errorf("digest lists %d findings, want 10:\n%s", n, dg.Plain)
	}
	for _, want := range []string{
		"Discovery:IAMUser/AnomalousBehavior (",
		"  - Critical | alice (AKIAIOSFODNN7EXAMPLE) | 111122223333/eu-west-1 | count 1 | https://vigil.example/console/findings/0000000000000000000000000000000d",
		"...and 10 more: https://vigil.example/console/findings/",
	} {
		if !strings.Contains(dg.Plain, want) {
			t.Errorf("digest text lacks %q:\n%s", want, dg.Plain)
		}
	}
	if !strings.Contains(dg.HTML, "…and 10 more") {
		t.Errorf("digest HTML lacks …and 10 more:\n%s", dg.HTML)
	}
}

// TestHostileFinding puts markup and header injection in finding fields.
func TestHostileFinding(t *testing.T) {
	e := newEmail(t, options("127.0.0.1:25", nil))
	f := desttest.InstanceFinding()
	f.Title = `<script>alert(1)</script><a href="https://evil.example">log in</a>`
	f.AccountID = "1\r\nBcc: victim@example.net"
	f.Type = "Backdoor:EC2/Ünïcödé-" + strings.Repeat("é", 300)
	f.Description = strings.Repeat("x", 100000)
	b, err := e.Compose(desttest.Message(f))
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, b)
	if p.Header.Get("Bcc") != "" || strings.Contains(string(b), "\r\nBcc:") {
		t.Errorf("header injected: Bcc %q", p.Header.Get("Bcc"))
	}
	s := subject(t, p.Header)
	if !strings.HasPrefix(s, "[Vigil High] Backdoor:EC2/Ünïcödé-éé") || strings.ContainsAny(s, "\r\n") {
		t.Errorf("Subject = %q", s)
	}
	if strings.Contains(p.HTML, "<script>") || strings.Contains(p.HTML, `<a href="https://evil`) || !strings.Contains(p.HTML, "&lt;script&gt;") {
		t.Errorf("finding markup not escaped in HTML:\n%.3000s", p.HTML)
	}
	if len(p.Plain) > 20000 {
		t.Errorf("text part is %d bytes for a 100,000-byte description", len(p.Plain))
	}
}

func TestNoRunbook(t *testing.T) {
	o := options("127.0.0.1:25", nil)
	o.Runbook = desttest.NoRunbook
	b, err := newEmail(t, o).Compose(desttest.Message(desttest.InstanceFinding()))
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, b); !strings.Contains(p.Plain, "No runbook for Backdoor:EC2/C&CActivity.B yet.") || strings.Contains(p.Plain, "WHAT IT MEANS") {
		t.Errorf("text without a runbook:\n%s", p.Plain)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := newSMTPD(t)
	cfg, roots := testCert(t)
	srv.TLS, srv.Implicit, srv.Users = cfg, true, map[string]string{"vigil": "pw"}
	srv.Start()
	o := options(srv.Addr, roots)
	o.TLS, o.Username, o.Password = email.ImplicitTLS, "vigil", "pw"
	if err := newEmail(t, o).Send(context.Background(), desttest.Message(desttest.InstanceFinding())); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].AuthUser != "vigil" {
		t.Errorf("messages %+v, want one over TLS from vigil", msgs)
	}
}

func TestSendErrors(t *testing.T) {
	cfg, roots := testCert(t)
	for _, tc := range []struct {
		name      string
		setup     func(*smtpd, *email.Options)
		permanent bool
		contains  string
	}{
		{"STARTTLS not offered", func(s *smtpd, o *email.Options) { o.TLS = email.StartTLS }, true, "does not offer STARTTLS"},
		{"untrusted certificate", func(s *smtpd, o *email.Options) { s.TLS, o.TLSConfig = cfg, nil }, false, "certificate"},
		{"wrong password", func(s *smtpd, o *email.Options) {
			s.TLS, s.Users = cfg, map[string]string{"vigil": "right"}
			o.Username, o.Password = "vigil", "wrong"
		}, true, "535"},
		{"AUTH not offered", func(s *smtpd, o *email.Options) { s.TLS, o.Username, o.Password = cfg, "vigil", "pw" }, true, "does not offer AUTH"},
		{"recipient refused", func(s *smtpd, o *email.Options) {
			o.TLS = email.NoTLS
			s.RcptReply = map[string]string{"oncall@example.com": "550 5.1.1 no such user"}
		}, true, "550"},
		{"recipient deferred", func(s *smtpd, o *email.Options) {
			o.TLS = email.NoTLS
			s.RcptReply = map[string]string{"oncall@example.com": "450 4.2.1 mailbox busy"}
		}, false, "450"},
		{"server silent", func(s *smtpd, o *email.Options) { o.TLS, s.Silent = email.NoTLS, true }, false, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSMTPD(t)
			o := options(srv.Addr, roots)
			o.Timeout = 500 * time.Millisecond
			tc.setup(srv, &o)
			srv.Start()
			err := newEmail(t, o).Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
			if err == nil {
				t.Fatal("Send = nil, want an error")
			}
			if got := notify.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.Contains(err.Error(), "secops") {
				t.Errorf("Send = %v, want it to name the destination and contain %q", err, tc.contains)
			}
			if strings.Contains(err.Error(), "right") || strings.Contains(err.Error(), "wrong") {
				t.Errorf("Send = %v: shows a password", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages delivered, want none", n)
			}
			for _, c := range srv.Commands() {
				if c == "DATA" {
					t.Error("DATA sent after a failure: delivery must be to all recipients or to none")
				}
			}
		})
	}
}

func TestSendRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := options(addr, nil)
	o.TLS = email.NoTLS
	err = newEmail(t, o).Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Send to a closed port = %v, want a retryable connection refused", err)
	}
}

func TestHealthMessage(t *testing.T) {
	o := options("127.0.0.1:25", nil)
	o.Runbook = desttest.NoRunbook
	b, err := newEmail(t, o).Compose(desttest.Message(desttest.HealthFinding()))
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, b)
	if s := subject(t, p.Header); s != "[Vigil High] Vigil:Health/Error: Vigil source cloudtrail is failing" {
		t.Errorf("Subject = %q", s)
	}
	for _, absent := range []string{"Account ", "Region ", "No runbook"} {
		if strings.Contains(p.Plain, absent) {
			t.Errorf("health message shows %q:\n%s", absent, p.Plain)
		}
	}
}
