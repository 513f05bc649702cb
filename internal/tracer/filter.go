package tracer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/ctrace-dev/ctrace/internal/bpf"
)

// TaskFilter is the part of the user's selection the kernel checks per
// task, in task_wanted() before anything of a syscall is copied (and in the
// lifecycle and network programs that run as the process). Includes of one
// kind are ORed, kinds are ANDed, excludes always win. The zero value
// filters nothing and costs nothing.
type TaskFilter struct {
	// Comms, ExcludeComms: process names (at most 15 bytes, as the kernel keeps them).
	Comms, ExcludeComms []string
	// PIDs, ExcludePIDs: processes (host pid namespace) and every
	// descendant: the ones running at start and the ones forked later.
	PIDs, ExcludePIDs []uint32
	// UIDs, ExcludeUIDs: real user ids (initial user namespace).
	UIDs, ExcludeUIDs []uint32
	// Containers: per-container decisions are made (ExcludeCgroup).
	Containers bool
}

// Sizes of the filter maps (ctrace.bpf.c); maps of filters not in use shrink to one entry.
const (
	maxFilterComms = 256
	maxFilterUIDs  = 256
	// MaxFollowedPIDs bounds the processes --pid/--exclude-pid follow at once.
	MaxFollowedPIDs = 16384
)

// flags returns the cfg_filters bits of f.
func (f TaskFilter) flags() uint32 {
	var fl bpf.Filter
	set := func(cond bool, bit bpf.Filter) {
		if cond {
			fl |= bit
		}
	}
	set(len(f.Comms) > 0, bpf.FiltCommIn)
	set(len(f.ExcludeComms) > 0, bpf.FiltCommOut)
	set(len(f.PIDs) > 0, bpf.FiltPidIn)
	set(len(f.ExcludePIDs) > 0, bpf.FiltPidOut)
	set(len(f.UIDs) > 0, bpf.FiltUidIn)
	set(len(f.ExcludeUIDs) > 0, bpf.FiltUidOut)
	set(f.Containers, bpf.FiltContainer)
	return uint32(fl)
}

// check rejects what the kernel maps cannot hold.
func (f TaskFilter) check() error {
	if n := len(f.Comms) + len(f.ExcludeComms); n > maxFilterComms {
		return fmt.Errorf("%d process names given: at most %d", n, maxFilterComms)
	}
	if n := len(f.UIDs) + len(f.ExcludeUIDs); n > maxFilterUIDs {
		return fmt.Errorf("%d user ids given: at most %d", n, maxFilterUIDs)
	}
	if n := len(f.PIDs) + len(f.ExcludePIDs); n > MaxFollowedPIDs {
		return fmt.Errorf("%d process ids given: at most %d", n, MaxFollowedPIDs)
	}
	for _, c := range append(append([]string(nil), f.Comms...), f.ExcludeComms...) {
		if len(c) >= bpf.CommLen {
			return fmt.Errorf("process name %q is longer than the kernel keeps (%d bytes): no process can have it", c, bpf.CommLen-1)
		}
	}
	return nil
}

// configureFilter sets cfg_filters and cfg_raw, and shrinks the filter
// maps that are not used.
func configureFilter(spec *ebpf.CollectionSpec, opts Options) error {
	if err := opts.Filter.check(); err != nil {
		return err
	}
	fl := opts.Filter.flags()
	if vs, ok := spec.Variables["cfg_filters"]; !ok {
		return fmt.Errorf("BPF object lacks variable cfg_filters")
	} else if err := vs.Set(fl); err != nil {
		return err
	}
	raw := false
	for _, c := range opts.Syscalls {
		raw = raw || c.Flags&uint8(bpf.SyscallRawEnter|bpf.SyscallRawExit) != 0
	}
	if vs, ok := spec.Variables["cfg_raw"]; !ok {
		return fmt.Errorf("BPF object lacks variable cfg_raw")
	} else if err := vs.Set(raw); err != nil {
		return err
	}
	shrink := func(name string, used bool) {
		if ms, ok := spec.Maps[name]; ok && !used {
			ms.MaxEntries = 1
		}
	}
	shrink(bpf.CtraceMapFilterComms, fl&uint32(bpf.FiltCommIn|bpf.FiltCommOut) != 0)
	shrink(bpf.CtraceMapFilterPids, fl&uint32(bpf.FiltPidIn|bpf.FiltPidOut) != 0)
	shrink(bpf.CtraceMapFilterUids, fl&uint32(bpf.FiltUidIn|bpf.FiltUidOut) != 0)
	return nil
}

