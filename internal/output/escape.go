// Package output renders events as JSON lines or as a table. Container-
// controlled strings (file names, comm, arguments) are escaped so they can
// never drive a terminal.
package output

import (
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal whose decoded value
// is s in ctrace's string convention (docs/events.md, "Strings"), the one
// strace uses: a backslash is written as two backslashes and a byte that is
// not part of valid UTF-8 as \xNN (backslash, x, two lowercase hex digits);
// everything else is the text itself. The output is always valid JSON, and
// the convention is reversible (tracefile.DecodeString), so a path with a
// backslash never reads like a binary one. Control characters, DEL and the
// characters that can disguise text (bidirectional overrides, zero-width
// characters) are written as JSON \u escapes: they decode to themselves.
func AppendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\': // decoded value: two backslashes
				dst = append(dst, '\\', '\\', '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 || isBidiOrInvisible(r) {
			dst = append(dst, s[start:i]...)
			if size == 1 {
				dst = append(dst, '\\', '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				dst = appendUEscape(dst, r)
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendUEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// AppendTerminal appends s for display on a terminal: printable ASCII and
// printable UTF-8 pass; control characters, DEL, C1 controls, invisible and
// bidirectional-override characters and invalid bytes become \n, \t, \xNN or
// \u{NNNN} escapes; backslashes are doubled so escapes stay unambiguous.
func AppendTerminal(dst []byte, s []byte) []byte { return appendTerminal(dst, s, false) }

// AppendTerminalQuoted is AppendTerminal for the inside of a double-quoted
// string, as strace prints one: a double quote is escaped too (\"), so the
// closing quote is always the string's end.
func AppendTerminalQuoted(dst []byte, s []byte) []byte { return appendTerminal(dst, s, true) }

// termPlain and termQuoted mark the bytes that appendTerminal copies as
// they are (printable ASCII but the backslash; and the double quote only
// outside quotes): runs of them are copied at once.
var termPlain, termQuoted = func() (plain, quoted [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		plain[c] = c != '\\'
		quoted[c] = c != '\\' && c != '"'
	}
	return
}()

func appendTerminal(dst []byte, s []byte, quoted bool) []byte {
	pass := &termPlain
	if quoted {
		pass = &termQuoted
	}
	for i := 0; i < len(s); {
		if pass[s[i]] {
			j := i + 1
			for j < len(s) && pass[s[j]] {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				dst = append(dst, '\\', '\\')
			case c == '"' && quoted:
				dst = append(dst, '\\', '"')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case r < 0xa0 || isBidiOrInvisible(r):
			dst = append(dst, '\\', 'u', '{')
			dst = append(dst, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			dst = append(dst, '}')
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// isBidiOrInvisible reports characters that can disguise what a terminal
// shows: bidirectional controls (Trojan Source), zero-width characters, the
// line and paragraph separators, and C1 controls.
func isBidiOrInvisible(r rune) bool {
	switch {
	case r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0x061c:
		return true
	}
	return false
}
