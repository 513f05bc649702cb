// Package tracefile reads and writes ctrace's trace files: the NDJSON files
// `ctrace trace --output-format json` writes to events-path, which `ctrace
// report` and seccomp generation read back. It owns the three promises a
// trace file makes (docs/events.md, "Files"):
//
//   - strings are lossless: DecodeString recovers the exact bytes of any
//     string value;
//   - a file is only ever appended to (or replaced with --overwrite) and is
//     written in whole lines, so a crash leaves at most one partial last
//     line; Create cuts such a tail before appending, with a warning;
//   - every reader skips a partial last line with a warning (Reader).
//
// The package depends on nothing else in ctrace, so any tool can use it.
package tracefile

import (
	"fmt"
	"strings"
)

// DecodeString returns the bytes a ctrace JSON string value stands for.
// ctrace writes strings in strace's convention: a backslash is doubled and a
// byte that is not part of valid UTF-8 is written as \xNN (two lowercase or
// uppercase hex digits); everything else is the text itself. Any other use
// of a backslash is an error, so a value that ctrace did not write is
// reported rather than misread.
func DecodeString(s string) ([]byte, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return []byte(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(s) {
			return nil, fmt.Errorf("string ends with a lone backslash")
		}
		switch s[i+1] {
		case '\\':
			out = append(out, '\\')
			i++
		case 'x':
			if i+3 >= len(s) {
				return nil, fmt.Errorf("incomplete \\x escape at byte %d", i)
			}
			hi, ok1 := unhex(s[i+2])
			lo, ok2 := unhex(s[i+3])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("bad \\x escape %q at byte %d", s[i:i+4], i)
			}
			out = append(out, hi<<4|lo)
			i += 3
		default:
			return nil, fmt.Errorf("unknown escape \\%c at byte %d", s[i+1], i)
		}
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
