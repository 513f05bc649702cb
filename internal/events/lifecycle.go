package events

import "github.com/ctrace-dev/ctrace/internal/sysfmt"

// lifecycleDefs are the process lifecycle events from the sched tracepoints.
func lifecycleDefs() []Def {
	return []Def{
		{ID: IDProcessFork, Name: "sched_process_fork", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "child_pid", Type: TypeInt, Size: 4, CType: "pid_t", Control: -1},
			{Name: "child_tid", Type: TypeInt, Size: 4, CType: "pid_t", Control: -1},
			{Name: "child_comm", Type: TypeStr, CType: "char[16]", Control: -1},
		}},
		{ID: IDProcessExec, Name: "sched_process_exec", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "filename", Type: TypeStr, CType: "const char *", Control: -1},
			{Name: "old_tid", Type: TypeInt, Size: 4, CType: "pid_t", Control: -1},
			{Name: "mntns", Type: TypeUint, Size: 4, CType: "unsigned int", Control: -1},
		}},
		{ID: IDProcessExit, Name: "sched_process_exit", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "exit_code", Type: TypeInt, Size: 4, CType: "int", Control: -1},
			{Name: "signal", Type: TypeInt, Size: 4, CType: "int", Control: -1, Fmt: sysfmt.Signal},
			{Name: "leader", Type: TypeUint, Size: 4, CType: "bool", Control: -1},
		}},
	}
}
