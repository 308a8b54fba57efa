package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"

	"github.com/vigil-sec/vigil/internal/notify"
)

// deliver speaks SMTP with the server: EHLO, STARTTLS, AUTH, MAIL,
// RCPT for every recipient, DATA, QUIT. ctx bounds all of it: when it
// ends the connection is closed, which ends any read or write, and the
// error says why.
func (e *Email) deliver(ctx context.Context, msg []byte) (err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.opts.Addr)
	if err != nil {
		return fmt.Errorf("connect %s: %w", e.opts.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		stop()
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
	}()
	if e.opts.TLS == ImplicitTLS {
		tc := tls.Client(conn, e.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("TLS with %s: %w", e.opts.Addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, e.host)
	if err != nil {
		conn.Close()
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(e.opts.HelloName); err != nil {
		return classify("EHLO", err)
	}
	if err := e.startTLS(c); err != nil {
		return err
	}
	if e.opts.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return notify.Permanent(fmt.Errorf("%s does not offer AUTH, but a username is configured", e.opts.Addr))
		}
		if err := c.Auth(smtp.PlainAuth("", e.opts.Username, e.opts.Password, e.host)); err != nil {
			return classify("AUTH", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return classify("MAIL FROM", err)
	}
	for _, to := range e.to {
		if err := c.Rcpt(to.Address); err != nil {
			c.Reset() // deliver to all or to none
			return classify("RCPT TO "+to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classify("end of DATA", err)
	}
	c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

func (e *Email) startTLS(c *smtp.Client) error {
	if e.opts.TLS != StartTLS && e.opts.TLS != StartTLSIfOffered {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		if e.opts.TLS == StartTLSIfOffered {
			return nil
		}
		return notify.Permanent(fmt.Errorf("%s does not offer STARTTLS (set tls: none to send in plain text, or tls for port 465)", e.opts.Addr))
	}
	if err := c.StartTLS(e.tlsConfig()); err != nil {
		return classify("STARTTLS", err)
	}
	return nil
}

func (e *Email) tlsConfig() *tls.Config {
	if e.opts.TLSConfig != nil {
		cfg := e.opts.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = e.host
		}
		return cfg
	}
	return &tls.Config{ServerName: e.host, MinVersion: tls.VersionTLS12}
}

// classify marks SMTP 5xx answers permanent: the server refuses the
// message, the sender or a recipient, and will again.
func classify(step string, err error) error {
	err = fmt.Errorf("%s: %w", step, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return notify.Permanent(err)
	}
	return err
}
