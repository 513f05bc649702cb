// Package report summarises a JSON trace file (`ctrace report FILE`): per
// container, the syscalls it made, the files it touched, the programs it
// executed, its network peers and its errors by errno.
package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// pathParams are the parameters that name a file. execve's filename is a
// program, not counted here.
var pathParams = []string{"filename", "pathname", "path", "oldname", "newname", "from_pathname", "to_pathname", "specialfile", "put_old", "new_root"}

// peerDirection says how a syscall's sockaddr relates to the container:
// "out" (it reaches the peer), "in" (the peer reached it), "bind" (its own
// address). Other syscalls' sockaddrs (getsockname) are not peers.
var peerDirection = map[string]string{
	"connect": "out", "sendto": "out",
	"accept": "in", "accept4": "in", "recvfrom": "in", "getpeername": "in",
	"bind": "bind",
}

// execSyscalls run programs (their "filename").
var execSyscalls = map[string]bool{"execve": true, "execveat": true}

// Count is a name with how often it occurred and how often it failed.
type Count struct {
	Name   string `json:"name"`
	Count  uint64 `json:"count"`
	Errors uint64 `json:"errors"`
}

// File is a path the container touched.
type File struct {
	Path     string            `json:"path"`
	Count    uint64            `json:"count"`
	Errors   uint64            `json:"errors"`
	Syscalls map[string]uint64 `json:"syscalls"`
}

// Program is a program the container executed (execve/execveat).
type Program struct {
	Path   string   `json:"path"`
	Execs  uint64   `json:"execs"`  // successful
	Errors uint64   `json:"errors"` // failed
	Argv0  []string `json:"argv0"`  // the distinct argv[0]s it ran as (busybox applets run as /proc/self/exe), at most 16
}

const maxArgv0 = 16

// Peer is a network address the container talked to (or bound).
type Peer struct {
	Peer      string            `json:"peer"` // "127.0.0.1:80", "[::1]:80", "/run/x.sock", "@abstract"
	Family    string            `json:"family"`
	Direction string            `json:"direction"` // out, in, bind
	Count     uint64            `json:"count"`
	Errors    uint64            `json:"errors"`
	Syscalls  map[string]uint64 `json:"syscalls"`
}

// Errno is one errno with the syscalls that returned it.
type Errno struct {
	Errno    string            `json:"errno"`
	Count    uint64            `json:"count"`
	Syscalls map[string]uint64 `json:"syscalls"`
}

// Container is the summary of one container.
type Container struct {
	tracefile.Container
	Events    uint64 `json:"events"`
	Syscalls  uint64 `json:"syscall_events"`
	Failed    uint64 `json:"failed_syscalls"`
	Processes int    `json:"processes"`
	First     string `json:"first"`
	Last      string `json:"last"`
	// The lists are sorted by count (then name) and cut to the top N; the
	// *Total fields give their full lengths.
	SyscallCounts []Count   `json:"syscalls"`
	SyscallsTotal int       `json:"syscalls_total"`
	Files         []File    `json:"files"`
	FilesTotal    int       `json:"files_total"`
	Programs      []Program `json:"programs"`
	ProgramsTotal int       `json:"programs_total"`
	Peers         []Peer    `json:"peers"`
	PeersTotal    int       `json:"peers_total"`
	Errors        []Errno   `json:"errors"`
	ErrorsTotal   int       `json:"errors_total"`

	pids     map[int64]bool
	syscalls map[string]*Count
	files    map[string]*File
	programs map[string]*Program
	peers    map[[3]string]*Peer
	errnos   map[string]*Errno
	first    time.Time
	last     time.Time
}

// Report is the summary of a trace file.
type Report struct {
	File       string       `json:"file"`
	Events     uint64       `json:"events"`
	First      string       `json:"first"`
	Last       string       `json:"last"`
	Top        int          `json:"top"` // 0: the lists are complete
	Warnings   []string     `json:"warnings"`
	Containers []*Container `json:"containers"`

	byID        map[string]*Container
	first, last time.Time
}

