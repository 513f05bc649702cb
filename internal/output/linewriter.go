package output

import (
	"bytes"
	"io"
	"unsafe"
)

// LineCounter is a writer that counts the lines written through it
// (tracefile.Counter). A LineWriter tells it how many lines each write
// holds, so that it need not scan the bytes for newlines.
type LineCounter interface {
	WriteLines(p []byte, lines int) (int, error)
}

// LineWriter is the printers' output buffer. A line is rendered straight
// into its free space (Room) and kept there (Line) without a copy; what
// reaches the writer are large writes of whole lines, so a crash leaves at
// most one partial line in a file (docs/events.md). After a failed write
// it keeps what was not written and fails again at every call, as a
// bufio.Writer does.
type LineWriter struct {
	w     io.Writer
	lc    LineCounter // w when it counts lines, else nil
	buf   []byte      // buffered lines; cap is the buffer's size
	lines int         // whole lines in buf
	err   error
}

// NewLineWriter buffers up to size bytes of lines for w.
func NewLineWriter(w io.Writer, size int) *LineWriter {
	lc, _ := w.(LineCounter)
	return &LineWriter{w: w, lc: lc, buf: make([]byte, 0, max(size, 1))}
}

// Room returns where to render the next line: the free space (an empty
// slice whose capacity is that space) when at least need bytes are free,
// after a flush when they are not, or scratch[:0] when the whole buffer is
// smaller than need.
func (b *LineWriter) Room(need int, scratch []byte) ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	if cap(b.buf)-len(b.buf) < need {
		if err := b.Flush(); err != nil {
			return nil, err
		}
		if cap(b.buf) < need {
			return scratch[:0], nil
		}
	}
	return b.buf[len(b.buf):len(b.buf)], nil
}

// Line adds line, one whole line with its newline: rendered in the space
// Room returned (kept in place), or anywhere else (copied; a line longer
// than the buffer is written on its own).
func (b *LineWriter) Line(line []byte) error {
	if b.err != nil {
		return b.err
	}
	free := b.buf[len(b.buf):cap(b.buf)]
	if len(line) > 0 && len(line) <= len(free) && unsafe.SliceData(line) == unsafe.SliceData(free) {
		b.buf = b.buf[:len(b.buf)+len(line)]
		b.lines++
		return nil
	}
	if len(line) > len(free) && len(b.buf) > 0 {
		if err := b.Flush(); err != nil {
			return err
		}
	}
	if len(line) > cap(b.buf) {
		_, err := b.write(line, 1)
		return err
	}
	b.buf = append(b.buf, line...)
	b.lines++
	return nil
}

// Flush writes the buffered lines.
func (b *LineWriter) Flush() error {
	if b.err != nil {
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.write(b.buf, b.lines)
	if n < len(b.buf) {
		rest := copy(b.buf, b.buf[n:])
		b.buf = b.buf[:rest]
		b.lines = bytes.Count(b.buf, []byte{'\n'})
		if err == nil {
			err = io.ErrShortWrite
		}
		b.err = err
		return err
	}
	b.buf, b.lines = b.buf[:0], 0
	return nil
}

// write writes p, which holds lines whole lines, to the writer.
func (b *LineWriter) write(p []byte, lines int) (int, error) {
	var n int
	var err error
	if b.lc != nil {
		n, err = b.lc.WriteLines(p, lines)
	} else {
		n, err = b.w.Write(p)
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// Buffered is the number of bytes buffered.
func (b *LineWriter) Buffered() int { return len(b.buf) }
