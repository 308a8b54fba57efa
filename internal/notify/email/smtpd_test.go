package email_test

// A minimal SMTP receiver for the tests: Debian has no small SMTP sink to
// run beside the tests, and the conversation is simple enough to play
// here (RFC 5321: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// QUIT).

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is a message the server accepted.
type received struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool   // the message came over TLS
	AuthUser string // "" without AUTH
}

type smtpd struct {
	Addr string

	// Set before the first connection.
	TLS       *tls.Config       // offer STARTTLS (or, with Implicit, speak TLS at once)
	Implicit  bool              // TLS from the first byte
	Users     map[string]string // offer AUTH PLAIN with these users
	RcptReply map[string]string // recipient → reply to RCPT TO (default "250 OK")
	Silent    bool              // accept connections and never greet

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	msgs []received
	cmds []string
}

// newSMTPD prepares a server on 127.0.0.1; configure it, then Start.
func newSMTPD(t *testing.T) *smtpd {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpd{Addr: ln.Addr().String(), ln: ln}
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpd) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var conns sync.WaitGroup
		var open []net.Conn
		for {
			c, err := s.ln.Accept()
			if err != nil {
				for _, c := range open {
					c.Close()
				}
				conns.Wait()
				return
			}
			open = append(open, c)
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
}

func (s *smtpd) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// Commands returns the verbs of the commands received, such as "RCPT".
func (s *smtpd) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

func (s *smtpd) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(time.Minute))
	if s.Silent {
		bufio.NewReader(c).ReadString('\n') // until the client hangs up
		return
	}
	tlsOn := false
	if s.Implicit {
		c = tls.Server(c, s.TLS)
		tlsOn = true
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	reply("220 smtpd.test ESMTP")
	var cur received
	user := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		s.cmds = append(s.cmds, verb)
		s.mu.Unlock()
		switch verb {
		case "EHLO":
			ext := []string{"250-smtpd.test", "250-8BITMIME"}
			if s.TLS != nil && !tlsOn {
				ext = append(ext, "250-STARTTLS")
			}
			if s.Users != nil {
				ext = append(ext, "250-AUTH PLAIN")
			}
			reply(append(ext, "250 SIZE 10485760")...)
		case "HELO", "NOOP":
			reply("250 OK")
		case "STARTTLS":
			if s.TLS == nil || tlsOn {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			c = tls.Server(c, s.TLS)
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
			tlsOn, cur, user = true, received{}, ""
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if strings.ToUpper(mech) != "PLAIN" || err != nil || len(parts) != 3 || s.Users[parts[1]] != parts[2] || parts[1] == "" {
				reply("535 5.7.8 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			cur = received{From: addr(arg), TLS: tlsOn, AuthUser: user}
			reply("250 OK")
		case "RCPT":
			to := addr(arg)
			if rep, ok := s.RcptReply[to]; ok {
				reply(rep)
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 OK")
		case "DATA":
			reply("354 end with .")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.Bytes()
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = received{}
			reply("250 OK queued")
		case "RSET":
			cur = received{}
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 unknown command")
		}
	}
}

// addr takes the address out of "FROM:<a@b> SIZE=1" or "TO:<a@b>".
func addr(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

// testCert returns a server TLS config with a self-signed certificate for
// 127.0.0.1, and the client roots that trust it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtpd.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
