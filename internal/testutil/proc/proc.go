// Package proc helps tests run real servers as child processes (versitygw,
// clamd, nats-server): a free loopback port and a buffer that collects a
// process's output safely. It is imported by test helpers only and must
// never be imported by production code.
package proc

import (
	"bytes"
	"net"
	"sync"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. A
// caller that loses the race for it should retry.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// Buffer collects a child process's stdout and stderr, which exec writes
// from its own goroutines.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
