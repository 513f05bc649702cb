package main

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Figures is what a tracer reports about its own work.
type Figures struct {
	Events int64  // events written (ctrace) or syscalls counted (references)
	Lost   int64  // events lost; -1 when the tracer does not report it
	Detail string // the tracer's own breakdown, verbatim-ish
}

// ctrace's stop summary, e.g.
//
//	ctrace: events: 1234, lost: 0 (ring buffer full: 0, ...); filtered out: 0
var ctraceSummaryRE = regexp.MustCompile(`\bevents: (\d+), lost: (\d+)(.*)$`)

func ctraceFigures(_, stderr []string) (Figures, error) {
	for i := len(stderr) - 1; i >= 0; i-- {
		m := ctraceSummaryRE.FindStringSubmatch(stderr[i])
		if m == nil {
			continue
		}
		ev, err1 := strconv.ParseInt(m[1], 10, 64)
		lost, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil {
			return Figures{}, fmt.Errorf("unparsable ctrace summary %q", stderr[i])
		}
		detail := strings.TrimSpace(m[3])
		detail = strings.TrimPrefix(detail, "(")
		detail = strings.Replace(detail, ");", ";", 1)
		detail = strings.TrimSuffix(detail, ")")
		return Figures{Events: ev, Lost: lost, Detail: detail}, nil
	}
	return Figures{}, fmt.Errorf("no ctrace summary line (\"events: N, lost: M\") on stderr")
}

// bpftrace prints its map at exit: one "@[comm]: count" line per key.
var bpftraceMapRE = regexp.MustCompile(`^@\[(.*)\]: (\d+)$`)

func bpftraceFigures(stdout, _ []string) (Figures, error) {
	type kv struct {
		k string
		v int64
	}
	var all []kv
	var total int64
	for _, l := range stdout {
		m := bpftraceMapRE.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		v, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return Figures{}, fmt.Errorf("unparsable bpftrace map line %q", l)
		}
		all = append(all, kv{m[1], v})
		total += v
	}
	if len(all) == 0 {
		return Figures{}, fmt.Errorf("bpftrace printed no @[comm]: count lines (no syscall counted in the workload cgroups?)")
	}
	slices.SortFunc(all, func(a, b kv) int {
		return cmp.Or(cmp.Compare(b.v, a.v), strings.Compare(a.k, b.k))
	})
	var parts []string
	for i, e := range all {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("+%d more", len(all)-4))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return Figures{Events: total, Lost: -1, Detail: "syscalls counted: " + strings.Join(parts, ", ")}, nil
}

// straceFigures reads the "total" row of strace -c's table. Columns are
// right-aligned under the header, and "errors" may be blank, so the calls
// figure is the field that ends where the "calls" header ends.
func straceFigures(_, stderr []string) (Figures, error) {
	callsEnd := -1
	for _, l := range stderr {
		if strings.Contains(l, "usecs/call") && strings.Contains(l, "calls") {
			callsEnd = strings.Index(l, "calls") + len("calls")
			continue
		}
		if callsEnd < 0 || !strings.HasSuffix(strings.TrimSpace(l), " total") {
			continue
		}
		if len(l) < callsEnd {
			break
		}
		head := l[:callsEnd]
		start := strings.LastIndexByte(head, ' ') + 1
		n, err := strconv.ParseInt(head[start:], 10, 64)
		if err != nil {
			return Figures{}, fmt.Errorf("unparsable strace total row %q", l)
		}
		return Figures{Events: n, Lost: -1, Detail: "syscalls counted by strace -c"}, nil
	}
	return Figures{}, fmt.Errorf("no strace -c summary table on stderr")
}

// median of xs (mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medianInt(xs []int64) int64 {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	return int64(median(f) + 0.5)
}
