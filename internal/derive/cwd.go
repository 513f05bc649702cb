package derive

import (
	"os"
	"path"
	"strconv"

	"github.com/ctrace-dev/ctrace/internal/events"
)

// CwdTable keeps each traced process's working directory as the process
// sees it, from chdir/fchdir and fork events; a process first seen is
// looked up once in /proc/PID/cwd. Not safe for concurrent use.
type CwdTable struct {
	procRoot string
	cwd      map[uint32]string
	max      int
	// FdPath returns what a descriptor of a process refers to (the fd table).
	FdPath func(pid uint32, fd int32) string
	byID   map[events.ID]cwdEffect // cwdEffects by event ID (index)
}

// NewCwdTable returns an empty table that falls back to procRoot (normally /proc).
func NewCwdTable(procRoot string, fdPath func(pid uint32, fd int32) string) *CwdTable {
	if fdPath == nil {
		fdPath = func(uint32, int32) string { return "" }
	}
	return &CwdTable{procRoot: procRoot, cwd: map[uint32]string{}, max: 65536, FdPath: fdPath}
}

// Get returns the working directory of process pid, "" if unknown.
func (t *CwdTable) Get(pid uint32) string {
	if d, ok := t.cwd[pid]; ok {
		return d
	}
	d, _ := os.Readlink(t.procRoot + "/" + strconv.FormatUint(uint64(pid), 10) + "/cwd")
	if !path.IsAbs(d) {
		d = ""
	}
	t.set(pid, d) // remembered even when unknown: /proc is read once per process
	return d
}

func (t *CwdTable) set(pid uint32, dir string) {
	if len(t.cwd) >= t.max {
		clear(t.cwd) // bounded: forget everything rather than grow without limit
	}
	t.cwd[pid] = dir
}

// Cwd effects of syscalls: data, by catalogue name.
type cwdEffect struct {
	pathArg int // chdir: the new directory's path parameter
	fdArg   int // fchdir: the descriptor parameter
}

var cwdEffects = map[string]cwdEffect{
	"chdir":  {pathArg: 0, fdArg: -1},
	"fchdir": {pathArg: -1, fdArg: 0},
}

// Observe applies ev's effect on working directories (after the call).
func (t *CwdTable) Observe(ev *events.Event) {
	switch ev.Def.ID {
	case events.IDProcessFork:
		if child := uint32(ev.Vals[0]); child != ev.PID {
			if d := t.Get(ev.PID); d != "" {
				t.set(child, d)
			}
		}
		return
	case events.IDProcessExit:
		if ev.Vals[2] != 0 {
			delete(t.cwd, ev.PID)
		}
		return
	}
	if !ev.Def.Syscall || !ev.HasReturn() || ev.Retval < 0 {
		return
	}
	var eff cwdEffect
	var ok bool
	if t.byID != nil {
		eff, ok = t.byID[ev.Def.ID]
	} else {
		eff, ok = cwdEffects[ev.Def.Name]
	}
	if !ok {
		return
	}
	var dir string
	if eff.pathArg >= 0 {
		dir = t.Resolve(ev.PID, string(ev.Str(eff.pathArg)), "")
	} else {
		dir = t.FdPath(ev.PID, int32(ev.Vals[eff.fdArg]))
	}
	if !path.IsAbs(dir) {
		dir = "" // unknown: look it up in /proc next time
		delete(t.cwd, ev.PID)
		return
	}
	t.set(ev.PID, dir)
}

// Resolve returns name as an absolute, lexically cleaned path: relative
// names are taken relative to base, or to the process's working directory
// when base is "". It returns name unchanged when the directory is unknown.
// Symbolic links are not followed: the path is the one the process named.
func (t *CwdTable) Resolve(pid uint32, name, base string) string {
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	if base == "" {
		base = t.Get(pid)
	}
	if !path.IsAbs(base) {
		return name
	}
	if name == "" {
		return path.Clean(base)
	}
	return path.Join(base, name)
}

// index keys the effects by the catalogue's event IDs.
func (t *CwdTable) index(cat *events.Catalog) {
	t.byID = map[events.ID]cwdEffect{}
	for name, e := range cwdEffects {
		if d, ok := cat.ByName(name); ok {
			t.byID[d.ID] = e
		}
	}
}
