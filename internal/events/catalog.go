// Package events is ctrace's event catalogue — one declarative table of every
// event (id, name, sets, typed parameters) that drives kernel-side capture,
// decoding, filtering, output, docs and completion — and the decoding of
// ring-buffer records into typed Events.
package events

import (
	"sort"
	"strconv"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/suggest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// ParamType is the fixed type of a parameter. Decoding and output select on
// it (never on names), and a parameter's JSON type never changes.
type ParamType uint8

const (
	TypeInt       ParamType = iota + 1 // signed integer of Size bytes: JSON number
	TypeUint                           // unsigned integer of Size bytes: JSON number
	TypeFd                             // file descriptor (signed int): JSON number
	TypePtr                            // user pointer: JSON string "0x…"
	TypeStr                            // NUL-terminated string read by the kernel: JSON string
	TypeStrArr                         // array of strings (argv): JSON array of strings
	TypeSockaddr                       // struct sockaddr: JSON object {family, addr, port} or {family, path}
	TypeTimespec                       // struct timespec: JSON object {sec, nsec}
	TypeTimeval                        // struct timeval: JSON object {sec, usec}
	TypeStat                           // struct stat: JSON object {mode, size, ino, dev, nlink, uid, gid}
	TypeFdPair                         // int[2] of file descriptors (pipe, socketpair): JSON array of numbers
	TypeBuf                            // data buffer: JSON string, "0x…" unless contents are captured (opt-in)
	TypeCapHeader                      // cap_user_header_t: JSON object {version, pid}
	TypeCapData                        // cap_user_data_t (v3, two words): JSON object {effective, permitted, inheritable} of capability-name arrays
)

var typeNames = [...]string{TypeInt: "int", TypeUint: "uint", TypeFd: "fd", TypePtr: "pointer", TypeStr: "string",
	TypeStrArr: "string[]", TypeSockaddr: "sockaddr", TypeTimespec: "timespec", TypeTimeval: "timeval", TypeStat: "stat",
	TypeFdPair: "fd[2]", TypeBuf: "buffer", TypeCapHeader: "cap_header", TypeCapData: "cap_data"}

func (t ParamType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// Param is one typed parameter of an event.
type Param struct {
	Name  string
	Type  ParamType
	Size  uint8  // bytes of the C type for integers (4 or 8)
	CType string // the kernel's C type, for documentation
	// Out: the kernel writes this (pointed-to) value; it is only meaningful
	// when the syscall succeeded and is read at exit.
	Out bool
	// LenByPointer: for TypeSockaddr, the next parameter points to the
	// length (accept) instead of holding it (connect).
	LenByPointer bool
	// Fmt renders an integer symbolically (O_RDONLY|O_CLOEXEC); a parameter
	// with a formatter is a JSON string. Control is the index of the
	// parameter that refines Fmt (socket protocol by family), or -1.
	Fmt     sysfmt.Kind
	Control int
}

// Symbolic reports whether the parameter is rendered by a formatter (and
// so is a JSON string). File descriptors stay numbers.
func (p *Param) Symbolic() bool {
	return p.Fmt != sysfmt.None && (p.Type == TypeInt || p.Type == TypeUint)
}

// Format returns the formatter for parameter i of an event with values vals.
func (p *Param) Format(vals *[MaxParams]uint64) sysfmt.Kind {
	if p.Control >= 0 && p.Control < MaxParams {
		return p.Fmt.Resolve(vals[p.Control])
	}
	return p.Fmt
}

// ID identifies an event. Syscall events use their syscall number on the
// catalogue's architecture (below bpf.MaxSyscalls); every syscall number
// beyond that table is IDUnknownSyscall; other events start at
// FirstNonSyscallID. Records say what they are by their kind, never by a
// number: a syscall numbered like a lifecycle event is still a syscall.
type ID uint32

// SetSyscalls is the set of every syscall event.
const SetSyscalls = "syscalls"

// SetDoc returns the one-line description of an event set.
func SetDoc(set string) string {
	if set == SetSyscalls {
		return "every syscall"
	}
	if d, ok := netfileSetDocs[set]; ok {
		return d
	}
	if d, ok := rawSetDocs[set]; ok {
		return d
	}
	return setDocs[set]
}

// FirstNonSyscallID is above every syscall event ID.
const FirstNonSyscallID ID = 1000

// IDUnknownSyscall is the ID of every syscall number at or beyond
// bpf.MaxSyscalls (named syscall_<nr>, raw arguments).
const IDUnknownSyscall ID = bpf.MaxSyscalls

// IDs of the non-syscall events.
const (
	IDProcessFork ID = FirstNonSyscallID + iota
	IDProcessExec
	IDProcessExit
)

// Def is one event of the catalogue.
type Def struct {
	ID      ID
	Name    string
	Syscall bool
	Sets    []string
	Params  []Param
	// NoReturn: the syscall does not return (exit, exit_group); recorded at entry.
	NoReturn bool
	// CaptureAtEntry: variable data must be read at entry (execve: its memory is gone at exit).
	CaptureAtEntry bool
	// Result: a non-syscall event that carries a result like a syscall's
	// return value (retval, error): file events, tcp_connect.
	Result bool
	// Aliases are other names that select this event (the original tool's vfs_write).
	Aliases []string
	// OptIn: only traced when named by event or set, not when nothing is
	// selected (file events repeat every file syscall; network events
	// attach extra hooks).
	OptIn bool
}

// Catalog is the table of all events of one architecture.
type Catalog struct {
	arch    syscalls.Arch
	defs    []Def // sorted by ID
	byID    []int // syscall nr -> index in defs, -1 if none
	byName  map[string]int
	unknown []Def // placeholders for syscall numbers without a table entry
	beyond  Def   // what every number >= bpf.MaxSyscalls shares (for selection)
}

// NewCatalog builds the catalogue for arch from the syscall tables and the
// non-syscall event table.
func NewCatalog(arch syscalls.Arch) *Catalog {
	c := &Catalog{arch: arch, byName: map[string]int{}}
	for _, sc := range syscalls.Table(arch) {
		if sc.Entry == "" {
			continue // reserved number, never implemented
		}
		c.defs = append(c.defs, syscallDef(arch, sc))
	}
	c.defs = append(c.defs, lifecycleDefs()...)
	c.defs = append(c.defs, fileDefs()...)
	c.defs = append(c.defs, netDefs()...)
	c.defs = append(c.defs, rawDefs()...)
	sort.SliceStable(c.defs, func(i, j int) bool { return c.defs[i].ID < c.defs[j].ID })
	c.byID = make([]int, bpf.MaxSyscalls)
	for i := range c.byID {
		c.byID[i] = -1
	}
	for i := range c.defs {
		d := &c.defs[i]
		if d.Syscall && int(d.ID) < len(c.byID) {
			c.byID[d.ID] = i
		}
		c.byName[d.Name] = i
		for _, a := range d.Aliases {
			c.byName[a] = i
		}
	}
	c.unknown = make([]Def, bpf.MaxSyscalls)
	for nr := range c.unknown {
		c.unknown[nr] = Def{ID: ID(nr), Name: syscalls.Name(arch, nr), Syscall: true, Sets: unknownSets, Params: rawParams}
	}
	c.beyond = Def{ID: IDUnknownSyscall, Name: "syscall_unknown", Syscall: true, Sets: unknownSets, Params: rawParams}
	return c
}

// unknownSets are the sets of syscall numbers the tables do not name.
var unknownSets = []string{SetSyscalls}

var rawParams = []Param{
	{Name: "arg0", Type: TypeUint, Size: 8, Control: -1}, {Name: "arg1", Type: TypeUint, Size: 8, Control: -1},
	{Name: "arg2", Type: TypeUint, Size: 8, Control: -1}, {Name: "arg3", Type: TypeUint, Size: 8, Control: -1},
	{Name: "arg4", Type: TypeUint, Size: 8, Control: -1}, {Name: "arg5", Type: TypeUint, Size: 8, Control: -1},
}

// Arch is the architecture this catalogue describes.
func (c *Catalog) Arch() syscalls.Arch { return c.arch }

// All returns every event definition, ordered by ID.
func (c *Catalog) All() []Def { return c.defs }

// Beyond returns the definition every syscall number at or beyond
// bpf.MaxSyscalls shares for selection (its events are named syscall_<nr>).
func (c *Catalog) Beyond() *Def { return &c.beyond }

// Syscall returns the definition of syscall number nr; numbers without a
// table entry get a placeholder named syscall_<nr> with raw arguments (ID
// IDUnknownSyscall for numbers beyond the table; a new Def per call there:
// the decoder keeps its own cache).
func (c *Catalog) Syscall(nr uint32) *Def {
	if int(nr) < len(c.byID) {
		if i := c.byID[nr]; i >= 0 {
			return &c.defs[i]
		}
		return &c.unknown[nr]
	}
	return &Def{ID: IDUnknownSyscall, Name: "syscall_" + strconv.FormatUint(uint64(nr), 10), Syscall: true, Sets: unknownSets, Params: rawParams}
}

// ByID returns the definition with id.
func (c *Catalog) ByID(id ID) (*Def, bool) {
	if id < FirstNonSyscallID {
		if int(id) < len(c.byID) && c.byID[id] >= 0 {
			return &c.defs[c.byID[id]], true
		}
		return nil, false
	}
	i := sort.Search(len(c.defs), func(i int) bool { return c.defs[i].ID >= id })
	if i < len(c.defs) && c.defs[i].ID == id {
		return &c.defs[i], true
	}
	return nil, false
}

// ByName returns the definition called name (or aliased so).
func (c *Catalog) ByName(name string) (*Def, bool) {
	i, ok := c.byName[name]
	if !ok {
		return nil, false
	}
	return &c.defs[i], true
}

// Names returns all event names, sorted (for completion and suggestions).
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.defs))
	for _, d := range c.defs {
		names = append(names, d.Name)
		names = append(names, d.Aliases...)
	}
	sort.Strings(names)
	return names
}

