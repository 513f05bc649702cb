package sysfmt

// xent is one named value of a table.
type xent struct {
	v uint64
	s string
}

// width masks of the C types.
const (
	w32 = 0xffffffff
	w64 = ^uint64(0)
)

const hexDigits = "0123456789abcdef"

// appendHex appends v as C's "%#x" does: "0" for zero, else "0x…".
func appendHex(dst []byte, v uint64) []byte {
	if v == 0 {
		return append(dst, '0')
	}
	var buf [18]byte
	i := len(buf)
	for v != 0 {
		i--
		buf[i] = hexDigits[v&0xf]
		v >>= 4
	}
	i--
	buf[i] = 'x'
	i--
	buf[i] = '0'
	return append(dst, buf[i:]...)
}

// appendUint appends v in decimal.
func appendUint(dst []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// appendInt appends v in signed decimal.
func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		dst = append(dst, '-')
		return appendUint(dst, uint64(-v)) // -MinInt64 wraps to itself, which is the right magnitude
	}
	return appendUint(dst, uint64(v))
}

// appendOctal appends v as C's "%#03o" does: at least three characters,
// with a leading 0 ("000", "0644", "0100644").
func appendOctal(dst []byte, v uint64) []byte {
	var buf [24]byte
	i := len(buf)
	for v != 0 {
		i--
		buf[i] = byte('0' + v&7)
		v >>= 3
	}
	i--
	buf[i] = '0'
	for len(buf)-i < 3 {
		i--
		buf[i] = '0'
	}
	return append(dst, buf[i:]...)
}

// appendUnknown appends strace's rendering of a value that has no name:
// "0x5 /* SEEK_??? */".
func appendUnknown(dst []byte, v uint64, dflt string) []byte {
	dst = appendHex(dst, v)
	if dflt == "" {
		return dst
	}
	dst = append(dst, " /* "...)
	dst = append(dst, dflt...)
	return append(dst, " */"...)
}

// lookup returns the name of v in tab.
func lookup(tab []xent, v uint64) (string, bool) {
	for i := range tab {
		if tab[i].v == v {
			return tab[i].s, true
		}
	}
	return "", false
}

// appendEnum appends the name of v, or the unknown form.
func appendEnum(dst []byte, tab []xent, v uint64, dflt string) []byte {
	if s, ok := lookup(tab, v); ok {
		return append(dst, s...)
	}
	return appendUnknown(dst, v, dflt)
}

// appendFlagBits appends the names of the entries of tab whose bits are all
// set in v, in table order, each consumed once, separated by '|'; sep tells
// whether something was already written in this field (so the first name
// needs a '|' too). It returns the bits no entry claimed and the new sep.
func appendFlagBits(dst []byte, tab []xent, v uint64, sep bool) ([]byte, uint64, bool) {
	for i := range tab {
		m := tab[i].v
		if m != 0 && v&m == m {
			if sep {
				dst = append(dst, '|')
			}
			dst = append(dst, tab[i].s...)
			sep = true
			v &^= m
		}
	}
	return dst, v, sep
}

// appendFlags appends v as a flag set the way strace's printflags does.
func appendFlags(dst []byte, tab []xent, v uint64, dflt string) []byte {
	if v == 0 {
		if s, ok := lookup(tab, 0); ok {
			return append(dst, s...)
		}
		return append(dst, '0')
	}
	dst, rest, sep := appendFlagBits(dst, tab, v, false)
	return appendRest(dst, rest, sep, dflt)
}

// appendRest appends the unclaimed bits of a flag set: "|0x…" after names,
// or the unknown form when nothing was named.
func appendRest(dst []byte, rest uint64, sep bool, dflt string) []byte {
	if rest == 0 {
		return dst
	}
	if sep {
		dst = append(dst, '|')
		return appendHex(dst, rest)
	}
	return appendUnknown(dst, rest, dflt)
}
