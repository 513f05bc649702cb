package events

// The original tool's raw tracepoint events, sys_enter and sys_exit: one
// record at every entry and at every exit of a syscall, with the syscall's
// name and its six argument registers (entry) or its return value (exit),
// nothing read from memory. They are selected like any event (opt-in: by
// name or by their set) and, per syscall, by the syscall-level excludes:
// `--event sys_enter --exclude-set fs` is the raw entry of every syscall
// except the fs set's (filter.Filter.RawEnabled).

// IDs of the raw events.
const (
	IDSysEnter ID = FirstNonSyscallID + 300 + iota
	IDSysExit
)

// SetRawSyscalls is the set of the raw events (the kernel's tracepoint group).
const SetRawSyscalls = "raw_syscalls"

// rawSetDocs documents the raw events' set.
var rawSetDocs = map[string]string{
	SetRawSyscalls: "raw syscall tracepoints (opt-in): sys_enter (name and six raw arguments) and sys_exit (name and return value) of every syscall not excluded",
}

// Parameter indexes of the raw events.
const (
	ParamRawSyscall = 0 // the syscall's name (both events)
	ParamRawArg0    = 1 // sys_enter: arg0..arg5 at 1..6
)

func rawDefs() []Def {
	name := Param{Name: "syscall", Type: TypeStr, CType: "syscall name (syscall_N for numbers without one)", Control: -1}
	enter := []Param{name}
	for i := range 6 {
		enter = append(enter, Param{Name: "arg" + string(rune('0'+i)), Type: TypeUint, Size: 8, CType: "unsigned long (raw register)", Control: -1})
	}
	return []Def{
		{ID: IDSysEnter, Name: "sys_enter", Sets: []string{SetRawSyscalls}, Params: enter, OptIn: true},
		{ID: IDSysExit, Name: "sys_exit", Sets: []string{SetRawSyscalls}, Params: []Param{name}, Result: true, OptIn: true},
	}
}
