package output

import (
	"strconv"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// Table writes one aligned line per event, for people.
type Table struct {
	w       *LineWriter
	buf     []byte
	scratch []byte
	header  bool
	term    TerminalOptions
	clock   tableClock
}

// tableClock renders the table's local "15:04:05.000000", the second from cache.
type tableClock struct {
	sec    int64
	prefix []byte // "15:04:05." of sec
}

func (c *tableClock) append(dst []byte, ns int64) []byte {
	sec, frac := ns/1e9, ns%1e9
	if c == nil || frac < 0 {
		return time.Unix(0, ns).AppendFormat(dst, "15:04:05.000000")
	}
	if sec != c.sec || c.prefix == nil {
		c.sec = sec
		c.prefix = time.Unix(sec, 0).AppendFormat(c.prefix[:0], "15:04:05.")
	}
	dst = append(dst, c.prefix...)
	us := frac / 1000
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + us%10)
		us /= 10
	}
	return append(dst, d[:]...)
}

// NewTable returns a table printer.
func NewTable(w *LineWriter) *Table { return &Table{w: w, buf: make([]byte, 0, 4096)} }

const tableHeader = "TIME            CONTAINER        COMM             PID     TID     EVENT                ARGS => RETVAL\n"

// Write renders ev.
func (t *Table) Write(ev *events.Event, c *containers.Container) error {
	if !t.header {
		t.header = true
		header := tableHeader
		if w := t.term.Width; w > 0 && len(header) > w+1 {
			header = header[:w] + "\n"
		}
		if err := t.w.Line([]byte(header)); err != nil {
			return err
		}
	}
	if t.term != (TerminalOptions{}) {
		t.buf, t.scratch = appendTerminalLine(t.buf[:0], t.scratch, ev, c, t.term, &t.clock)
	} else {
		t.buf = appendTableLine(t.buf[:0], ev, c, &t.clock, nil)
	}
	return t.w.Line(t.buf)
}

// Flush writes buffered output.
func (t *Table) Flush() error { return t.w.Flush() }

// AppendTableLine renders ev as one table line with its newline.
func AppendTableLine(dst []byte, ev *events.Event, c *containers.Container) []byte {
	return appendTableLine(dst, ev, c, nil, nil)
}

// lineMarks are the offsets (into dst) where a table line's columns start,
// for colouring and eliding it on a terminal. annot is where the peer and
// shared annotations after the return value start (end when there are none).
type lineMarks struct {
	line, container, comm, event, eventEnd, args, ret, annot, end int
	failed                                                        bool
}

// appendTableLine renders ev as one table line, the time's second from
// clock (nil: none), and notes its columns in m (nil: not wanted).
func appendTableLine(dst []byte, ev *events.Event, c *containers.Container, clock *tableClock, m *lineMarks) []byte {
	if m != nil {
		m.line = len(dst)
	}
	dst = clock.append(dst, ev.TimeNS)
	dst = pad(dst, 16, 15)
	start := len(dst)
	if m != nil {
		m.container = start
	}
	name := ""
	if c != nil {
		name = c.Info.Name
		if name == "" && len(c.Info.ID) >= 12 {
			name = c.Info.ID[:12]
		}
	}
	dst = AppendTerminal(dst, []byte(name))
	dst = pad(dst, 17, len(dst)-start)
	start = len(dst)
	if m != nil {
		m.comm = start
	}
	dst = AppendTerminal(dst, ev.Comm)
	dst = pad(dst, 17, len(dst)-start)
	start = len(dst)
	dst = strconv.AppendUint(dst, uint64(ev.PID), 10)
	dst = pad(dst, 8, len(dst)-start)
	start = len(dst)
	dst = strconv.AppendUint(dst, uint64(ev.TID), 10)
	dst = pad(dst, 8, len(dst)-start)
	start = len(dst)
	dst = append(dst, ev.Def.Name...)
	if m != nil {
		m.event, m.eventEnd = start, len(dst)
	}
	dst = pad(dst, 21, len(dst)-start)
	if m != nil {
		m.args = len(dst)
	}
	dst = append(dst, '(')
	params := ev.Def.Params
	for i := range params {
		if i >= events.MaxParams {
			break
		}
		p := &params[i]
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, p.Name...)
		dst = append(dst, '=')
		if p.Type == events.TypeFd && p.Fmt != sysfmt.None { // dirfd: AT_FDCWD
			dst = sysfmt.Append(dst, p.Fmt, ev.Vals[i])
		} else {
			dst = appendArg(dst, ev, i, p, false)
		}
		if p.Type == events.TypeFd && ev.FdDesc[i] != "" {
			dst = append(dst, '<')
			dst = AppendTerminal(dst, []byte(ev.FdDesc[i]))
			dst = append(dst, '>')
		}
	}
	dst = append(dst, ')')
	if m != nil {
		m.ret, m.failed = len(dst), errnoOf(ev) != 0
	}
	switch {
	case ev.NoReturn:
		dst = append(dst, " = ?"...)
	case ev.Unfinished:
		dst = append(dst, " <unfinished>"...)
	case errnoOf(ev) != 0:
		dst = append(dst, " = -1 "...)
		dst = sysfmt.AppendErrno(dst, errnoOf(ev))
	case ev.Def.Syscall || ev.Def.Result:
		dst = append(dst, " = "...)
		dst = appendRetval(dst, ev)
	}
	if m != nil {
		m.annot = len(dst)
	}
	dst = appendPeerTable(dst, ev)
	if m != nil {
		m.end = len(dst)
	}
	return append(dst, '\n')
}

// pad appends spaces so a column of used bytes fills width (at least one space).
func pad(dst []byte, width, used int) []byte {
	n := width - used
	if n < 1 {
		n = 1
	}
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}

// appendRetval renders a successful return value: addresses (mmap, brk) in
// hex as strace does, everything else in decimal.
func appendRetval(dst []byte, ev *events.Event) []byte {
	if ev.Retval > 1<<32 || ev.Retval < -4095 {
		dst = append(dst, '0', 'x')
		return strconv.AppendUint(dst, uint64(ev.Retval), 16)
	}
	return strconv.AppendInt(dst, ev.Retval, 10)
}
