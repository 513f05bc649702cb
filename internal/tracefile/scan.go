package tracefile

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// A fast decoder of one event line. ctrace's lines are flat objects whose
// few nested values (container, process, args, fds) are cheap to locate; a
// structural scan plus direct conversion of the common fields is several
// times faster than encoding/json on the whole line, and the container
// object (the same on many lines) is decoded once per distinct text. Any
// field order and unknown fields are accepted; whatever the scan cannot
// handle simply (escaped keys, odd shapes) falls back to encoding/json.

var errSyntax = errors.New("invalid JSON")

// containerCache maps a container object's text to its decoded value.
type containerCache map[string]Container

const containerCacheMax = 4096

// decodeEvent decodes line into ev (already reset).
func decodeEvent(line []byte, ev *Event, cache containerCache) error {
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		return errSyntax
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == '}' {
		return trailing(line, i+1)
	}
	for {
		if i >= len(line) || line[i] != '"' {
			return errSyntax
		}
		kend, err := skipString(line, i)
		if err != nil {
			return err
		}
		key := line[i+1 : kend-1]
		i = skipWS(line, kend)
		if i >= len(line) || line[i] != ':' {
			return errSyntax
		}
		vstart := skipWS(line, i+1)
		vend, err := skipValue(line, vstart)
		if err != nil {
			return err
		}
		if err := setField(ev, key, line[vstart:vend], cache); err != nil {
			return err
		}
		i = skipWS(line, vend)
		if i >= len(line) {
			return errSyntax
		}
		if line[i] == '}' {
			return trailing(line, i+1)
		}
		if line[i] != ',' {
			return errSyntax
		}
		i = skipWS(line, i+1)
	}
}

func trailing(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errSyntax
	}
	return nil
}

func setField(ev *Event, key, v []byte, cache containerCache) error {
	switch string(key) {
	case "timestamp":
		return str(v, &ev.Timestamp)
	case "event":
		return str(v, &ev.Event)
	case "error":
		return str(v, &ev.Error)
	case "syscall":
		return boolean(v, &ev.Syscall)
	case "noreturn":
		return boolean(v, &ev.NoReturn)
	case "unfinished":
		return boolean(v, &ev.Unfinished)
	case "retval":
		if string(v) == "null" {
			return nil
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return json.Unmarshal(v, &ev.Retval)
		}
		ev.Retval = &n
		return nil
	case "args":
		if len(v) == 0 || v[0] != '{' && string(v) != "null" {
			return errors.New(`"args" is not an object`)
		}
		ev.RawArgs = append(json.RawMessage(nil), v...)
		return nil
	case "container":
		if c, ok := cache[string(v)]; ok {
			ev.Container = c
			return nil
		}
		if err := json.Unmarshal(v, &ev.Container); err != nil {
			return err
		}
		if len(cache) >= containerCacheMax {
			clear(cache)
		}
		cache[string(v)] = ev.Container
		return nil
	case "process":
		return decodeProcess(v, &ev.Process)
	case "fds":
		return json.Unmarshal(v, &ev.Fds)
	case "truncated":
		return json.Unmarshal(v, &ev.Truncated)
	case "faults":
		return json.Unmarshal(v, &ev.Faults)
	}
	if mayName(key, eventFields) {
		return errFallback // encoding/json matches escaped or differently cased keys
	}
	return nil // unknown field: ignored (fields are only ever added)
}

var (
	eventFields   = []string{"timestamp", "event", "error", "syscall", "noreturn", "unfinished", "retval", "args", "container", "process", "fds", "truncated", "faults"}
	processFields = []string{"pid", "tid", "ppid", "uid", "gid", "comm"}
)

