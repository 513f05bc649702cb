package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTerminalDetection: a pseudo-terminal is a terminal with its width; a
// pipe, a file or a buffer is not; NO_COLOR and TERM=dumb turn colours off.
func TestTerminalDetection(t *testing.T) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer m.Close()
	unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0)
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 123})
	if tty, w := terminal(s); !tty || w != 123 {
		t.Errorf("pty: terminal = %v, %d; want true, 123", tty, w)
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if tty, _ := terminal(w); tty {
		t.Error("a pipe is a terminal")
	}
	if tty, _ := terminal(&bytesWriter{}); tty {
		t.Error("a buffer is a terminal")
	}
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	if !colorAllowed() {
		t.Error("colours off without NO_COLOR")
	}
	t.Setenv("NO_COLOR", "1")
	if colorAllowed() {
		t.Error("colours on with NO_COLOR=1")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if colorAllowed() {
		t.Error("colours on with TERM=dumb")
	}
}

type bytesWriter struct{}

func (*bytesWriter) Write(p []byte) (int, error) { return len(p), nil }
