package events

import (
	"testing"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// Raw sys_enter/sys_exit records decode to the catalogue's events: the
// syscall's name, its six raw arguments (entry) or its return value (exit).
func TestDecodeRawEvents(t *testing.T) {
	d := newTestDecoder()
	var ev Event
	enter := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSysEnter, 0, "sh"), Nr: 257, Args: [6]uint64{0xffffffffffffff9c, 0x7000, 0x80000, 0, 5, 6}}
	if err := d.Decode(eventstest.New(enter).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "sys_enter" || ev.Def.Syscall || ev.HasReturn() || string(ev.Comm) != "sh" {
		t.Fatalf("decoded %s syscall=%v hasReturn=%v comm=%q", ev.Def.Name, ev.Def.Syscall, ev.HasReturn(), ev.Comm)
	}
	if len(ev.Strs) != 1 || ev.Strs[0].Param != ParamRawSyscall || string(ev.Strs[0].Value) != "openat" {
		t.Errorf("syscall name: %+v", ev.Strs)
	}
	for i, want := range enter.Args {
		if ev.Vals[ParamRawArg0+i] != want || ev.Def.Params[ParamRawArg0+i].Name != "arg"+string(rune('0'+i)) {
			t.Errorf("arg%d = %#x (%s), want %#x", i, ev.Vals[ParamRawArg0+i], ev.Def.Params[ParamRawArg0+i].Name, want)
		}
	}
	exit := bpf.SyscallRec{Hdr: eventstest.Header(bpf.RecSysExit, 0, "sh"), Nr: 700, Retval: -38}
	if err := d.Decode(eventstest.New(exit).Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "sys_exit" || !ev.HasReturn() || ev.Retval != -38 || len(ev.Strs) != 1 || string(ev.Strs[0].Value) != "syscall_700" {
		t.Errorf("sys_exit: %s ret=%d strs=%+v", ev.Def.Name, ev.Retval, ev.Strs)
	}
	if ev.Vals[ParamRawArg0] != 0 {
		t.Errorf("sys_exit carries arguments: %v", ev.Vals)
	}
	if err := d.Decode(eventstest.New(exit).Bytes()[:sysSize-1], &ev); err == nil {
		t.Error("short raw record decoded")
	}
}

// The raw events have their own set, are opt-in, and their selection lands
// in the per-syscall kernel configuration (flag bits 5 and 6).
func TestRawEventsInCatalogueAndKernelConf(t *testing.T) {
	cat := NewCatalog(syscalls.X86_64)
	for _, n := range []string{"sys_enter", "sys_exit"} {
		d, ok := cat.ByName(n)
		if !ok || !d.OptIn || d.Syscall || len(d.Sets) != 1 || d.Sets[0] != SetRawSyscalls || d.Params[0].Name != "syscall" || d.Params[0].Type != TypeStr {
			t.Errorf("%s: %+v", n, d)
		}
	}
	if e, _ := cat.ByID(IDSysEnter); len(e.Params) != MaxParams {
		t.Errorf("sys_enter has %d parameters, want %d", len(e.Params), MaxParams)
	}
	if SetDoc(SetRawSyscalls) == "" {
		t.Error("raw_syscalls has no description")
	}
	notFs := func(d *Def) bool {
		for _, s := range d.Sets {
			if s == "fs" {
				return false
			}
		}
		return true
	}
	conf := cat.KernelConf(CaptureOptions{Enabled: func(*Def) bool { return false }, RawEnter: notFs, RawExit: func(d *Def) bool { return d.Name == "getpid" }})
	for name, want := range map[string]uint8{"openat": 0, "read": 0, "getpid": uint8(bpf.SyscallRawEnter | bpf.SyscallRawExit), "connect": uint8(bpf.SyscallRawEnter)} {
		d, _ := cat.ByName(name)
		if got := conf[d.ID].Flags & uint8(bpf.SyscallRawEnter|bpf.SyscallRawExit|bpf.SyscallEnabled); got != want {
			t.Errorf("%s: flags %#x, want %#x", name, got, want)
		}
	}
	if conf[bpf.MaxSyscalls].Flags&uint8(bpf.SyscallRawEnter) == 0 {
		t.Error("numbers beyond the table get no raw sys_enter")
	}
}
