package output

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Direct I/O for the events file. A trace file is written once, fast, and
// read later: through the page cache every byte is copied into a fresh
// page, given a buffer head and a delayed-allocation reservation, then
// written back and dropped (writeBehind): about 40% of ctrace's CPU on the
// syscall storm went there. With O_DIRECT the disk takes the bytes from
// ctrace's buffer (docs/performance.md has the figures).
//
// O_DIRECT needs the file offset, the length and the buffer aligned to the
// device's block: the writer keeps the file's last partial block in its
// buffer and writes it again as the start of the next aligned chunk. The
// chunks are written synchronously (a goroutine of their own cost more in
// scheduling than the overlap saved; the ring buffer absorbs the wait).
// Flush makes everything visible: the aligned part direct, the tail through
// the page cache (the next direct write of that block replaces it). While
// events stream in, the file can end inside a line until the next chunk or
// Flush; after a Flush it ends with a whole line.
//
// A file system that refuses O_DIRECT (at fcntl or at a write) gets the
// page cache, and nothing is lost: the refused chunk is written again
// through it.

const (
	directAlign = 4096    // offset, length and buffer alignment (covers 512-byte and 4 KiB blocks)
	directChunk = 1 << 20 // a chunk is written when this much is buffered
)

// directWriter writes a regular file with O_DIRECT; see above.
type directWriter struct {
	f   *os.File
	fd  int
	buf []byte // the mmap'd (page-aligned) buffer: directChunk + directAlign bytes
	cur []byte // buf[:buffered]; cur[0] is at file offset base
	// base is the file offset of cur[0], a multiple of directAlign.
	base    int64
	direct  bool // O_DIRECT is on
	refused bool // the file system refused a direct write: the page cache from then on
	err     error
	closed  bool

	// pwrite is unix.Pwrite; tests replace it to refuse direct writes.
	pwrite func(fd int, p []byte, off int64) (int, error)
}

// newDirectWriter puts f (a regular file written only by ctrace, opened
// for reading too when it may have content: its last partial block is read
// back) into direct I/O; the error says why not (the file system refuses
// O_DIRECT, not a regular file).
func newDirectWriter(f *os.File) (*directWriter, error) {
	if os.Getenv("CTRACE_NO_DIRECT_IO") != "" {
		return nil, errors.New("CTRACE_NO_DIRECT_IO is set (the page cache is used)")
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	fd := int(f.Fd())
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return nil, err
	}
	buf, err := unix.Mmap(-1, 0, directChunk+directAlign, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, err
	}
	size := st.Size()
	base := size &^ (directAlign - 1)
	cur := buf[:0]
	// The file's last partial block is rewritten by the first chunk.
	if n := int(size - base); n > 0 {
		if _, err := unix.Pread(fd, buf[:n], base); err != nil {
			unix.Munmap(buf)
			return nil, fmt.Errorf("read back the last partial block: %w", err)
		}
		cur = buf[:n]
	}
	// Offsets are ctrace's own from here on: O_APPEND would move every pwrite to the end.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, (fl&^unix.O_APPEND)|unix.O_DIRECT); err != nil {
		unix.Munmap(buf)
		return nil, fmt.Errorf("O_DIRECT: %w", err)
	}
	return &directWriter{f: f, fd: fd, buf: buf, cur: cur, base: base, direct: true, pwrite: unix.Pwrite}, nil
}

// Write buffers p; every full chunk is written.
func (w *directWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, os.ErrClosed
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(w.buf[len(w.cur):directChunk], p)
		w.cur = w.buf[:len(w.cur)+k]
		p = p[k:]
		if len(w.cur) == directChunk {
			if err := w.writeAligned(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// writeAligned writes the aligned part of what is buffered and keeps the
// rest (less than a block) at the start of the buffer.
func (w *directWriter) writeAligned() error {
	l := len(w.cur) &^ (directAlign - 1)
	if l == 0 {
		return nil
	}
	if err := w.writeAt(w.cur[:l], w.base); err != nil {
		w.err = err
		return err
	}
	rest := copy(w.buf, w.cur[l:])
	w.base += int64(l)
	w.cur = w.buf[:rest]
	return nil
}

// writeAt writes p at off, direct while the file system takes it.
func (w *directWriter) writeAt(p []byte, off int64) error {
	for len(p) > 0 {
		n, err := w.pwrite(w.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EINVAL && w.direct {
			// Refused after all (alignment or file system): the page cache from now on.
			w.refused = true
			if err := w.setDirect(false); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: w.f.Name(), Err: err}
		}
		if n == 0 {
			return &os.PathError{Op: "write", Path: w.f.Name(), Err: io.ErrShortWrite}
		}
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// setDirect turns O_DIRECT on or off.
func (w *directWriter) setDirect(on bool) error {
	fl, err := unix.FcntlInt(uintptr(w.fd), unix.F_GETFL, 0)
	if err == nil {
		if on {
			fl |= unix.O_DIRECT
		} else {
			fl &^= unix.O_DIRECT
		}
		_, err = unix.FcntlInt(uintptr(w.fd), unix.F_SETFL, fl)
	}
	if err != nil {
		return &os.PathError{Op: "fcntl", Path: w.f.Name(), Err: err}
	}
	w.direct = on
	return nil
}

// Flush writes everything buffered: the aligned part direct, the tail
// through the page cache (the next chunk rewrites that block directly).
func (w *directWriter) Flush() error {
	if w.err != nil || w.closed {
		return w.err
	}
	if err := w.writeAligned(); err != nil {
		return err
	}
	if len(w.cur) == 0 {
		return nil
	}
	if w.direct {
		if err := w.setDirect(false); err != nil {
			w.err = err
			return err
		}
	}
	if err := w.writeAt(w.cur, w.base); err != nil {
		w.err = err
		return err
	}
	if !w.refused {
		_ = w.setDirect(true) // a failure leaves the page cache in use: slower, not wrong
	}
	return nil
}

// Close flushes and frees the buffer; the file stays open (its owner
// closes it), back in append mode without O_DIRECT.
func (w *directWriter) Close() error {
	if w.closed {
		return w.err
	}
	err := w.Flush()
	w.closed = true
	unix.Munmap(w.buf)
	w.buf, w.cur = nil, nil
	if fl, e := unix.FcntlInt(uintptr(w.fd), unix.F_GETFL, 0); e == nil {
		unix.FcntlInt(uintptr(w.fd), unix.F_SETFL, (fl&^unix.O_DIRECT)|unix.O_APPEND)
	}
	return err
}

// NewFileWriter returns the writer for an events file that only ctrace
// writes: direct I/O where the file system takes it, else write-behind.
// The printer's Flush reaches it (Flusher); Close it after the last Flush.
func NewFileWriter(f *os.File) io.Writer {
	if w, err := newDirectWriter(f); err == nil {
		return w
	}
	return newWriteBehind(f)
}

// Flusher is a writer that buffers below the printer's own buffer.
type Flusher interface {
	Flush() error
}
