package events

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/ctrace-dev/ctrace/internal/bpf"
)

// Record layout offsets, taken from the types bpf2go generated from ctrace.h
// (constants: the decoder's loads have fixed offsets, checked once per record).
const (
	hdrSize      = int(unsafe.Sizeof(bpf.Header{}))
	offTs        = int(unsafe.Offsetof(bpf.Header{}.TsNs))
	offCgroup    = int(unsafe.Offsetof(bpf.Header{}.CgroupId))
	offPid       = int(unsafe.Offsetof(bpf.Header{}.Pid))
	offTid       = int(unsafe.Offsetof(bpf.Header{}.Tid))
	offPpid      = int(unsafe.Offsetof(bpf.Header{}.Ppid))
	offUid       = int(unsafe.Offsetof(bpf.Header{}.Uid))
	offGid       = int(unsafe.Offsetof(bpf.Header{}.Gid))
	offKind      = int(unsafe.Offsetof(bpf.Header{}.Kind))
	offFlags     = int(unsafe.Offsetof(bpf.Header{}.Flags))
	offDataLen   = int(unsafe.Offsetof(bpf.Header{}.DataLen))
	offComm      = int(unsafe.Offsetof(bpf.Header{}.Comm))
	commLen      = len(bpf.Header{}.Comm)
	itemSize     = int(unsafe.Sizeof(bpf.Item{}))
	sysSize      = int(unsafe.Sizeof(bpf.SyscallRec{}))
	offSysNr     = int(unsafe.Offsetof(bpf.SyscallRec{}.Nr))
	offSysRet    = int(unsafe.Offsetof(bpf.SyscallRec{}.Retval))
	offSysArgs   = int(unsafe.Offsetof(bpf.SyscallRec{}.Args))
	forkSize     = int(unsafe.Sizeof(bpf.ForkRec{}))
	offChildPid  = int(unsafe.Offsetof(bpf.ForkRec{}.ChildPid))
	offChildTid  = int(unsafe.Offsetof(bpf.ForkRec{}.ChildTid))
	offChildComm = int(unsafe.Offsetof(bpf.ForkRec{}.ChildComm))
	execSize     = int(unsafe.Sizeof(bpf.ExecRec{}))
	offOldTid    = int(unsafe.Offsetof(bpf.ExecRec{}.OldTid))
	offMntns     = int(unsafe.Offsetof(bpf.ExecRec{}.Mntns))
	exitSize     = int(unsafe.Sizeof(bpf.ExitRec{}))
	offExitCode  = int(unsafe.Offsetof(bpf.ExitRec{}.ExitCode))
	offGroupDead = int(unsafe.Offsetof(bpf.ExitRec{}.GroupDead))
	cgroupSize   = int(unsafe.Sizeof(bpf.CgroupRec{}))
	offCgID      = int(unsafe.Offsetof(bpf.CgroupRec{}.Id))
	offCgParent  = int(unsafe.Offsetof(bpf.CgroupRec{}.ParentId))
	offCgState   = int(unsafe.Offsetof(bpf.CgroupRec{}.State))
	itemOffLen   = int(unsafe.Offsetof(bpf.Item{}.Len))
	itemOffFlags = int(unsafe.Offsetof(bpf.Item{}.Flags))
	itemOffArg   = int(unsafe.Offsetof(bpf.Item{}.Arg))
)

var le = binary.LittleEndian

// ErrShort is returned for a record shorter than its layout.
var ErrShort = errors.New("record too short")

// Kind returns the record kind of a raw record.
func Kind(raw []byte) (bpf.RecordKind, error) {
	if len(raw) < hdrSize {
		return 0, ErrShort
	}
	return bpf.RecordKind(le.Uint16(raw[offKind:])), nil
}

// RecordCgroup returns the cgroup id in a record's header (after Kind said
// the record is long enough).
func RecordCgroup(raw []byte) uint64 { return le.Uint64(raw[offCgroup:]) }

// Decoder turns raw ring-buffer records into Events.
type Decoder struct {
	cat *Catalog
	// bootToWall is added to the kernel's CLOCK_BOOTTIME stamps.
	bootToWall int64
	// The lifecycle events, by record kind.
	fork, exec, exit *Def
	// beyond caches the definitions of syscall numbers beyond the table
	// (bounded: a container may call any number).
	beyond map[uint32]*Def
	// The raw events, and the syscall names their records carry (by
	// definition: the bytes are made once).
	sysEnter, sysExit *Def
	rawNames          map[*Def][]byte
}

// maxBeyond bounds the decoder's cache of unknown syscall numbers.
const maxBeyond = 1024

