package output

import (
	"bufio"
	"strconv"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// JSON writes one JSON object per event per line (NDJSON). The shape is
// documented in docs/events.md; fields are only ever added.
type JSON struct {
	w   *bufio.Writer
	buf []byte
	// frag caches each container's rendered "container" object.
	frag map[*containers.Container][]byte
}

// NewJSON returns a JSON-lines printer.
func NewJSON(w *bufio.Writer) *JSON {
	return &JSON{w: w, buf: make([]byte, 0, 4096), frag: map[*containers.Container][]byte{}}
}

// Write renders ev.
func (j *JSON) Write(ev *events.Event, c *containers.Container) error {
	j.buf = AppendJSON(j.buf[:0], ev, j.containerJSON(c))
	j.buf = append(j.buf, '\n')
	return writeLines(j.w, j.buf)
}

// Flush writes buffered output.
func (j *JSON) Flush() error { return j.w.Flush() }

func (j *JSON) containerJSON(c *containers.Container) []byte {
	if b, ok := j.frag[c]; ok {
		return b
	}
	b := AppendContainerJSON(nil, c)
	if len(j.frag) > 4096 { // containers come and go: bound the cache
		clear(j.frag)
	}
	j.frag[c] = b
	return b
}

// AppendContainerJSON renders the "container" object.
func AppendContainerJSON(dst []byte, c *containers.Container) []byte {
	var info containers.Info
	if c != nil {
		info = c.Info
	}
	dst = append(dst, `{"id":`...)
	dst = AppendJSONString(dst, []byte(info.ID))
	dst = append(dst, `,"name":`...)
	dst = AppendJSONString(dst, []byte(info.Name))
	dst = append(dst, `,"image":`...)
	dst = AppendJSONString(dst, []byte(info.Image))
	dst = append(dst, `,"runtime":`...)
	dst = AppendJSONString(dst, []byte(info.Runtime))
	if p := info.Pod; p != nil {
		dst = append(dst, `,"pod":{"name":`...)
		dst = AppendJSONString(dst, []byte(p.Name))
		dst = append(dst, `,"namespace":`...)
		dst = AppendJSONString(dst, []byte(p.Namespace))
		dst = append(dst, `,"uid":`...)
		dst = AppendJSONString(dst, []byte(p.UID))
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// AppendJSON renders ev as one JSON object (without newline), with the
// container object already rendered.
func AppendJSON(dst []byte, ev *events.Event, container []byte) []byte {
	dst = append(dst, `{"timestamp":"`...)
	dst = appendTime(dst, ev.TimeNS)
	dst = append(dst, `","event":`...)
	dst = AppendJSONString(dst, []byte(ev.Def.Name))
	if ev.Def.Syscall {
		dst = append(dst, `,"syscall":true`...)
	} else {
		dst = append(dst, `,"syscall":false`...)
	}
	dst = append(dst, `,"container":`...)
	dst = append(dst, container...)
	dst = append(dst, `,"process":{"pid":`...)
	dst = strconv.AppendUint(dst, uint64(ev.PID), 10)
	dst = append(dst, `,"tid":`...)
	dst = strconv.AppendUint(dst, uint64(ev.TID), 10)
	dst = append(dst, `,"ppid":`...)
	dst = strconv.AppendUint(dst, uint64(ev.PPID), 10)
	dst = append(dst, `,"comm":`...)
	dst = AppendJSONString(dst, ev.Comm)
	dst = append(dst, `,"uid":`...)
	dst = strconv.AppendUint(dst, uint64(ev.UID), 10)
	dst = append(dst, `,"gid":`...)
	dst = strconv.AppendUint(dst, uint64(ev.GID), 10)
	dst = append(dst, `},"args":{`...)
	for i, p := range ev.Def.Params {
		if i >= events.MaxParams {
			break
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, []byte(p.Name))
		dst = append(dst, ':')
		dst = appendArg(dst, ev, i, p, true)
	}
	dst = append(dst, '}')
	if ev.Def.Syscall || ev.Def.Result {
		dst = append(dst, `,"retval":`...)
		dst = strconv.AppendInt(dst, ev.Retval, 10)
		if e := errnoOf(ev); e != 0 {
			dst = append(dst, `,"error":"`...)
			if name, ok := sysfmt.Errno(e); ok {
				dst = append(dst, name...)
			} else {
				dst = append(dst, 'E')
				dst = strconv.AppendInt(dst, int64(e), 10)
			}
			dst = append(dst, '"')
		}
	}
	if ev.NoReturn {
		dst = append(dst, `,"noreturn":true`...)
	}
	if ev.Unfinished {
		dst = append(dst, `,"unfinished":true`...)
	}
	dst = appendFdDescs(dst, ev)
	dst = appendPeerJSON(dst, ev)
	dst = appendParamList(dst, ev, "truncated", func(s events.Str) bool { return s.Truncated || s.More })
	dst = appendParamList(dst, ev, "faults", func(s events.Str) bool { return s.Fault })
	return append(dst, '}')
}

// appendParamList appends `,"key":["param",…]` for the parameters whose
// string values match f; nothing if none do.
func appendParamList(dst []byte, ev *events.Event, key string, f func(events.Str) bool) []byte {
	var seen uint8
	for _, s := range ev.Strs {
		if !f(s) || int(s.Param) >= len(ev.Def.Params) || seen&(1<<s.Param) != 0 {
			continue
		}
		if seen == 0 {
			dst = append(dst, `,"`...)
			dst = append(dst, key...)
			dst = append(dst, `":[`...)
		} else {
			dst = append(dst, ',')
		}
		seen |= 1 << s.Param
		dst = AppendJSONString(dst, []byte(ev.Def.Params[s.Param].Name))
	}
	if seen != 0 {
		dst = append(dst, ']')
	}
	return dst
}

// appendFdDescs appends `,"fds":{"fd":"/etc/hostname",…}` for fd parameters
// whose target is known; nothing if none is.
func appendFdDescs(dst []byte, ev *events.Event) []byte {
	first := true
	for i, d := range ev.FdDesc {
		if d == "" || i >= len(ev.Def.Params) {
			continue
		}
		if first {
			dst = append(dst, `,"fds":{`...)
			first = false
		} else {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, []byte(ev.Def.Params[i].Name))
		dst = append(dst, ':')
		dst = AppendJSONString(dst, []byte(d))
	}
	if !first {
		dst = append(dst, '}')
	}
	return dst
}
