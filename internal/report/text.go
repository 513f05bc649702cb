package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// term renders a trace string (ctrace's convention) for a terminal: its
// exact bytes, terminal-escaped.
func term(s string) string {
	b, err := tracefile.DecodeString(s)
	if err != nil {
		b = []byte(s)
	}
	return string(output.AppendTerminal(nil, b))
}

func num(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// topSyscalls renders a syscall→count map, largest first, at most n.
func topSyscalls(m map[string]uint64, n int) string {
	type kv struct {
		k string
		v uint64
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	var parts []string
	for i, x := range l {
		if i == n {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, x.k+" "+num(x.v))
	}
	return strings.Join(parts, ", ")
}

func heading(w *bufio.Writer, title string, shown, total int) {
	if total > shown {
		fmt.Fprintf(w, "  %s (top %d of %d)\n", title, shown, total)
	} else {
		fmt.Fprintf(w, "  %s (%d)\n", title, total)
	}
}

// WriteText writes the report for people.
func (rep *Report) WriteText(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "%s: %s events, %d containers", term(rep.File), num(rep.Events), len(rep.Containers))
	if rep.First != "" {
		fmt.Fprintf(w, ", %s to %s", rep.First, rep.Last)
	}
	w.WriteString("\n")
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	for _, c := range rep.Containers {
		id := c.ID
		if len(id) > 12 {
			id = id[:12]
		}
		name := c.Name
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(w, "\nCONTAINER %s  id %s  image %s  runtime %s\n", term(name), term(id), term(c.Image), term(c.Runtime))
		fmt.Fprintf(w, "  %s events, %s syscalls (%s failed), %d processes, %s to %s\n",
			num(c.Events), num(c.Syscalls), num(c.Failed), c.Processes, c.First, c.Last)
		if c.SyscallsTotal > 0 {
			heading(w, "SYSCALLS", len(c.SyscallCounts), c.SyscallsTotal)
			for _, s := range c.SyscallCounts {
				fmt.Fprintf(w, "    %-24s %12s", s.Name, num(s.Count))
				if s.Errors > 0 {
					fmt.Fprintf(w, "  %s failed", num(s.Errors))
				}
				w.WriteString("\n")
			}
		}
		if c.FilesTotal > 0 {
			heading(w, "FILES", len(c.Files), c.FilesTotal)
			for _, f := range c.Files {
				fmt.Fprintf(w, "    %8s  %s  (%s", num(f.Count), term(f.Path), topSyscalls(f.Syscalls, 3))
				if f.Errors > 0 {
					fmt.Fprintf(w, "; %s failed", num(f.Errors))
				}
				w.WriteString(")\n")
			}
		}
		if c.ProgramsTotal > 0 {
			heading(w, "PROGRAMS", len(c.Programs), c.ProgramsTotal)
			for _, p := range c.Programs {
				fmt.Fprintf(w, "    %8s  %s", num(p.Execs), term(p.Path))
				if len(p.Argv0) > 0 && (len(p.Argv0) > 1 || p.Argv0[0] != p.Path) {
					var as []string
					for _, a := range p.Argv0 {
						as = append(as, term(a))
					}
					fmt.Fprintf(w, "  as %s", strings.Join(as, ", "))
				}
				if p.Errors > 0 {
					fmt.Fprintf(w, "  (%s failed)", num(p.Errors))
				}
				w.WriteString("\n")
			}
		}
		if c.PeersTotal > 0 {
			heading(w, "NETWORK PEERS", len(c.Peers), c.PeersTotal)
			for _, p := range c.Peers {
				fmt.Fprintf(w, "    %8s  %-4s %s  (%s", num(p.Count), p.Direction, term(p.Peer), topSyscalls(p.Syscalls, 3))
				if p.Errors > 0 {
					fmt.Fprintf(w, "; %s failed", num(p.Errors))
				}
				w.WriteString(")\n")
			}
		}
		if c.ErrorsTotal > 0 {
			heading(w, "ERRORS", len(c.Errors), c.ErrorsTotal)
			for _, e := range c.Errors {
				fmt.Fprintf(w, "    %-16s %8s  (%s)\n", e.Errno, num(e.Count), topSyscalls(e.Syscalls, 4))
			}
		}
	}
	return w.Flush()
}
