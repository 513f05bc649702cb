package output

import (
	"io"
	"unicode/utf8"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// TerminalOptions shape a table shown on a terminal. Files and pipes get
// the zero value: no colour, no elision.
type TerminalOptions struct {
	// Color adds ANSI colours (only on a terminal, never with NO_COLOR).
	Color bool
	// Width elides each line's argument list with "…" so the line fits
	// this many columns; 0 never elides.
	Width int
}

// NewTerminal is New for a terminal: the table gets opts; JSON is unchanged.
// (New is NewTerminal with the zero opts.)
func NewTerminal(f Format, w io.Writer, opts TerminalOptions) Printer {
	w = newWriteBehind(w)
	bw := NewLineWriter(w, bufferSize(w))
	if f == FormatJSON {
		return NewJSON(bw)
	}
	t := NewTable(bw)
	t.term = opts
	return t
}

// ANSI SGR sequences.
const (
	sgrReset = "\x1b[0m"
	sgrDim   = "\x1b[2m"
	sgrBold  = "\x1b[1m"
	sgrCyan  = "\x1b[36m"
	sgrRed   = "\x1b[31m"
)

// appendTerminalLine renders ev for a terminal: the plain line, elided to
// the width, then coloured. Colour codes are added around whole columns, so
// they never split an escape of a container-controlled string.
func appendTerminalLine(dst []byte, scratch []byte, ev *events.Event, c *containers.Container, o TerminalOptions,
	clock *tableClock) ([]byte, []byte) {
	var m lineMarks
	line := appendTableLine(scratch[:0], ev, c, clock, &m)
	if o.Width > 0 {
		line, m = elide(line, m, o.Width)
	}
	if !o.Color {
		return append(dst, line...), line
	}
	seg := func(dst []byte, from, to int, sgr string) []byte {
		if from >= to {
			return dst
		}
		if sgr == "" {
			return append(dst, line[from:to]...)
		}
		dst = append(dst, sgr...)
		dst = append(dst, line[from:to]...)
		return append(dst, sgrReset...)
	}
	dst = seg(dst, m.line, m.line+15, sgrDim) // the time
	dst = seg(dst, m.line+15, m.container, "")
	dst = seg(dst, m.container, m.comm, sgrCyan)
	dst = seg(dst, m.comm, m.event, "")
	dst = seg(dst, m.event, m.eventEnd, sgrBold)
	dst = seg(dst, m.eventEnd, m.ret, "")
	if m.failed {
		dst = seg(dst, m.ret, m.annot, sgrRed)
	} else {
		dst = seg(dst, m.ret, m.annot, "")
	}
	dst = seg(dst, m.annot, m.end, "") // peer=… shared=[…]
	return append(dst, line[m.end:]...), line
}

// elide shortens the argument list of line (from the "(" at m.args to the
// ")" before m.ret) so the line is at most width columns, ending it with
// "…)". Columns are counted as runes.
func elide(line []byte, m lineMarks, width int) ([]byte, lineMarks) {
	total := utf8.RuneCount(line[m.line:m.end])
	if total <= width {
		return line, m
	}
	fixed := utf8.RuneCount(line[m.line:m.args+1]) + utf8.RuneCount(line[m.ret-1:m.end]) // up to "(", and ")…retval peer=…"
	room := width - fixed - 1                                                            // "…"
	args := line[m.args+1 : m.ret-1]
	if room < 0 { // even without arguments the line is too wide: cut it
		return cutLine(line, m, width)
	}
	cut := 0
	for n := 0; n < room && cut < len(args); n++ {
		_, size := utf8.DecodeRune(args[cut:])
		cut += size
	}
	if cut >= len(args) {
		return line, m
	}
	out := make([]byte, 0, len(line))
	out = append(out, line[:m.args+1+cut]...)
	out = append(out, "…"...)
	shift := len(out) - (m.ret - 1)
	out = append(out, line[m.ret-1:]...)
	m.ret += shift
	m.annot += shift
	m.end += shift
	return out, m
}

// cutLine cuts line to width-1 columns plus "…", moving marks past the cut to it.
func cutLine(line []byte, m lineMarks, width int) ([]byte, lineMarks) {
	cut := m.line
	for n := 0; n < width-1 && cut < m.end; n++ {
		_, size := utf8.DecodeRune(line[cut:])
		cut += size
	}
	out := append(line[:cut:cut], "…"...)
	clamp := func(p *int) {
		if *p > cut {
			*p = cut
		}
	}
	for _, p := range []*int{&m.container, &m.comm, &m.event, &m.eventEnd, &m.args, &m.ret, &m.annot} {
		clamp(p)
	}
	m.end = len(out)
	return append(out, '\n'), m
}