// Options select what a report shows.
type Options struct {
	Top       int    // longest list per section; 0 for all
	Container string // only the container with this name or id (prefix); "" for all
}

// Build reads the trace r (named file, for messages) and summarises it.
// Warnings of the reader (a partial last line) go to warn as they occur.
func Build(r io.Reader, file string, opts Options, warn func(tracefile.Warning)) (*Report, error) {
	rep := &Report{File: file, Top: opts.Top, Warnings: []string{}, byID: map[string]*Container{}}
	rd := tracefile.NewReader(r)
	rd.Warn = func(w tracefile.Warning) {
		rep.Warnings = append(rep.Warnings, w.String())
		if warn != nil {
			warn(w)
		}
	}
	var ev tracefile.Event
	for {
		err := rd.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if opts.Container != "" && !matches(&ev.Container, opts.Container) {
			continue
		}
		rep.add(&ev)
	}
	rep.finish(opts.Top)
	return rep, nil
}

func matches(c *tracefile.Container, sel string) bool {
	return c.Name == sel || (len(sel) >= 4 && len(c.ID) >= len(sel) && c.ID[:len(sel)] == sel)
}

func (rep *Report) add(ev *tracefile.Event) {
	rep.Events++
	c := rep.byID[ev.Container.ID]
	if c == nil {
		c = &Container{Container: ev.Container, pids: map[int64]bool{}, syscalls: map[string]*Count{},
			files: map[string]*File{}, programs: map[string]*Program{}, peers: map[[3]string]*Peer{}, errnos: map[string]*Errno{}}
		rep.byID[ev.Container.ID] = c
		rep.Containers = append(rep.Containers, c)
	}
	if c.Name == "" && ev.Container.Name != "" { // resolved later in the trace
		c.Container = ev.Container
	}
	c.Events++
	c.pids[ev.Process.PID] = true
	if t, err := ev.Time(); err == nil {
		if c.first.IsZero() || t.Before(c.first) {
			c.first = t
		}
		if t.After(c.last) {
			c.last = t
		}
	}
	if !ev.Syscall {
		return
	}
	c.Syscalls++
	failed := ev.Failed()
	var fails uint64
	if failed {
		fails = 1
		c.Failed++
		e := c.errnos[ev.Error]
		if e == nil {
			e = &Errno{Errno: ev.Error, Syscalls: map[string]uint64{}}
			c.errnos[ev.Error] = e
		}
		e.Count++
		e.Syscalls[ev.Event]++
	}
	s := c.syscalls[ev.Event]
	if s == nil {
		s = &Count{Name: ev.Event}
		c.syscalls[ev.Event] = s
	}
	s.Count++
	s.Errors += fails
	if execSyscalls[ev.Event] {
		if fn, ok := ev.ArgString("filename"); ok {
			p := c.programs[fn]
			if p == nil {
				p = &Program{Path: fn, Argv0: []string{}}
				c.programs[fn] = p
			}
			if argv, ok := ev.ArgStrings("argv"); ok && len(argv) > 0 && len(p.Argv0) < maxArgv0 && !slices.Contains(p.Argv0, argv[0]) {
				p.Argv0 = append(p.Argv0, argv[0])
			}
			if failed {
				p.Errors++
			} else {
				p.Execs++
			}
		}
		return
	}
	if dir, ok := peerDirection[ev.Event]; ok {
		for _, name := range []string{"uservaddr", "addr", "upeer_sockaddr", "usockaddr", "umyaddr"} {
			sa, ok := ev.ArgSockaddr(name)
			if !ok || sa.Addr == "" && sa.Path == "" { // netlink and unnamed sockets are no peers
				continue
			}
			peer := peerString(sa)
			key := [3]string{peer, sa.Family, dir}
			p := c.peers[key]
			if p == nil {
				p = &Peer{Peer: peer, Family: sa.Family, Direction: dir, Syscalls: map[string]uint64{}}
				c.peers[key] = p
			}
			p.Count++
			p.Errors += fails
			p.Syscalls[ev.Event]++
		}
		return
	}
	if !hasPathArg(ev) {
		return
	}
	for _, name := range pathParams {
		path, ok := ev.ArgString(name)
		if !ok || path == "" {
			continue
		}
		f := c.files[path]
		if f == nil {
			f = &File{Path: path, Syscalls: map[string]uint64{}}
			c.files[path] = f
		}
		f.Count++
		f.Errors += fails
		f.Syscalls[ev.Event]++
	}
}