// Suggest returns the event name closest to name (edit distance), or "".
func (c *Catalog) Suggest(name string) string {
	if s := suggest.Nearest(name, c.Names(), 1); len(s) > 0 {
		return s[0]
	}
	return ""
}

// CaptureOptions choose what the kernel side records.
type CaptureOptions struct {
	// BufferBytes > 0 captures up to that many bytes of read/write/send/recv
	// data buffers (at most bpf's 256-byte per-argument limit).
	BufferBytes int
	// Enabled selects the wanted events (nil: all). Unwanted syscalls are
	// dropped in the kernel at the cost of one lookup.
	Enabled func(*Def) bool
	// FdTrack, when set, names the events that change a process's fd
	// table: those not Enabled are still recorded, marked fd-only (for the
	// fd table, never printed), and so are the lifecycle events.
	FdTrack func(*Def) bool
	// RawEnter and RawExit, when set, name the syscalls whose raw
	// sys_enter / sys_exit events are wanted (called with syscall
	// definitions, including the one every number beyond the table shares).
	RawEnter, RawExit func(*Def) bool
}

func (o CaptureOptions) enabled(d *Def) bool { return o.Enabled == nil || o.Enabled(d) }

// LifecycleMask returns which lifecycle records the kernel should emit.
func (c *Catalog) LifecycleMask(opts CaptureOptions) uint32 {
	var mask uint32
	for id, bit := range map[ID]bpf.Lifecycle{IDProcessFork: bpf.LifecycleFork, IDProcessExec: bpf.LifecycleExec, IDProcessExit: bpf.LifecycleExit} {
		if d, ok := c.ByID(id); ok && opts.enabled(d) {
			mask |= uint32(bit)
		}
	}
	if opts.FdTrack != nil && mask != uint32(bpf.LifecycleFork|bpf.LifecycleExec|bpf.LifecycleExit) {
		mask |= uint32(bpf.LifecycleFdTrack)
	}
	return mask
}

