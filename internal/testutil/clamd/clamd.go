// Package clamd starts a private ClamAV daemon (Debian's /usr/sbin/clamd)
// on a given signature folder, for integration tests of the clamd engine.
// Tests that use it skip with a reason when clamd is absent; .ci/run
// installs it (apt-get install clamav-daemon).
//
// Each server gets its own generated config, unix socket, 127.0.0.1 TCP
// port and temporary folder, runs in the foreground and is stopped when
// the test ends; it never touches /etc/clamav, /var/lib/clamav or a
// system clamd, and never runs freshclam. It is test support only:
// production code must never import it.
package clamd

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil/proc"
)

// EnvBinary names the environment variable that may point at clamd.
const EnvBinary = "VIGIL_CLAMD"

// Install is how to get clamd, for skip messages.
const Install = "apt-get install -y --no-install-recommends clamav clamav-daemon"

// Binary returns the clamd to run: $VIGIL_CLAMD, else /usr/sbin/clamd,
// else clamd on PATH; "" when there is none.
func Binary() string {
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	if fi, err := os.Stat("/usr/sbin/clamd"); err == nil && fi.Mode().IsRegular() {
		return "/usr/sbin/clamd"
	}
	if p, err := exec.LookPath("clamd"); err == nil {
		return p
	}
	return ""
}

// Server is a running clamd.
type Server struct {
	Socket  string // unix socket path
	TCPAddr string // 127.0.0.1:PORT
	Dir     string // private folder: clamd.conf, socket, temporary files
	Config  string // the generated clamd.conf, for failure messages

	cmd    *exec.Cmd
	out    *proc.Buffer
	exited chan error
}

// Address is the server's unix socket in the clamd engine's syntax.
func (s *Server) Address() string { return "unix:" + s.Socket }

// TCPAddress is the server's TCP endpoint in the clamd engine's syntax.
func (s *Server) TCPAddress() string { return "tcp:" + s.TCPAddr }

// Output returns what clamd has logged so far (it logs to stdout in the
// foreground).
func (s *Server) Output() string { return s.out.String() }

// Start runs clamd with DatabaseDirectory dbDir, waits until it answers
// PING, and stops it when the test ends. dbDir must hold at least one
// signature file (clamd refuses to start on an empty folder). Each conf
// line, "Directive value", replaces the default for that directive or
// adds one, such as "StreamMaxLength 1M". Start skips the test when clamd
// is absent.
func Start(t testing.TB, dbDir string, conf ...string) *Server {
	t.Helper()
	bin := Binary()
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", EnvBinary, p, err) // asked for, so not skipped
		}
	}
	if bin == "" {
		t.Skipf("clamd not found (set %s or install /usr/sbin/clamd): %s", EnvBinary, Install)
	}
	if err := checkDBDir(dbDir); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for range 3 { // the free port may be taken before clamd binds it
		s, err := start(t, bin, dbDir, conf)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("start clamd: %v", lastErr)
	return nil
}

func checkDBDir(dbDir string) error {
	entries, err := os.ReadDir(dbDir)
	if err != nil {
		return fmt.Errorf("clamd database folder: %w", err)
	}
	if len(entries) == 0 {
		return fmt.Errorf("clamd database folder %s is empty; clamd refuses to start without a signature file", dbDir)
	}
	return nil
}

func start(t testing.TB, bin, dbDir string, conf []string) (*Server, error) {
	// A unix socket path must fit in 108 bytes, which t.TempDir's long
	// names can exceed, so the folder is a short one under $TMPDIR.
	dir, err := os.MkdirTemp("", "vigil-clamd-")
	if err != nil {
		return nil, err
	}
	port, err := proc.FreePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{Socket: filepath.Join(dir, "clamd.sock"), TCPAddr: "127.0.0.1:" + port, Dir: dir, out: &proc.Buffer{}}
	if err := s.writeConfig(dbDir, port, conf); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(bin, "--config-file="+filepath.Join(dir, "clamd.conf"))
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stop()
		os.RemoveAll(dir)
		return nil, err
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("clamd output:\n%s", s.Output())
		}
		os.RemoveAll(dir)
	})
	return s, nil
}

// writeConfig writes Dir/clamd.conf: the defaults, with conf applied.
func (s *Server) writeConfig(dbDir, port string, conf []string) error {
	tmp := filepath.Join(s.Dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	lines := []string{
		"DatabaseDirectory " + dbDir,
		"LocalSocket " + s.Socket,
		"TCPSocket " + port,
		"TCPAddr 127.0.0.1",
		"Foreground yes",
		"TemporaryDirectory " + tmp,
		"PidFile " + filepath.Join(s.Dir, "clamd.pid"),
		"StreamMaxLength 1000M",
		"MaxFileSize 1000M",
		"MaxScanSize 1000M",
	}
	for _, c := range conf {
		lines = setDirective(lines, c)
	}
	s.Config = strings.Join(lines, "\n") + "\n"
	return os.WriteFile(filepath.Join(s.Dir, "clamd.conf"), []byte(s.Config), 0o600)
}

// setDirective replaces the line for line's directive, or appends line.
func setDirective(lines []string, line string) []string {
	key, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	for i, l := range lines {
		if k, _, _ := strings.Cut(l, " "); strings.EqualFold(k, key) {
			lines[i] = line
			return lines
		}
	}
	return append(lines, line)
}

// waitReady waits until clamd answers PING on its unix socket and its
// TCP port.
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.exited <- err // for stop
			return fmt.Errorf("clamd exited (%v):\n%s\nconfig:\n%s", err, s.Output(), s.Config)
		default:
		}
		if ping("unix", s.Socket) == nil && ping("tcp", s.TCPAddr) == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("clamd did not answer PING within %s:\n%s", limit, s.Output())
}

// stop sends SIGTERM (clamd then removes its socket), and SIGKILL after
// five seconds.
func (s *Server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func ping(network, addr string) error {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("zPING\x00")); err != nil {
		return err
	}
	b := make([]byte, 16)
	n, _ := c.Read(b)
	if string(b[:n]) != "PONG\x00" {
		return fmt.Errorf("PING answered %q", b[:n])
	}
	return nil
}
