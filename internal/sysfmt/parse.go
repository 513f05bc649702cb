package sysfmt

import (
	"strconv"
	"strings"
)

// Parse turns a value rendered by Append for kind k back into the raw
// value: names of k's table joined by '|', numbers in C notation (decimal,
// 0x… hex, 0… octal, negative), and "/* … */" comments (ignored). It serves
// readers of ctrace's own JSON output (seccomp profiles from a trace). It
// returns false for text it cannot read back, such as "_IOC(…)" forms.
func Parse(k Kind, s string) (uint64, bool) {
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "*/")
		if j < 0 {
			return 0, false
		}
		s = s[:i] + s[i+j+2:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if v, ok := parseNumber(s); ok {
		return v, true
	}
	var v uint64
	for _, tok := range strings.Split(s, "|") {
		tok = strings.TrimSpace(tok)
		if n, ok := parseNumber(tok); ok {
			v |= n
			continue
		}
		n, ok := parseName(k, tok)
		if !ok {
			return 0, false
		}
		v |= n
	}
	return v, true
}

func parseNumber(s string) (uint64, bool) {
	if u, err := strconv.ParseUint(s, 0, 64); err == nil {
		return u, true
	}
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return uint64(i), true
	}
	return 0, false
}

func findName(tab []xent, name string) (uint64, bool) {
	for i := range tab {
		if tab[i].s == name {
			return tab[i].v, true
		}
	}
	return 0, false
}

func parseName(k Kind, name string) (uint64, bool) {
	if k < numKinds && specs[k].style != special {
		return findName(specs[k].tab, name)
	}
	switch k {
	case CloneFlags:
		if v, ok := findName(cloneFlagTab[:], name); ok {
			return v, true
		}
		for i, n := range signalNames {
			if n == name {
				return uint64(i + 1), true
			}
		}
	case IoctlRequest:
		return findName(ioctlTab[:], name)
	}
	return 0, false
}
