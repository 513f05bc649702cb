package output

import (
	"strconv"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// appendStruct renders a decoded struct argument: a JSON object (or array
// for fd pairs) in JSON, strace-like braces in the table. A value that was
// not captured, or is an output of a failed call, renders as {} / [] (JSON)
// or the pointer (table).
func appendStruct(dst []byte, ev *events.Event, i int, p *events.Param, json bool) []byte {
	b, ok := ev.Value(i)
	kv := func(dst []byte, first bool, k string) []byte {
		if !first {
			dst = append(dst, ',')
			if !json {
				dst = append(dst, ' ')
			}
		}
		if json {
			dst = append(dst, '"')
			dst = append(dst, k...)
			return append(dst, '"', ':')
		}
		dst = append(dst, k...)
		return append(dst, '=')
	}
	str := func(dst []byte, s []byte) []byte { return appendString(dst, s, json) }
	empty := func() []byte {
		if json {
			if p.Type == events.TypeFdPair {
				return append(dst, '[', ']')
			}
			return append(dst, '{', '}')
		}
		return appendPtr(dst, ev.Vals[i], false)
	}
	if !ok {
		return empty()
	}
	switch p.Type {
	case events.TypeSockaddr:
		sa, ok := events.DecodeSockaddr(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '{')
		dst = kv(dst, true, "family")
		dst = str(dst, sysfmt.Append(nil, sysfmt.SocketFamily, uint64(sa.Family)))
		switch {
		case sa.Addr.IsValid():
			dst = kv(dst, false, "addr")
			dst = str(dst, sa.Addr.AppendTo(nil))
			dst = kv(dst, false, "port")
			dst = strconv.AppendUint(dst, uint64(sa.Port), 10)
		case sa.Family == 1:
			dst = kv(dst, false, "path")
			path := sa.Path
			if len(path) > 0 && path[0] == 0 {
				path = append([]byte{'@'}, path[1:]...)
			}
			dst = str(dst, path)
		}
		return append(dst, '}')
	case events.TypeTimespec, events.TypeTimeval:
		ts, ok := events.DecodeTimespec(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '{')
		dst = kv(dst, true, "sec")
		dst = strconv.AppendInt(dst, ts.Sec, 10)
		if p.Type == events.TypeTimeval {
			dst = kv(dst, false, "usec")
		} else {
			dst = kv(dst, false, "nsec")
		}
		dst = strconv.AppendInt(dst, ts.Nsec, 10)
		return append(dst, '}')
	case events.TypeStat:
		st, ok := events.DecodeStat(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '{')
		dst = kv(dst, true, "mode")
		dst = str(dst, sysfmt.Append(nil, sysfmt.NodeMode, uint64(st.Mode)))
		dst = kv(dst, false, "size")
		dst = strconv.AppendInt(dst, st.Size, 10)
		dst = kv(dst, false, "ino")
		dst = strconv.AppendUint(dst, st.Ino, 10)
		dst = kv(dst, false, "dev")
		dst = strconv.AppendUint(dst, st.Dev, 10)
		dst = kv(dst, false, "nlink")
		dst = strconv.AppendUint(dst, st.Nlink, 10)
		dst = kv(dst, false, "uid")
		dst = strconv.AppendUint(dst, uint64(st.UID), 10)
		dst = kv(dst, false, "gid")
		dst = strconv.AppendUint(dst, uint64(st.GID), 10)
		return append(dst, '}')
	case events.TypeCapHeader:
		h, ok := events.DecodeCapHeader(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '{')
		dst = kv(dst, true, "version")
		if name := sysfmt.CapVersion(h.Version); name != "" {
			dst = str(dst, []byte(name))
		} else {
			dst = str(dst, strconv.AppendUint([]byte("0x"), uint64(h.Version), 16))
		}
		dst = kv(dst, false, "pid")
		dst = strconv.AppendInt(dst, int64(h.PID), 10)
		return append(dst, '}')
	case events.TypeCapData:
		d, ok := events.DecodeCapData(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '{')
		for j, set := range [3]uint64{d.Effective, d.Permitted, d.Inheritable} {
			dst = kv(dst, j == 0, [3]string{"effective", "permitted", "inheritable"}[j])
			if json {
				dst = appendCapNames(dst, set)
			} else {
				dst = sysfmt.AppendCapSet(dst, set)
			}
		}
		return append(dst, '}')
	case events.TypeFdPair:
		fds, ok := events.DecodeFdPair(b)
		if !ok {
			return empty()
		}
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(fds[0]), 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(fds[1]), 10)
		return append(dst, ']')
	}
	return empty()
}

// appendCapNames renders a capability set as a JSON array of names.
func appendCapNames(dst []byte, set uint64) []byte {
	dst = append(dst, '[')
	first := true
	for n := 0; n < 64; n++ {
		if set&(1<<n) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		name := sysfmt.CapName(n)
		if name == "" {
			name = "CAP_" + strconv.Itoa(n)
		}
		dst = AppendJSONString(dst, []byte(name))
	}
	return append(dst, ']')
}
