package output

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// errnoOf returns the errno of a failed syscall event, or 0.
func errnoOf(ev *events.Event) int {
	if ev.HasReturn() && ev.Retval < 0 && ev.Retval >= -4095 {
		return int(-ev.Retval)
	}
	return 0
}

// Printer writes events. Write may buffer; Flush makes everything written so far visible.
type Printer interface {
	Write(ev *events.Event, c *containers.Container) error
	Flush() error
}

// Format names an output format.
type Format string

const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
)

// Formats lists the accepted formats, for flags, config and completion.
var Formats = []Format{FormatTable, FormatJSON}

// ParseFormat validates a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q (use table or json)", s)
}

// New returns a printer of format f writing to w through a buffer sized
// for it (bufferSize; write-behind when w is a regular file: see
// writeBehind).
func New(f Format, w io.Writer) Printer { return NewTerminal(f, w, TerminalOptions{}) }

// Buffer sizes of the printers (bufferSize).
const (
	fileBufferSize   = 512 << 10
	streamBufferSize = 64 << 10
)

// bufferSize is the printers' buffer for w, as small as stays in the CPU's
// cache while lines are rendered into it and the kernel copies them out,
// since rendering into lines that are not costs more than writing less
// often saves. Anything but a regular file (a pipe, a terminal, /dev/null)
// gets 64 KiB (measured, JSON storm to /dev/null: 535 -> 443 ns of ctrace
// CPU per event, median of 4 alternating runs, against 1 MiB). A regular
// file gets 512 KiB: the page cache costs much more per byte in smaller
// writes (64 KiB writes cost ~50 ns more per 400-byte line than 1 MiB
// ones; 256 KiB to 1 MiB cost the same), and the buffer, the page-cache
// pages it is copied to and the ring's records still fit in a 2 MiB L2
// (JSON storm to a file, alternating runs: medians 439 -> 391, 445 -> 428,
// 466 -> 408 ns of ctrace CPU per event against 1 MiB; 13 of 19 pairs
// lower). Wrappers are looked through with Unwrap (tracefile.Counter).
func bufferSize(w io.Writer) int {
	for {
		switch x := w.(type) {
		case *writeBehind:
			return fileBufferSize
		case *os.File:
			if st, err := x.Stat(); err == nil && st.Mode().IsRegular() {
				return fileBufferSize
			}
			return streamBufferSize
		case interface{ Unwrap() io.Writer }:
			w = x.Unwrap()
		default:
			return streamBufferSize
		}
	}
}

// appendArg appends the value of parameter i of ev, for JSON (quoted
// strings, typed numbers) or for the table (terminal-escaped).
func appendArg(dst []byte, ev *events.Event, i int, p *events.Param, json bool) []byte {
	v := ev.Vals[i]
	if p.Symbolic() {
		if json {
			dst = append(dst, '"')
			dst = sysfmt.Append(dst, p.Format(&ev.Vals), v)
			return append(dst, '"')
		}
		return sysfmt.Append(dst, p.Format(&ev.Vals), v)
	}
	switch p.Type {
	case events.TypeInt, events.TypeFd:
		if p.Size == 4 {
			return strconv.AppendInt(dst, int64(int32(v)), 10)
		}
		return strconv.AppendInt(dst, int64(v), 10)
	case events.TypeUint:
		if p.Size == 4 {
			v = uint64(uint32(v))
		}
		return strconv.AppendUint(dst, v, 10)
	case events.TypePtr:
		return appendPtr(dst, v, json)
	case events.TypeStr:
		dst = appendString(dst, ev.Str(i), json)
		if !json && hasFlag(ev, i, func(s events.Str) bool { return s.Truncated }) {
			dst = append(dst, "..."...) // cut at the kernel's limit, as strace marks it
		}
		return dst
	case events.TypeSockaddr, events.TypeTimespec, events.TypeTimeval, events.TypeStat, events.TypeFdPair,
		events.TypeCapHeader, events.TypeCapData:
		return appendStruct(dst, ev, i, p, json)
	case events.TypeBuf:
		if b, ok := ev.Value(i); ok {
			return appendString(dst, b, json)
		}
		return appendPtr(dst, v, json)
	case events.TypeStrArr:
		dst = append(dst, '[')
		n := 0
		for _, s := range ev.Strs {
			if int(s.Param) != i || (len(s.Value) == 0 && (s.More || s.Fault)) {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
				if !json {
					dst = append(dst, ' ')
				}
			}
			n++
			dst = appendString(dst, s.Value, json)
			if !json && s.Truncated {
				dst = append(dst, "..."...)
			}
		}
		if !json && hasFlag(ev, i, func(s events.Str) bool { return s.More }) {
			if n > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, "..."...)
		}
		return append(dst, ']')
	}
	return strconv.AppendUint(dst, v, 10)
}

// appendPtr renders a pointer: "0x…" (quoted in JSON), NULL in the table.
func appendPtr(dst []byte, v uint64, json bool) []byte {
	if !json && v == 0 {
		return append(dst, "NULL"...)
	}
	if json {
		dst = append(dst, '"')
	}
	dst = append(dst, '0', 'x')
	dst = appendHex(dst, v)
	if json {
		dst = append(dst, '"')
	}
	return dst
}

// appendHex is strconv.AppendUint(dst, v, 16) without its generality.
func appendHex(dst []byte, v uint64) []byte {
	var b [16]byte
	i := len(b)
	for {
		i--
		b[i&15] = hexDigits[v&0xf]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return append(dst, b[i&15:]...)
}

// appendString renders a container-controlled string: a JSON string, or a
// quoted terminal-escaped one.
func appendString(dst, s []byte, json bool) []byte {
	if json {
		return AppendJSONString(dst, s)
	}
	dst = append(dst, '"')
	dst = AppendTerminalQuoted(dst, s)
	return append(dst, '"')
}

func hasFlag(ev *events.Event, i int, f func(events.Str) bool) bool {
	for _, s := range ev.Strs {
		if int(s.Param) == i && f(s) {
			return true
		}
	}
	return false
}

func appendTime(dst []byte, ns int64) []byte {
	return time.Unix(0, ns).UTC().AppendFormat(dst, time.RFC3339Nano)
}
