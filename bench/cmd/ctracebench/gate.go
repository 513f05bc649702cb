package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// gate is the start gate of one workload container: a directory bind-mounted
// at /gate with two FIFOs. The container opens "done" for writing first and
// keeps it open, runs its setup, then blocks reading "go". The harness knows
// the container is parked when a non-blocking open of "go" for writing
// succeeds (a reader is there); it releases it by writing a line, and learns
// that the work finished when the exit status arrives on "done" (or EOF: the
// container died).
type gate struct {
	dir    string
	goFD   int      // write end of "go", held from armed to release; -1 before
	done   *os.File // read end of "done" (non-blocking, so deadlines work)
	status []byte
}

func newGate(dir string) (*gate, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{"go", "done"} {
		if err := syscall.Mkfifo(filepath.Join(dir, f), 0o666); err != nil {
			return nil, fmt.Errorf("mkfifo %s: %w", f, err)
		}
		// The umask may have cleared bits; the container runs as root anyway.
		_ = os.Chmod(filepath.Join(dir, f), 0o666)
	}
	done, err := os.OpenFile(filepath.Join(dir, "done"), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return &gate{dir: dir, goFD: -1, done: done}, nil
}

// waitArmed polls until the container is parked at the gate. alive is
// called about once a second and should fail when the container is gone.
func (g *gate) waitArmed(ctx context.Context, deadline time.Duration, alive func() error) error {
	path := filepath.Join(g.dir, "go")
	end := time.Now().Add(deadline)
	nextCheck := time.Now().Add(time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			g.goFD = fd
			return nil
		}
		if !errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("open %s: %w", path, err)
		}
		now := time.Now()
		if now.After(end) {
			return fmt.Errorf("container did not reach its start gate within %v", deadline)
		}
		if now.After(nextCheck) {
			if err := alive(); err != nil {
				return err
			}
			nextCheck = now.Add(time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// release lets the container start its work.
func (g *gate) release() error {
	if g.goFD < 0 {
		return errors.New("gate not armed")
	}
	_, err := syscall.Write(g.goFD, []byte("g\n"))
	syscall.Close(g.goFD)
	g.goFD = -1
	return err
}

// waitDone blocks until the container reports the work's exit status.
func (g *gate) waitDone(ctx context.Context, deadline time.Time) (int, error) {
	stop := context.AfterFunc(ctx, func() { g.done.SetReadDeadline(time.Now()) })
	defer stop()
	if err := g.done.SetReadDeadline(deadline); err != nil {
		return -1, err
	}
	buf := make([]byte, 64)
	for {
		if i := strings.IndexByte(string(g.status), '\n'); i >= 0 {
			rc, err := strconv.Atoi(strings.TrimSpace(string(g.status[:i])))
			if err != nil {
				return -1, fmt.Errorf("bad status %q from the container", g.status[:i])
			}
			return rc, nil
		}
		n, err := g.done.Read(buf)
		g.status = append(g.status, buf[:n]...)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return -1, errors.New("the workload container exited without reporting a status")
		case errors.Is(err, os.ErrDeadlineExceeded):
			if ctx.Err() != nil {
				return -1, ctx.Err()
			}
			return -1, fmt.Errorf("workload did not finish by its deadline")
		default:
			return -1, err
		}
	}
}

func (g *gate) close() {
	if g.goFD >= 0 {
		syscall.Close(g.goFD)
		g.goFD = -1
	}
	g.done.Close()
}
