package events

// lifecycleDefs are the process lifecycle events from the sched tracepoints.
func lifecycleDefs() []Def {
	return []Def{
		{ID: IDProcessFork, Name: "sched_process_fork", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "child_pid", Type: TypeInt, Size: 4, CType: "pid_t"},
			{Name: "child_tid", Type: TypeInt, Size: 4, CType: "pid_t"},
			{Name: "child_comm", Type: TypeStr, CType: "char[16]"},
		}},
		{ID: IDProcessExec, Name: "sched_process_exec", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "filename", Type: TypeStr, CType: "const char *"},
			{Name: "old_tid", Type: TypeInt, Size: 4, CType: "pid_t"},
			{Name: "mntns", Type: TypeUint, Size: 4, CType: "unsigned int"},
		}},
		{ID: IDProcessExit, Name: "sched_process_exit", Sets: []string{"proc", "proc_life"}, Params: []Param{
			{Name: "exit_code", Type: TypeInt, Size: 4, CType: "int"},
			{Name: "signal", Type: TypeInt, Size: 4, CType: "int"},
			{Name: "leader", Type: TypeUint, Size: 4, CType: "bool"},
		}},
	}
}
