// Package natsserver finds a running NATS server with JetStream for tests.
// Tests that use it skip with a reason when there is none; .ci/run starts
// one (Debian's nats-server with -js).
//
// It is test support only: production code must never import it. It never
// stops the shared server; tests that need to stop one start a Private
// server of their own.
package natsserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EnvURL names the environment variable that may give the server's URL.
const EnvURL = "VIGIL_NATS_URL"

// DefaultURL is the server tried when EnvURL is unset.
const DefaultURL = "nats://127.0.0.1:4222"

// Start is how to start a server, for skip messages.
const Start = "nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server (Debian package nats-server)"

// URL returns the URL of a reachable NATS server with JetStream enabled:
// $VIGIL_NATS_URL, else nats://127.0.0.1:4222. It skips the test when
// there is none, and fails it when $VIGIL_NATS_URL names one that does not
// answer (asked for, so not skipped).
func URL(t testing.TB) string {
	t.Helper()
	url, asked := os.LookupEnv(EnvURL)
	if !asked || url == "" {
		url = DefaultURL
	}
	fail := t.Skipf
	if asked {
		fail = t.Fatalf
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second), nats.MaxReconnects(0))
	if err != nil {
		fail("NATS not reachable at %s (%v): start it with %s", url, err, Start)
		return ""
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		fail("NATS at %s has no JetStream (%v): start it with %s", url, err, Start)
		return ""
	}
	return url
}

// Connect connects to the server URL returns and closes the connection
// when the test ends.
func Connect(t testing.TB) *nats.Conn {
	t.Helper()
	url := URL(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// Unique returns a name made of the test's name and a random suffix, safe
// as a stream name and as a subject token ([A-Za-z0-9_]), so tests sharing
// one server do not meet.
func Unique(t testing.TB) string {
	var b [4]byte
	rand.Read(b[:])
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return name + "_" + hex.EncodeToString(b[:])
}

// DeleteStreamAtEnd deletes the stream name when the test ends, whether or
// not it exists by then.
func DeleteStreamAtEnd(t testing.TB, nc *nats.Conn, name string) {
	t.Cleanup(func() {
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		js.DeleteStream(ctx, name)
	})
}

// Private is a nats-server of the test's own, with JetStream and a
// temporary store folder, for tests that stop and restart the server. It
// runs Debian's nats-server binary ($VIGIL_NATS_SERVER, else nats-server on
// PATH or in /usr/sbin).
type Private struct {
	URL  string
	t    testing.TB
	bin  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// NewPrivate prepares a private server on a free port without starting it
// (Start does), and stops it when the test ends. It skips the test when
// the binary is absent.
func NewPrivate(t testing.TB) *Private {
	t.Helper()
	bin := os.Getenv("VIGIL_NATS_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("nats-server")
	}
	if bin == "" {
		if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
			bin = "/usr/sbin/nats-server"
		}
	}
	if bin == "" {
		t.Skip("nats-server not found: apt-get install nats-server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	p := &Private{
		URL: "nats://127.0.0.1:" + port, t: t, bin: bin,
		args: []string{"-a", "127.0.0.1", "-p", port, "-js", "-sd", t.TempDir()},
	}
	t.Cleanup(p.Stop)
	return p
}

// Start starts the server (again, with the same port and store) and waits
// until JetStream answers.
func (p *Private) Start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.bin, err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(p.cmd, p.done)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		nc, err := nats.Connect(p.URL, nats.Timeout(time.Second), nats.MaxReconnects(0))
		if err != nil {
			continue
		}
		js, err := jetstream.New(nc)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
		}
		nc.Close()
		if err == nil {
			return
		}
	}
	p.t.Fatalf("nats-server %s not ready within 10s", p.URL)
}

// Stop stops the server if it runs.
func (p *Private) Stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}
