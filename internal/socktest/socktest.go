// Package socktest provides unix sockets that misbehave, for tests of the
// runtime API clients and of the CLI that uses them. It is only imported by
// tests.
package socktest

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Hanging listens on a new unix socket that accepts connections and never
// answers, and returns its path. The socket lives in a short directory of
// its own under os.TempDir (t.TempDir's long names can pass the 108-byte
// limit of a socket path); it and every connection are closed, and the
// directory removed, when the test ends.
func Hanging(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctrace-hang")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return sock
}
