package events

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf/btf"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

func newTestDecoder() *Decoder {
	return NewDecoder(NewCatalog(syscalls.X86_64), 1_700_000_000_000_000_000)
}

func TestDecodeOpenat(t *testing.T) {
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, 0, "cat"), Nr: 257, Retval: -2}
	rec.Args = [6]uint64{uint64(0xffffffffffffff9c), 0x7ffd0000, 0x80000, 0}
	raw := eventstest.New(rec).Item(1, bpf.ArgStr, 0, "/etc/hostname").Bytes()

	var ev Event
	if err := newTestDecoder().Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "openat" || !ev.Def.Syscall {
		t.Fatalf("def = %+v", ev.Def)
	}
	if ev.TimeNS != 1_700_000_001_000_000_000 {
		t.Errorf("time = %d", ev.TimeNS)
	}
	if ev.PID != 100 || ev.TID != 101 || ev.PPID != 99 || ev.UID != 1000 || ev.GID != 1001 || ev.CgroupID != 4242 {
		t.Errorf("header = %+v", ev)
	}
	if string(ev.Comm) != "cat" || ev.Retval != -2 || !ev.HasReturn() {
		t.Errorf("comm=%q retval=%d", ev.Comm, ev.Retval)
	}
	if len(ev.Strs) != 1 || ev.Strs[0].Param != 1 || string(ev.Strs[0].Value) != "/etc/hostname" {
		t.Errorf("strs = %+v", ev.Strs)
	}
	if int32(ev.Vals[0]) != -100 || ev.Vals[2] != 0x80000 {
		t.Errorf("vals = %v", ev.Vals)
	}
}

func TestDecodeExecveArgvAndFlags(t *testing.T) {
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, bpf.FlagDataTruncated, "sh"), Nr: 59}
	raw := eventstest.New(rec).
		Item(0, bpf.ArgStr, bpf.ItemTruncated, "/bin/verylong").
		Item(1, bpf.ArgStrArr, 0, "ls").
		Item(1, bpf.ArgStrArr, 0, "-l").
		Item(1, bpf.ArgStrArr, bpf.ItemMore, "").
		Bytes()
	var ev Event
	if err := newTestDecoder().Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "execve" || !ev.DataTruncated {
		t.Fatalf("def=%s truncated=%v", ev.Def.Name, ev.DataTruncated)
	}
	if len(ev.Strs) != 4 || !ev.Strs[0].Truncated || !ev.Strs[3].More || string(ev.Strs[2].Value) != "-l" {
		t.Errorf("strs = %+v", ev.Strs)
	}
}

// Issue 10.4: an execve whose arguments could not be kept at entry comes
// flagged truncated without items: its captured parameters are marked
// truncated (the printers list them), not silently empty.
func TestDecodeLeftOutArgumentsMarked(t *testing.T) {
	rec := eventstest.Syscall(59, 0, bpf.FlagDataTruncated, "sh", 0x5000, 0x6000, 0x7000)
	var ev Event
	if err := newTestDecoder().Decode(eventstest.New(rec).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	var marked []string
	for _, s := range ev.Strs {
		if s.Truncated {
			marked = append(marked, ev.Def.Params[s.Param].Name)
		}
	}
	if strings.Join(marked, ",") != "filename,argv" {
		t.Errorf("marked %v, want filename and argv (envp is never captured)", marked)
	}
	// Without the flag, nothing is added.
	rec.Hdr.Flags = 0
	if err := newTestDecoder().Decode(eventstest.New(rec).Bytes(), &ev); err != nil || len(ev.Strs) != 0 {
		t.Errorf("unflagged record: strs %+v err %v", ev.Strs, err)
	}
}

// Issue 10.9: syscall numbers are never event kinds: a syscall record
// numbered like a lifecycle event is a syscall named by its number.
func TestDecodeSyscallNumberIsNotAnEventKind(t *testing.T) {
	d := newTestDecoder()
	for _, nr := range []uint32{1000, 1001, 1002, 512, 0xffffffff} {
		var ev Event
		if err := d.Decode(eventstest.New(eventstest.Syscall(nr, -38, 0, "x", 77)).Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		if !ev.Def.Syscall || ev.Def.ID != IDUnknownSyscall || ev.Def.Name != fmt.Sprintf("syscall_%d", nr) {
			t.Errorf("nr %d: %+v", nr, ev.Def)
		}
	}
}

func TestDecodeNoReturnAndUnknown(t *testing.T) {
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, bpf.FlagNoReturn, "sh"), Nr: 231}
	rec.Args[0] = 3
	var ev Event
	d := newTestDecoder()
	if err := d.Decode(eventstest.New(rec).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "exit_group" || !ev.NoReturn || ev.HasReturn() || ev.Vals[0] != 3 {
		t.Errorf("exit_group: %+v", ev)
	}
	rec = bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, 0, "x"), Nr: 400}
	if err := d.Decode(eventstest.New(rec).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "syscall_400" || len(ev.Def.Params) != 6 {
		t.Errorf("unknown syscall decoded as %q with %d params", ev.Def.Name, len(ev.Def.Params))
	}
}

