package main

import "strings"

// shellJoin joins args as a POSIX shell would need them typed: an argument
// with anything but letters, digits and _-./:=@%+, is single-quoted (a
// single quote inside it closes the quotes, adds \' and reopens them), an
// empty one is a pair of single quotes. Used where ctrace shows a command
// line it runs, so that it can be read (and re-run) as shown.
func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}
