// Package status shows a live status of a trace on standard error while
// events go to a file: on a terminal one line rewritten in place (about
// once a second), elsewhere a plain line every few seconds.
package status

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Snapshot is what the status shows.
type Snapshot struct {
	Elapsed    time.Duration
	Written    uint64 // events written
	Lost       uint64 // events lost so far
	Containers int    // containers being traced
	FileBytes  int64  // size of the events file; < 0 when unknown
}

// PlainEvery is how often a non-terminal status line is printed.
const PlainEvery = 5 * time.Second

// Line is the status line. It is also an io.Writer for everything else
// that goes to the same stream (messages, the summary), so that on a
// terminal the status is cleared before another line is printed.
type Line struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	width     int
	drawn     bool
	prev      Snapshot
	lastPlain time.Duration
	started   bool
	buf       []byte
}

// New returns a status line on w; tty selects the in-place form, width (of
// the terminal, 0 if unknown) bounds it.
func New(w io.Writer, tty bool, width int) *Line {
	return &Line{w: w, tty: tty, width: width}
}

// Update shows s (on a terminal every call; otherwise at most every PlainEvery).
func (l *Line) Update(s Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := 0.0
	if dt := (s.Elapsed - l.prev.Elapsed).Seconds(); l.started && dt > 0 && s.Written >= l.prev.Written {
		rate = float64(s.Written-l.prev.Written) / dt
	} else if !l.started && s.Elapsed > 0 {
		rate = float64(s.Written) / s.Elapsed.Seconds()
	}
	l.prev, l.started = s, true
	if l.tty {
		l.buf = append(l.buf[:0], "\r\x1b[K"...)
		text := Append(nil, s, rate)
		if l.width > 1 && len(text) > l.width-1 {
			text = text[:l.width-1]
		}
		l.buf = append(l.buf, text...)
		l.w.Write(l.buf)
		l.drawn = true
		return
	}
	if s.Elapsed-l.lastPlain < PlainEvery && l.lastPlain != 0 || s.Elapsed < PlainEvery && l.lastPlain == 0 {
		return
	}
	l.lastPlain = s.Elapsed
	l.buf = append(append(l.buf[:0], "ctrace: status: "...), Append(nil, s, rate)...)
	l.buf = append(l.buf, '\n')
	l.w.Write(l.buf)
}

// Write writes p after clearing a drawn status (the next Update redraws it).
func (l *Line) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clear()
	return l.w.Write(p)
}

// Clear removes a drawn status from the terminal.
func (l *Line) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clear()
}

func (l *Line) clear() {
	if l.drawn {
		l.w.Write([]byte("\r\x1b[K"))
		l.drawn = false
	}
}

// Append renders s: elapsed, events written and their rate, lost,
// containers, file size. It avoids the word "events" so that the summary
// line stays the only line with "events" and "lost".
func Append(dst []byte, s Snapshot, rate float64) []byte {
	d := s.Elapsed.Round(time.Second)
	dst = fmt.Appendf(dst, "%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	dst = append(dst, "  written "...)
	dst = appendCount(dst, s.Written)
	dst = append(dst, " ("...)
	dst = appendCount(dst, uint64(rate+0.5))
	dst = append(dst, "/s)  lost "...)
	dst = appendCount(dst, s.Lost)
	dst = append(dst, "  containers "...)
	dst = strconv.AppendInt(dst, int64(s.Containers), 10)
	if s.FileBytes >= 0 {
		dst = append(dst, "  file "...)
		dst = AppendSize(dst, s.FileBytes)
	}
	return dst
}

// appendCount writes n with thousands separators.
func appendCount(dst []byte, n uint64) []byte {
	s := strconv.FormatUint(n, 10)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, s[i])
	}
	return dst
}

// AppendSize writes a byte count in B, KiB, MiB or GiB.
func AppendSize(dst []byte, n int64) []byte {
	switch {
	case n < 1<<10:
		return fmt.Appendf(dst, "%d B", n)
	case n < 1<<20:
		return fmt.Appendf(dst, "%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Appendf(dst, "%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Appendf(dst, "%.2f GiB", float64(n)/(1<<30))
}