// hasPathArg is a quick test on the raw arguments before decoding them.
func hasPathArg(ev *tracefile.Event) bool {
	raw := string(ev.RawArgs)
	for _, p := range pathParams {
		if containsKey(raw, p) {
			return true
		}
	}
	return false
}

func containsKey(raw, key string) bool {
	for i := 0; i+len(key)+2 <= len(raw); i++ {
		if raw[i] == '"' && raw[i+1:i+1+len(key)] == key && raw[i+1+len(key)] == '"' {
			return true
		}
	}
	return false
}

// peerString renders a sockaddr as an address: "127.0.0.1:80",
// "[::1]:443", or a unix path.
func peerString(sa tracefile.Sockaddr) string {
	switch {
	case sa.Addr != "" && sa.Family == "AF_INET6":
		return "[" + sa.Addr + "]:" + strconv.Itoa(sa.Port)
	case sa.Addr != "":
		return sa.Addr + ":" + strconv.Itoa(sa.Port)
	}
	return sa.Path
}

func (rep *Report) finish(top int) {
	cut := func(n int) int {
		if top > 0 && n > top {
			return top
		}
		return n
	}
	for _, c := range rep.Containers {
		c.Processes = len(c.pids)
		c.First, c.Last = stamp(c.first), stamp(c.last)
		if !c.first.IsZero() && (rep.first.IsZero() || c.first.Before(rep.first)) {
			rep.first = c.first
		}
		if c.last.After(rep.last) {
			rep.last = c.last
		}
		c.SyscallCounts = sorted(c.syscalls, func(x *Count) (uint64, string) { return x.Count, x.Name })
		c.SyscallsTotal, c.SyscallCounts = len(c.SyscallCounts), c.SyscallCounts[:cut(len(c.SyscallCounts))]
		c.Files = sorted(c.files, func(x *File) (uint64, string) { return x.Count, x.Path })
		c.FilesTotal, c.Files = len(c.Files), c.Files[:cut(len(c.Files))]
		c.Programs = sorted(c.programs, func(x *Program) (uint64, string) { return x.Execs + x.Errors, x.Path })
		c.ProgramsTotal, c.Programs = len(c.Programs), c.Programs[:cut(len(c.Programs))]
		c.Peers = sorted(c.peers, func(x *Peer) (uint64, string) { return x.Count, x.Direction + " " + x.Peer })
		c.PeersTotal, c.Peers = len(c.Peers), c.Peers[:cut(len(c.Peers))]
		c.Errors = sorted(c.errnos, func(x *Errno) (uint64, string) { return x.Count, x.Errno })
		c.ErrorsTotal, c.Errors = len(c.Errors), c.Errors[:cut(len(c.Errors))]
	}
	rep.First, rep.Last = stamp(rep.first), stamp(rep.last)
	slices.SortStableFunc(rep.Containers, func(a, b *Container) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// sorted returns m's values by descending count, then ascending name.
func sorted[K comparable, V any](m map[K]*V, key func(*V) (uint64, string)) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b V) int {
		ca, na := key(&a)
		cb, nb := key(&b)
		return cmp.Or(cmp.Compare(cb, ca), cmp.Compare(na, nb))
	})
	return out
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// WriteJSON writes the report as one indented JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}