func TestDecodeLifecycle(t *testing.T) {
	d := newTestDecoder()
	var ev Event
	fork := bpf.ForkRec{Hdr: eventstest.Header(bpf.RecFork, 0, "sh"), ChildPid: 200, ChildTid: 200}
	copy8(fork.ChildComm[:], "sh")
	if err := d.Decode(eventstest.New(fork).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "sched_process_fork" || ev.Vals[0] != 200 || string(ev.Strs[0].Value) != "sh" {
		t.Errorf("fork: %s %v %+v", ev.Def.Name, ev.Vals, ev.Strs)
	}
	exec := bpf.ExecRec{Hdr: eventstest.Header(bpf.RecExec, 0, "cat"), OldTid: 101, Mntns: 4026531840}
	if err := d.Decode(eventstest.New(exec).Item(0, bpf.ArgStr, 0, "/bin/cat").Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "sched_process_exec" || string(ev.Strs[0].Value) != "/bin/cat" || ev.Vals[1] != 101 || ev.Vals[2] != 4026531840 {
		t.Errorf("exec: %v %+v", ev.Vals, ev.Strs)
	}
	exit := bpf.ExitRec{Hdr: eventstest.Header(bpf.RecExit, 0, "cat"), ExitCode: 1<<8 | 0, GroupDead: 1}
	if err := d.Decode(eventstest.New(exit).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "sched_process_exit" || ev.Vals[0] != 1 || ev.Vals[1] != 0 || ev.Vals[2] != 1 {
		t.Errorf("exit: %v", ev.Vals)
	}
	killed := bpf.ExitRec{Hdr: eventstest.Header(bpf.RecExit, 0, "cat"), ExitCode: 9}
	if err := d.Decode(eventstest.New(killed).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Vals[0] != 0 || ev.Vals[1] != 9 {
		t.Errorf("killed: %v", ev.Vals)
	}
}

func TestDecodeCgroup(t *testing.T) {
	rec := bpf.CgroupRec{Hdr: eventstest.Header(bpf.RecCgroupMkdir, 0, "runc"), Id: 77, ParentId: 7, State: uint32(bpf.CgroupCandidate)}
	raw := eventstest.New(rec).Item(0, bpf.ArgStr, 0, "/docker/abc").Bytes()
	ce, err := DecodeCgroup(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !ce.Mkdir || ce.ID != 77 || ce.ParentID != 7 || ce.Path != "/docker/abc" || ce.State != bpf.CgroupCandidate {
		t.Errorf("%+v", ce)
	}
	if _, err := DecodeCgroup(raw[:cgroupSize-1]); err == nil {
		t.Error("short cgroup record decoded")
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	d := newTestDecoder()
	var ev Event
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, 0, "x"), Nr: 257}
	good := eventstest.New(rec).Item(1, bpf.ArgStr, 0, "/x").Bytes()
	cases := map[string][]byte{
		"empty":          nil,
		"header only":    good[:hdrSize],
		"data past end":  good[:len(good)-1],
		"unknown kind":   func() []byte { b := bytes.Clone(good); b[offKind] = 99; return b }(),
		"item too long":  func() []byte { b := bytes.Clone(good); b[sysSize+itemOffLen] = 200; return b }(),
		"item arg index": func() []byte { b := bytes.Clone(good); b[sysSize+itemOffArg] = 6; return b }(),
	}
	for name, raw := range cases {
		if err := d.Decode(raw, &ev); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// TestLayoutMatchesKernelObject: the generated types are what the compiled
// object uses, so offsets taken from them match the kernel's records.
func TestLayoutMatchesKernelObject(t *testing.T) {
	spec, err := bpf.LoadCtrace()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"ctrace_syscall_rec": sysSize, "ctrace_header": hdrSize, "ctrace_item": itemSize,
		"ctrace_exec_rec": execSize, "ctrace_fork_rec": forkSize, "ctrace_exit_rec": exitSize, "ctrace_cgroup_rec": cgroupSize} {
		typ, err := spec.Types.AnyTypeByName(name)
		if err != nil {
			t.Fatal(err)
		}
		size, err := sizeOf(typ)
		if err != nil {
			t.Fatal(err)
		}
		if size != want {
			t.Errorf("%s: object says %d bytes, Go type %d", name, size, want)
		}
	}
	conf, _ := spec.Types.AnyTypeByName("ctrace_syscall_conf")
	if s, _ := sizeOf(conf); s != int(unsafe.Sizeof(bpf.SyscallConf{})) {
		t.Errorf("ctrace_syscall_conf is %d bytes in the object, %d in Go", s, unsafe.Sizeof(bpf.SyscallConf{}))
	}
	if m := spec.Maps["syscall_conf"]; int(m.MaxEntries) != bpf.MaxSyscalls+1 {
		t.Errorf("syscall_conf has %d entries, want bpf.MaxSyscalls+1 = %d", m.MaxEntries, bpf.MaxSyscalls+1)
	}
	// Every field offset the decoder uses, checked against the object's BTF.
	for _, f := range []struct {
		typ, field string
		off        int
	}{
		{"ctrace_header", "ts_ns", offTs}, {"ctrace_header", "cgroup_id", offCgroup}, {"ctrace_header", "pid", offPid},
		{"ctrace_header", "tid", offTid}, {"ctrace_header", "ppid", offPpid}, {"ctrace_header", "uid", offUid},
		{"ctrace_header", "gid", offGid}, {"ctrace_header", "kind", offKind}, {"ctrace_header", "flags", offFlags},
		{"ctrace_header", "data_len", offDataLen}, {"ctrace_header", "comm", offComm},
		{"ctrace_item", "arg", itemOffArg}, {"ctrace_item", "flags", itemOffFlags}, {"ctrace_item", "len", itemOffLen},
		{"ctrace_syscall_rec", "nr", offSysNr}, {"ctrace_syscall_rec", "retval", offSysRet}, {"ctrace_syscall_rec", "args", offSysArgs},
		{"ctrace_fork_rec", "child_pid", offChildPid}, {"ctrace_fork_rec", "child_tid", offChildTid}, {"ctrace_fork_rec", "child_comm", offChildComm},
		{"ctrace_exec_rec", "old_tid", offOldTid}, {"ctrace_exec_rec", "mntns", offMntns},
		{"ctrace_exit_rec", "exit_code", offExitCode}, {"ctrace_exit_rec", "group_dead", offGroupDead},
		{"ctrace_cgroup_rec", "id", offCgID}, {"ctrace_cgroup_rec", "parent_id", offCgParent}, {"ctrace_cgroup_rec", "state", offCgState},
	} {
		typ, err := spec.Types.AnyTypeByName(f.typ)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := typ.(*btf.Struct)
		if !ok {
			t.Fatalf("%s is %T", f.typ, typ)
		}
		found := false
		for _, m := range st.Members {
			if m.Name == f.field {
				found = true
				if int(m.Offset.Bytes()) != f.off {
					t.Errorf("%s.%s at %d in the object, the decoder reads %d", f.typ, f.field, m.Offset.Bytes(), f.off)
				}
			}
		}
		if !found {
			t.Errorf("%s has no field %s", f.typ, f.field)
		}
	}
}

func copy8(dst []int8, s string) {
	for i := 0; i < len(s) && i < len(dst); i++ {
		dst[i] = int8(s[i])
	}
}

func FuzzDecode(f *testing.F) {
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, 0, "cat"), Nr: 59}
	f.Add(eventstest.New(rec).Item(0, bpf.ArgStr, 0, "/bin/cat").Item(1, bpf.ArgStrArr, 0, "cat").Bytes())
	f.Add(eventstest.New(bpf.ExecRec{Hdr: eventstest.Header(bpf.RecExec, 0, "x")}).Item(0, bpf.ArgStr, 0, "/x").Bytes())
	f.Add(eventstest.New(bpf.CgroupRec{Hdr: eventstest.Header(bpf.RecCgroupMkdir, 0, "x")}).Item(0, bpf.ArgStr, 0, "/d").Bytes())
	f.Add(eventstest.New(bpf.ForkRec{Hdr: eventstest.Header(bpf.RecFork, 0, "x")}).Bytes())
	d := newTestDecoder()
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev Event
		if err := d.Decode(raw, &ev); err == nil {
			if ev.Def == nil {
				t.Fatal("decoded event without definition")
			}
			for _, s := range ev.Strs {
				if int(s.Param) >= MaxParams {
					t.Fatalf("string for param %d", s.Param)
				}
			}
		}
		DecodeCgroup(raw)
	})
}

func BenchmarkDecodeOpenat(b *testing.B) {
	rec := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSyscall, 0, "cat"), Nr: 257}
	raw := eventstest.New(rec).Item(1, bpf.ArgStr, 0, "/usr/lib/x86_64-linux-gnu/libc.so.6").Bytes()
	d := newTestDecoder()
	var ev Event
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := d.Decode(raw, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
