package tracefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
)

// Create opens path for writing a trace (or the errors file): it creates
// the parent directories (0700) and the file (0600), and then either
// truncates it (overwrite) or appends to it. Before appending, a partial
// last line that an earlier writer left (killed mid-line) is cut, so that
// new lines never continue a broken one; cut is the number of bytes removed.
// Files that are not regular (a FIFO, /dev/stdout, /dev/full) are opened
// for writing as they are.
func Create(path string, overwrite bool) (f *os.File, cut int64, err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, 0, fmt.Errorf("%s: create its directory: %w", path, oneLine(err))
		}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, 0, fmt.Errorf("%s is a directory; give a file path", path)
	}
	flags := os.O_RDWR | os.O_CREATE | os.O_APPEND
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err = os.OpenFile(path, flags, 0o600)
	if err != nil && !overwrite && errors.Is(err, os.ErrPermission) {
		// A write-only file (or device) still takes appended lines.
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, oneLine(err))
	}
	if overwrite {
		return f, 0, nil
	}
	cut, err = cutPartialLine(f)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return f, cut, nil
}

// cutPartialLine truncates a regular file after its last newline.
func cutPartialLine(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return 0, nil
	}
	size := st.Size()
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, nil // not readable (opened write-only): leave it
	}
	if last[0] == '\n' {
		return 0, nil
	}
	// Search backwards for the last newline, a chunk at a time.
	buf := make([]byte, 64<<10)
	end := size
	keep := int64(0)
	for end > 0 {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read its last line: %w", err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			keep = start + int64(i) + 1
			break
		}
		end = start
	}
	if err := f.Truncate(keep); err != nil {
		return 0, fmt.Errorf("cut its partial last line: %w", err)
	}
	return size - keep, nil
}

// oneLine drops the path an *os.PathError repeats.
func oneLine(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Counter passes writes through to W and counts the bytes and the lines
// (newlines) that W accepted, so the number of events that really reached
// a file is known even when a write fails half-way. Its counters may be
// read from any goroutine.
type Counter struct {
	W     io.Writer
	bytes atomic.Int64
	lines atomic.Int64
}

// Write writes p to W.
func (c *Counter) Write(p []byte) (int, error) {
	return c.WriteLines(p, bytes.Count(p, []byte{'\n'}))
}

// Unwrap is the writer the counter writes to (the output looks through it
// to size its buffer).
func (c *Counter) Unwrap() io.Writer { return c.W }

// WriteLines writes p, which holds lines newlines (the output's line
// buffer knows how many), without scanning it; after a partial write it
// counts the newlines of what was written.
func (c *Counter) WriteLines(p []byte, lines int) (int, error) {
	n, err := c.W.Write(p)
	if n > 0 {
		c.bytes.Add(int64(n))
		if n < len(p) {
			lines = bytes.Count(p[:n], []byte{'\n'})
		}
		c.lines.Add(int64(lines))
	}
	return n, err
}

// Bytes is the number of bytes written.
func (c *Counter) Bytes() int64 { return c.bytes.Load() }

// Lines is the number of complete lines written.
func (c *Counter) Lines() int64 { return c.lines.Load() }