// KernelConf returns the per-syscall capture configuration for the kernel
// side, indexed by syscall number, with one more entry (index
// bpf.MaxSyscalls) for every number beyond the table.
func (c *Catalog) KernelConf(opts CaptureOptions) []bpf.SyscallConf {
	conf := make([]bpf.SyscallConf, bpf.MaxSyscalls+1)
	for nr := range conf {
		d := &c.beyond
		if nr < bpf.MaxSyscalls {
			d = c.Syscall(uint32(nr))
		}
		switch {
		case opts.enabled(d):
			conf[nr].Flags |= uint8(bpf.SyscallEnabled)
		case opts.FdTrack != nil && opts.FdTrack(d):
			conf[nr].Flags |= uint8(bpf.SyscallFdTrack)
		}
		if opts.RawEnter != nil && opts.RawEnter(d) {
			conf[nr].Flags |= uint8(bpf.SyscallRawEnter)
		}
		if opts.RawExit != nil && opts.RawExit(d) {
			conf[nr].Flags |= uint8(bpf.SyscallRawExit)
		}
	}
	for _, d := range c.defs {
		if !d.Syscall || int(d.ID) >= bpf.MaxSyscalls {
			continue
		}
		sc := &conf[d.ID]
		for i, p := range d.Params {
			if i >= bpf.MaxArgs {
				break
			}
			kind, size := argCapture(p, c.arch, opts)
			sc.ArgKind[i], sc.ArgSize[i] = uint8(kind), size
			if kind != bpf.ArgRaw {
				sc.Flags |= uint8(bpf.SyscallData)
			}
		}
		if d.NoReturn {
			sc.Flags |= uint8(bpf.SyscallNoReturn)
		}
		if d.CaptureAtEntry {
			sc.Flags |= uint8(bpf.SyscallCaptureAtEntry)
		}
	}
	return conf
}

// argCapture says what the kernel must read for a parameter, and the size
// argument of that capture kind (see ctrace.h).
func argCapture(p Param, arch syscalls.Arch, opts CaptureOptions) (bpf.ArgKind, uint16) {
	switch p.Type {
	case TypeStr:
		return bpf.ArgStr, 0
	case TypeStrArr:
		return bpf.ArgStrArr, 0
	case TypeSockaddr:
		if p.LenByPointer {
			return bpf.ArgSockaddr, 1
		}
		return bpf.ArgSockaddr, 0
	case TypeTimespec, TypeTimeval:
		return bpf.ArgBytes, 16
	case TypeStat:
		return bpf.ArgBytes, statSize
	case TypeFdPair, TypeCapHeader:
		return bpf.ArgBytes, 8
	case TypeCapData:
		return bpf.ArgBytes, 24
	case TypeBuf:
		if opts.BufferBytes <= 0 {
			return bpf.ArgRaw, 0
		}
		n := uint16(min(opts.BufferBytes, bpf.BytesMax))
		if p.Out {
			return bpf.ArgBufOut, n
		}
		return bpf.ArgBufIn, n
	}
	return bpf.ArgRaw, 0
}