// loadFilter fills the filter maps (before the programs are attached).
func (t *Tracer) loadFilter(f TaskFilter) error {
	put := func(m *ebpf.Map, key any, v bpf.Verdict) error {
		return m.Put(key, uint8(v))
	}
	for _, list := range []struct {
		names []string
		v     bpf.Verdict
	}{{f.Comms, bpf.VerdictIn}, {f.ExcludeComms, bpf.VerdictOut}} {
		for _, c := range list.names {
			var k bpf.CommKey
			for i := 0; i < len(c) && i < len(k.Comm)-1; i++ {
				k.Comm[i] = int8(c[i])
			}
			if err := put(t.objs.FilterComms, k, list.v); err != nil {
				return fmt.Errorf("fill filter_comms: %w", err)
			}
		}
	}
	for _, list := range []struct {
		ids []uint32
		m   *ebpf.Map
		v   bpf.Verdict
	}{{f.UIDs, t.objs.FilterUids, bpf.VerdictIn}, {f.ExcludeUIDs, t.objs.FilterUids, bpf.VerdictOut},
		{f.PIDs, t.objs.FilterPids, bpf.VerdictIn}, {f.ExcludePIDs, t.objs.FilterPids, bpf.VerdictOut}} {
		for _, id := range list.ids {
			if err := put(list.m, id, list.v); err != nil {
				return fmt.Errorf("fill %s: %w", list.m, err)
			}
		}
	}
	return nil
}

// followRunning adds the running descendants of the processes of
// filter_pids with their nearest given ancestor's verdict. It runs after
// the fork hook is attached, so that no child is missed: the ones forked
// since are added by the kernel, the older ones here.
func (t *Tracer) followRunning(f TaskFilter, procRoot string) error {
	if len(f.PIDs)+len(f.ExcludePIDs) == 0 {
		return nil
	}
	given := map[uint32]bpf.Verdict{}
	for _, p := range f.PIDs {
		given[p] = bpf.VerdictIn
	}
	for _, p := range f.ExcludePIDs {
		given[p] = bpf.VerdictOut
	}
	for pid, v := range Descendants(procRoot, given) {
		if err := t.objs.FilterPids.Update(pid, uint8(v), ebpf.UpdateNoExist); err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
			return fmt.Errorf("follow process %d: %w", pid, err)
		}
	}
	return nil
}

// Descendants returns the processes under procRoot (/proc) descending from
// a process of given (not the given ones themselves), each with the
// verdict of its nearest ancestor in given.
func Descendants[V any](procRoot string, given map[uint32]V) map[uint32]V {
	children := map[uint32][]uint32{}
	entries, _ := os.ReadDir(procRoot)
	for _, e := range entries {
		pid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil {
			continue
		}
		ppid, ok := parentOf(filepath.Join(procRoot, e.Name(), "stat"))
		if ok {
			children[ppid] = append(children[ppid], uint32(pid))
		}
	}
	out := map[uint32]V{}
	var walk func(pid uint32, v V, depth int)
	walk = func(pid uint32, v V, depth int) {
		if depth > 1024 {
			return
		}
		for _, c := range children[pid] {
			cv := v
			if g, ok := given[c]; ok {
				cv = g // a given process's own verdict applies to its subtree
			} else {
				if _, seen := out[c]; seen {
					continue
				}
				out[c] = v
			}
			walk(c, cv, depth+1)
		}
	}
	for pid, v := range given {
		walk(pid, v, 0)
	}
	return out
}

// parentOf reads the parent pid from /proc/PID/stat (after the command
// name, which may hold spaces and parentheses).
func parentOf(statPath string) (uint32, bool) {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.ParseUint(f[1], 10, 32)
	return uint32(ppid), err == nil
}

// ExcludeCgroup marks a container cgroup as excluded by the container
// filters: its tasks cost the kernel one lookup and produce no record
// (TaskFilter.Containers must be set). Its child cgroups created from now
// on are excluded too.
func (t *Tracer) ExcludeCgroup(id uint64) error {
	return t.changeContainers(func() error {
		return t.objs.Containers.Put(id, bpf.CgroupInfo{State: uint32(bpf.CgroupExcluded)})
	})
}
