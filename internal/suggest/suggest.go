// Package suggest finds the valid names nearest to a mistyped one, for
// "unknown X: did you mean Y?" errors (events, sets, config keys,
// containers). One small helper instead of a copy per package.
package suggest

import (
	"sort"
	"strconv"
	"strings"
)

// Distance is the Levenshtein edit distance between a and b (bytes).
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Nearest returns up to max candidates nearest to name, nearest first
// (ties in candidate order, duplicates once). Case is ignored. A
// candidate qualifies when its edit distance is at most len(name)/2+1, or
// when one of the two is a prefix of the other (a truncated or
// over-long name); of those, only the nearest and the ones a single edit
// further are returned. Nothing qualifies for an empty name.
func Nearest(name string, candidates []string, max int) []string {
	if name == "" || max <= 0 {
		return nil
	}
	lname := strings.ToLower(name)
	limit := len(name)/2 + 1
	type scored struct {
		s string
		d int
	}
	var found []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] || c == "" {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := Distance(lname, lc)
		if d > limit && !strings.HasPrefix(lc, lname) && !strings.HasPrefix(lname, lc) {
			continue
		}
		found = append(found, scored{c, d})
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].d < found[b].d })
	var out []string
	for _, f := range found {
		if len(out) == max || f.d > found[0].d+1 {
			break // only the nearest and those one edit further
		}
		out = append(out, f.s)
	}
	return out
}

// Phrase words suggestions for an error message: `did you mean "a"?`,
// `did you mean "a" or "b"?`, `did you mean "a", "b" or "c"?`; "" when
// there are none.
func Phrase(names []string) string {
	if len(names) == 0 {
		return ""
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return "did you mean " + q[0] + "?"
	}
	return "did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?"
}

// Unknown builds the one-line error text for an unknown name:
// `unknown <what> "x": did you mean "y"? (<hint>)`, leaving out the
// suggestion when none is near and the hint when it is empty.
func Unknown(what, name string, candidates []string, hint string) string {
	var b strings.Builder
	b.WriteString("unknown " + what + " " + strconv.Quote(name))
	if p := Phrase(Nearest(name, candidates, 3)); p != "" {
		b.WriteString(": " + p)
	}
	if hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}