// mayName reports a key that encoding/json could match to one of fields
// although it is not spelled exactly so: escaped, or in another case.
func mayName(key []byte, fields []string) bool {
	for _, c := range key {
		if c == '\\' {
			return true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(string(key), f) {
			return true
		}
	}
	return false
}

var errFallback = errors.New("fallback")

// str decodes a JSON string; strings without escapes are taken as they are.
func str(v []byte, dst *string) error {
	if len(v) >= 2 && v[0] == '"' {
		plain := true
		for _, c := range v[1 : len(v)-1] {
			if c == '\\' || c < 0x20 || c >= 0x80 {
				plain = false
				break
			}
		}
		if plain {
			*dst = string(v[1 : len(v)-1])
			return nil
		}
	}
	return json.Unmarshal(v, dst)
}

func boolean(v []byte, dst *bool) error {
	switch string(v) {
	case "true":
		*dst = true
	case "false", "null":
		*dst = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}

// decodeProcess decodes the process object: integers and comm.
func decodeProcess(v []byte, p *Process) error {
	i := skipWS(v, 0)
	if i >= len(v) || v[i] != '{' {
		if string(v) == "null" {
			return nil
		}
		return errSyntax
	}
	i = skipWS(v, i+1)
	if i < len(v) && v[i] == '}' {
		return nil
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return errSyntax
		}
		kend, err := skipString(v, i)
		if err != nil {
			return err
		}
		key := string(v[i+1 : kend-1])
		i = skipWS(v, kend)
		if i >= len(v) || v[i] != ':' {
			return errSyntax
		}
		vs := skipWS(v, i+1)
		ve, err := skipValue(v, vs)
		if err != nil {
			return err
		}
		val := v[vs:ve]
		var dst *int64
		switch key {
		case "pid":
			dst = &p.PID
		case "tid":
			dst = &p.TID
		case "ppid":
			dst = &p.PPID
		case "uid":
			dst = &p.UID
		case "gid":
			dst = &p.GID
		case "comm":
			if err := str(val, &p.Comm); err != nil {
				return err
			}
		default:
			if mayName([]byte(key), processFields) {
				return errFallback
			}
		}
		if dst != nil {
			n, err := strconv.ParseInt(string(val), 10, 64)
			if err != nil {
				return json.Unmarshal(val, dst)
			}
			*dst = n
		}
		i = skipWS(v, ve)
		if i >= len(v) {
			return errSyntax
		}
		if v[i] == '}' {
			return nil
		}
		if v[i] != ',' {
			return errSyntax
		}
		i = skipWS(v, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"',
// checking its escapes.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			j++
			if j >= len(b) {
				return 0, errSyntax
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return 0, errSyntax
				}
				for _, h := range b[j+1 : j+5] {
					if _, ok := unhex(h); !ok {
						return 0, errSyntax
					}
				}
				j += 4
			default:
				return 0, errSyntax
			}
		case c < 0x20:
			return 0, errSyntax
		}
	}
	return 0, errSyntax
}

// maxDepth bounds nesting as encoding/json does.
const maxDepth = 10000

// skipValue returns the index after the JSON value starting at b[i],
// checking JSON's grammar (not decoding anything).
func skipValue(b []byte, i int) (int, error) { return skipValueDepth(b, i, 0) }

func skipValueDepth(b []byte, i, depth int) (int, error) {
	if i >= len(b) || depth > maxDepth {
		return 0, errSyntax
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, errSyntax
			}
			end, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return 0, errSyntax
			}
			if i, err = skipValueDepth(b, skipWS(b, i+1), depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == '}' {
				return i + 1, nil
			}
			if i >= len(b) || b[i] != ',' {
				return 0, errSyntax
			}
			i = skipWS(b, i+1)
		}
	case c == '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = skipValueDepth(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ']' {
				return i + 1, nil
			}
			if i >= len(b) || b[i] != ',' {
				return 0, errSyntax
			}
			i = skipWS(b, i+1)
		}
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit), nil
			}
		}
		return 0, errSyntax
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	}
	return 0, errSyntax
}

// skipNumber checks JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, error) {
	digits := func(j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return 0, errSyntax
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, errSyntax
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, errSyntax
		}
		i = j
	}
	return i, nil
}
