package output

import (
	"strconv"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// JSON writes one JSON object per event per line (NDJSON). The shape is
// documented in docs/events.md; fields are only ever added.
type JSON struct {
	w   *LineWriter
	buf []byte
	enc jsonCache
	// frag caches each container's rendered "container" object.
	frag  map[*containers.Container][]byte
	lastC *containers.Container
	lastF []byte
}

// NewJSON returns a JSON-lines printer.
func NewJSON(w *LineWriter) *JSON {
	return &JSON{w: w, buf: make([]byte, 0, 4096), frag: map[*containers.Container][]byte{}}
}

// Write renders ev.
func (j *JSON) Write(ev *events.Event, c *containers.Container) error {
	// Rendered straight into the writer's free space, where it stays.
	buf, err := j.w.Room(minLineRoom, j.buf)
	if err != nil {
		return err
	}
	buf = appendJSON(buf, ev, j.containerJSON(c), &j.enc)
	buf = append(buf, '\n')
	return j.w.Line(buf)
}

// minLineRoom is the free space of the writer in which a line is rendered
// in place (a small part of the smaller buffer, streamBufferSize); longer
// lines (exec with long arguments) spill into a new slice, which the
// writer then copies.
const minLineRoom = 4 << 10

// Flush writes buffered output.
func (j *JSON) Flush() error { return j.w.Flush() }

func (j *JSON) containerJSON(c *containers.Container) []byte {
	if c == j.lastC && j.lastF != nil {
		return j.lastF
	}
	b, ok := j.frag[c]
	if !ok {
		b = AppendContainerJSON(nil, c)
		if len(j.frag) > 4096 { // containers come and go: bound the cache
			clear(j.frag)
		}
		j.frag[c] = b
	}
	j.lastC, j.lastF = c, b
	return b
}

// jsonCache keeps the parts of a JSON line that repeat from one event to
// the next, rendered: the timestamp's second, each event's name and
// argument keys, the process object, fd descriptions. A line rendered with
// it is byte for byte what AppendJSON renders.
type jsonCache struct {
	sec       int64
	secPrefix []byte // "2026-11-28T23:55:38" of sec

	defs   map[*events.Def]*defJSON
	recent [64]*defJSON // direct-mapped by event ID in front of defs
	proc   procKey
	procFr []byte // rendered `,"process":{…},"args":{` of proc
	comm   []byte // proc's comm (owned copy)
	// fdDescs caches the last fdDescWays escaped descriptions per fd
	// parameter (a read of one file alternating with a write of another
	// would miss a one-entry cache every time).
	fdDescs [events.MaxParams][fdDescWays]struct {
		desc string
		json []byte
	}
	fdDescNext [events.MaxParams]uint8 // the way replaced next
}

// defJSON is what is fixed per event definition.
type defJSON struct {
	def  *events.Def
	head []byte   // `","event":"read","syscall":true,"container":`
	keys [][]byte // per parameter: `"fd":`, `,"buf":`, …
}

type procKey struct{ pid, tid, ppid, uid, gid uint32 }

func (c *jsonCache) def(d *events.Def) *defJSON {
	slot := &c.recent[uint32(d.ID)%uint32(len(c.recent))]
	if dj := *slot; dj != nil && dj.def == d {
		return dj
	}
	dj, ok := c.defs[d]
	if !ok {
		dj = &defJSON{def: d}
		dj.head = append(dj.head, `","event":`...)
		dj.head = AppendJSONString(dj.head, []byte(d.Name))
		if d.Syscall {
			dj.head = append(dj.head, `,"syscall":true`...)
		} else {
			dj.head = append(dj.head, `,"syscall":false`...)
		}
		dj.head = append(dj.head, `,"container":`...)
		for i, p := range d.Params {
			var k []byte
			if i > 0 {
				k = append(k, ',')
			}
			k = AppendJSONString(k, []byte(p.Name))
			dj.keys = append(dj.keys, append(k, ':'))
		}
		if c.defs == nil || len(c.defs) > 4096 { // unknown syscall numbers make new definitions: bound
			c.defs = map[*events.Def]*defJSON{}
			c.recent = [64]*defJSON{}
		}
		c.defs[d] = dj
	}
	*slot = dj
	return dj
}

// appendTime renders ns as time.RFC3339Nano in UTC, the second from cache.
func (c *jsonCache) appendTime(dst []byte, ns int64) []byte {
	sec, frac := ns/1e9, ns%1e9
	if frac < 0 {
		return appendTime(dst, ns) // before 1970: not worth a cache
	}
	if sec != c.sec || c.secPrefix == nil {
		c.sec = sec
		c.secPrefix = time.Unix(sec, 0).UTC().AppendFormat(c.secPrefix[:0], "2006-01-02T15:04:05")
	}
	dst = append(dst, c.secPrefix...)
	if frac != 0 {
		// Nine digits, two at a time from constant divisions (no loop, no
		// bounds checks: pair indices are masked into the 256-byte table).
		var d [10]byte
		v := uint32(frac)
		p1, v := v/10_000_000, v%10_000_000
		p2, v := v/100_000, v%100_000
		p3, v := v/1000, v%1000
		p4, d9 := v/10, v%10
		d[0] = '.'
		d[1], d[2] = digitPairs[(2*p1)&255], digitPairs[(2*p1+1)&255]
		d[3], d[4] = digitPairs[(2*p2)&255], digitPairs[(2*p2+1)&255]
		d[5], d[6] = digitPairs[(2*p3)&255], digitPairs[(2*p3+1)&255]
		d[7], d[8] = digitPairs[(2*p4)&255], digitPairs[(2*p4+1)&255]
		d[9] = byte('0' + d9)
		n := 10
		for n > 1 && d[n-1] == '0' {
			n--
		}
		dst = append(dst, d[:n]...)
	}
	return append(dst, 'Z')
}

// digitPairs holds "00" to "99", padded to 256 bytes so that a masked
// index needs no bounds check.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899" +
	"--------------------------------------------------------"

// appendProcess renders `,"process":{…},"args":{` for ev, from cache when
// the process is the last one's.
func (c *jsonCache) appendProcess(dst []byte, ev *events.Event) []byte {
	k := procKey{ev.PID, ev.TID, ev.PPID, ev.UID, ev.GID}
	if k != c.proc || c.procFr == nil || string(ev.Comm) != string(c.comm) {
		c.proc = k
		c.comm = append(c.comm[:0], ev.Comm...)
		c.procFr = appendProcessJSON(c.procFr[:0], ev)
	}
	return append(dst, c.procFr...)
}

func appendProcessJSON(dst []byte, ev *events.Event) []byte {
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
	return append(dst, `},"args":{`...)
}

// appendFdDesc renders fd description d of parameter i as a JSON string, from cache when it repeats.
const fdDescWays = 4

func (c *jsonCache) appendFdDesc(dst []byte, i int, d string) []byte {
	ways := &c.fdDescs[i]
	for w := range ways {
		if fc := &ways[w]; fc.json != nil && fc.desc == d {
			return append(dst, fc.json...)
		}
	}
	w := c.fdDescNext[i] % fdDescWays
	c.fdDescNext[i] = w + 1
	fc := &ways[w]
	fc.desc = d
	fc.json = AppendJSONString(fc.json[:0], []byte(d))
	return append(dst, fc.json...)
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
	var c jsonCache
	return appendJSON(dst, ev, container, &c)
}

// appendJSON is AppendJSON with the repeating parts from c.
func appendJSON(dst []byte, ev *events.Event, container []byte, c *jsonCache) []byte {
	dj := c.def(ev.Def)
	dst = append(dst, `{"timestamp":"`...)
	dst = c.appendTime(dst, ev.TimeNS)
	dst = append(dst, dj.head...)
	dst = append(dst, container...)
	dst = c.appendProcess(dst, ev)
	params := ev.Def.Params
	for i := range params {
		if i >= events.MaxParams {
			break
		}
		dst = append(dst, dj.keys[i]...)
		dst = appendArg(dst, ev, i, &params[i], true)
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
	dst = appendFdDescs(dst, ev, dj, c)
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
func appendFdDescs(dst []byte, ev *events.Event, dj *defJSON, c *jsonCache) []byte {
	first := true
	n := min(len(ev.Def.Params), len(ev.FdDesc))
	for i := range n {
		d := ev.FdDesc[i]
		if d == "" {
			continue
		}
		key := dj.keys[i]
		if first {
			dst = append(dst, `,"fds":{`...)
			first = false
			if key[0] == ',' {
				key = key[1:]
			}
		} else if key[0] != ',' {
			dst = append(dst, ',')
		}
		dst = append(dst, key...)
		dst = c.appendFdDesc(dst, i, d)
	}
	if !first {
		dst = append(dst, '}')
	}
	return dst
}
