package events

import "github.com/ctrace-dev/ctrace/internal/bpf"

// MaxParams is the most parameters an event has: a syscall's six, or
// sys_enter's name and six raw arguments.
const MaxParams = bpf.MaxArgs + 1

// Str is a string-typed parameter value (or one element of a string array).
// Value aliases the record it was decoded from: it is valid until the next
// record is read.
type Str struct {
	Param     uint8 // parameter index
	Truncated bool  // cut at the kernel's size limit
	Fault     bool  // the kernel could not read it (bad pointer)
	More      bool  // string array: elements were left out
	Value     []byte
}

// Event is one decoded event. Decoders reuse Events: nothing in it survives
// the next Decode into the same Event.
type Event struct {
	Def      *Def
	TimeNS   int64 // wall clock, nanoseconds since the Unix epoch
	CgroupID uint64
	PID      uint32
	TID      uint32
	PPID     uint32
	UID      uint32
	GID      uint32
	Comm     []byte // aliases the record
	Retval   int64
	// NoReturn: the syscall does not return; Unfinished: the thread exited inside it.
	NoReturn   bool
	Unfinished bool
	// DataTruncated: some argument data was left out (for space, or the
	// capture at entry failed); those parameters carry a Truncated value.
	DataTruncated bool
	// FdOnly: not a selected event; recorded only to keep the fd table
	// right. Never printed.
	FdOnly bool
	// Vals holds the integer value of every parameter, by index.
	Vals [MaxParams]uint64
	// Strs holds the string values, in parameter order.
	Strs []Str
	// FdDesc describes what each fd parameter referred to at the time of the
	// call ("/etc/hostname", "socket:AF_INET -> 10.0.0.2:80");
	// filled by an fd table, "" if unknown or not an fd.
	FdDesc [MaxParams]string
	// Peer names the far end of a network event (set by the net namer).
	Peer Peer
	// Shared, for a file event, names the containers that mount the volume
	// holding its path when there are several; nil otherwise. Shared values
	// are never modified.
	Shared *Shared
}

// HasReturn says whether Retval is meaningful.
func (e *Event) HasReturn() bool {
	return e.Def != nil && (e.Def.Syscall || e.Def.Result) && !e.NoReturn && !e.Unfinished
}