// NewDecoder returns a decoder for records from this machine's kernel;
// bootToWall is wall-clock time minus CLOCK_BOOTTIME, in nanoseconds.
func NewDecoder(cat *Catalog, bootToWall int64) *Decoder {
	d := &Decoder{cat: cat, bootToWall: bootToWall, beyond: map[uint32]*Def{}}
	d.fork, _ = cat.ByID(IDProcessFork)
	d.exec, _ = cat.ByID(IDProcessExec)
	d.exit, _ = cat.ByID(IDProcessExit)
	d.sysEnter, _ = cat.ByID(IDSysEnter)
	d.sysExit, _ = cat.ByID(IDSysExit)
	return d
}

// syscall returns the definition of syscall number nr.
func (d *Decoder) syscall(nr uint32) *Def {
	if nr < bpf.MaxSyscalls {
		return d.cat.Syscall(nr)
	}
	def, ok := d.beyond[nr]
	if !ok {
		if len(d.beyond) >= maxBeyond {
			clear(d.beyond)
		}
		def = d.cat.Syscall(nr)
		d.beyond[nr] = def
	}
	return def
}

// Decode decodes a syscall, fork, exec or exit record into ev, reusing ev's
// storage. String values alias raw.
func (d *Decoder) Decode(raw []byte, ev *Event) error {
	kind, err := Kind(raw)
	if err != nil {
		return err
	}
	d.header(raw, ev)
	ev.Strs = ev.Strs[:0]
	ev.Vals = [MaxParams]uint64{}
	ev.Retval = 0
	ev.Peer, ev.Shared = Peer{}, nil
	switch kind {
	case bpf.RecSyscall:
		if len(raw) < sysSize {
			return ErrShort
		}
		r := (*[sysSize]byte)(raw)
		ev.Def = d.syscall(le.Uint32(r[offSysNr:]))
		ev.Retval = int64(le.Uint64(r[offSysRet:]))
		for i := range bpf.MaxArgs {
			ev.Vals[i] = le.Uint64(r[offSysArgs+8*i:])
		}
		if err := d.items(raw, sysSize, ev); err != nil {
			return err
		}
		if ev.DataTruncated {
			markLeftOut(ev)
		}
		return nil
	case bpf.RecFork:
		if len(raw) < forkSize {
			return ErrShort
		}
		ev.Def = d.fork
		ev.Vals[0] = uint64(le.Uint32(raw[offChildPid:]))
		ev.Vals[1] = uint64(le.Uint32(raw[offChildTid:]))
		ev.Strs = append(ev.Strs, Str{Param: 2, Value: cstring(raw[offChildComm : offChildComm+commLen])})
		return nil
	case bpf.RecExec:
		if len(raw) < execSize {
			return ErrShort
		}
		ev.Def = d.exec
		ev.Vals[1] = uint64(le.Uint32(raw[offOldTid:]))
		ev.Vals[2] = uint64(le.Uint32(raw[offMntns:]))
		return d.items(raw, execSize, ev)
	case bpf.RecExit:
		if len(raw) < exitSize {
			return ErrShort
		}
		ev.Def = d.exit
		status := le.Uint32(raw[offExitCode:])
		ev.Vals[0] = uint64((status >> 8) & 0xff)
		ev.Vals[1] = uint64(status & 0x7f)
		ev.Vals[2] = uint64(le.Uint32(raw[offGroupDead:]))
		return nil
	case bpf.RecSysEnter, bpf.RecSysExit:
		return d.decodeRaw(kind, raw, ev)
	case bpf.RecNet:
		return d.decodeNet(raw, ev)
	case bpf.RecFile:
		return d.decodeFile(raw, ev)
	}
	return fmt.Errorf("record kind %d is not an event", kind)
}

// markLeftOut adds an empty, truncated value for every parameter whose data
// the kernel should have captured (a non-NULL pointer of a captured type)
// but left out for space or because its capture at entry failed, so that
// printers list it as truncated.
func markLeftOut(ev *Event) {
	var have uint8
	for _, s := range ev.Strs {
		have |= 1 << s.Param
	}
	for i, p := range ev.Def.Params {
		if i >= MaxParams || have&(1<<i) != 0 || ev.Vals[i] == 0 || !capturedType(p.Type) {
			continue
		}
		ev.Strs = append(ev.Strs, Str{Param: uint8(i), Truncated: true, More: p.Type == TypeStrArr})
	}
}

// capturedType says whether the kernel reads the data behind a parameter
// of type t (buffers only when asked to; an absent buffer is not marked).
func capturedType(t ParamType) bool {
	switch t {
	case TypeStr, TypeStrArr, TypeSockaddr, TypeTimespec, TypeTimeval, TypeStat, TypeFdPair, TypeCapHeader, TypeCapData:
		return true
	}
	return false
}

func (d *Decoder) header(raw []byte, ev *Event) {
	h := (*[hdrSize]byte)(raw) // Kind checked the length; constant offsets need no bounds checks
	ev.TimeNS = int64(le.Uint64(h[offTs:])) + d.bootToWall
	ev.CgroupID = le.Uint64(h[offCgroup:])
	ev.PID = le.Uint32(h[offPid:])
	ev.TID = le.Uint32(h[offTid:])
	ev.PPID = le.Uint32(h[offPpid:])
	ev.UID = le.Uint32(h[offUid:])
	ev.GID = le.Uint32(h[offGid:])
	flags := bpf.RecordFlags(le.Uint16(h[offFlags:]))
	ev.NoReturn = flags&bpf.FlagNoReturn != 0
	ev.Unfinished = flags&bpf.FlagUnfinished != 0
	ev.DataTruncated = flags&bpf.FlagDataTruncated != 0
	ev.FdOnly = flags&bpf.FlagFdOnly != 0
	ev.Comm = cstring(h[offComm : offComm+commLen])
}

// items decodes the variable data after the fixed part at off.
func (d *Decoder) items(raw []byte, off int, ev *Event) error {
	end := off + int(le.Uint16(raw[offDataLen:]))
	if end > len(raw) {
		return fmt.Errorf("record data length %d exceeds record", end-off)
	}
	for off < end {
		if off+itemSize > end {
			return fmt.Errorf("truncated item header at %d", off)
		}
		n := int(le.Uint16(raw[off+itemOffLen:]))
		flags := bpf.ItemFlags(raw[off+itemOffFlags])
		arg := raw[off+itemOffArg]
		val := off + itemSize
		if val+n > end {
			return fmt.Errorf("item of %d bytes at %d exceeds record", n, off)
		}
		if int(arg) >= bpf.MaxArgs { // the kernel's items are for a syscall's six arguments
			return fmt.Errorf("item for argument %d", arg)
		}
		ev.Strs = append(ev.Strs, Str{
			Param:     arg,
			Truncated: flags&bpf.ItemTruncated != 0,
			Fault:     flags&bpf.ItemFault != 0,
			More:      flags&bpf.ItemMore != 0,
			Value:     raw[val : val+n : val+n],
		})
		off = val + n
	}
	return nil
}

// CgroupEvent is a decoded cgroup_mkdir/cgroup_rmdir record.
type CgroupEvent struct {
	Mkdir    bool
	ID       uint64
	ParentID uint64
	State    bpf.CgroupState
	Path     string
}

// DecodeCgroup decodes a cgroup record.
func DecodeCgroup(raw []byte) (CgroupEvent, error) {
	kind, err := Kind(raw)
	if err != nil {
		return CgroupEvent{}, err
	}
	if kind != bpf.RecCgroupMkdir && kind != bpf.RecCgroupRmdir {
		return CgroupEvent{}, fmt.Errorf("record kind %d is not a cgroup record", kind)
	}
	if len(raw) < cgroupSize {
		return CgroupEvent{}, ErrShort
	}
	ce := CgroupEvent{
		Mkdir:    kind == bpf.RecCgroupMkdir,
		ID:       le.Uint64(raw[offCgID:]),
		ParentID: le.Uint64(raw[offCgParent:]),
		State:    bpf.CgroupState(le.Uint32(raw[offCgState:])),
	}
	var ev Event
	if err := (&Decoder{}).items(raw, cgroupSize, &ev); err != nil {
		return CgroupEvent{}, err
	}
	if len(ev.Strs) > 0 {
		ce.Path = string(ev.Strs[0].Value)
	}
	return ce, nil
}

func cstring(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i:i]
		}
	}
	return b
}

// decodeRaw decodes a raw sys_enter or sys_exit record: the syscall's name
// (parameter 0, a string the catalogue owns), and the six raw arguments
// (sys_enter, parameters 1-6) or the return value (sys_exit).
func (d *Decoder) decodeRaw(kind bpf.RecordKind, raw []byte, ev *Event) error {
	if len(raw) < sysSize {
		return ErrShort
	}
	sc := d.syscall(le.Uint32(raw[offSysNr:]))
	name, ok := d.rawNames[sc]
	if !ok {
		if d.rawNames == nil || len(d.rawNames) >= bpf.MaxSyscalls+maxBeyond {
			d.rawNames = map[*Def][]byte{}
		}
		name = []byte(sc.Name)
		d.rawNames[sc] = name
	}
	ev.Strs = append(ev.Strs, Str{Param: ParamRawSyscall, Value: name[:len(name):len(name)]})
	ev.Vals[ParamRawSyscall] = uint64(sc.ID)
	if kind == bpf.RecSysExit {
		ev.Def = d.sysExit
		ev.Retval = int64(le.Uint64(raw[offSysRet:]))
		return nil
	}
	ev.Def = d.sysEnter
	for i := range bpf.MaxArgs {
		ev.Vals[ParamRawArg0+i] = le.Uint64(raw[offSysArgs+8*i:])
	}
	return nil
}
