// Package eventstest builds raw ring-buffer records for tests and
// benchmarks, from the bpf2go types so that fixtures follow ctrace.h.
package eventstest

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"unsafe"

	"github.com/ctrace-dev/ctrace/internal/bpf"
)

// Builder accumulates one record: a fixed part, then items.
type Builder struct {
	buf   bytes.Buffer
	fixed int
}

// New starts a record with its fixed part (a bpf.SyscallRec, bpf.ExecRec, …).
func New(fixed any) *Builder {
	b := &Builder{}
	if err := binary.Write(&b.buf, binary.LittleEndian, fixed); err != nil {
		panic(err)
	}
	b.fixed = b.buf.Len()
	return b
}

// Item appends one variable-data item.
func (b *Builder) Item(arg uint8, kind bpf.ArgKind, flags bpf.ItemFlags, val string) *Builder {
	if err := binary.Write(&b.buf, binary.LittleEndian, bpf.Item{Arg: arg, Kind: uint8(kind), Flags: uint8(flags), Len: uint16(len(val))}); err != nil {
		panic(err)
	}
	b.buf.WriteString(val)
	return b
}

// Bytes returns the record with the header's data length filled in.
func (b *Builder) Bytes() []byte {
	raw := bytes.Clone(b.buf.Bytes())
	binary.LittleEndian.PutUint16(raw[unsafe.Offsetof(bpf.Header{}.DataLen):], uint16(len(raw)-b.fixed))
	return raw
}

// Header returns a header with fixed test values.
func Header(kind bpf.RecordKind, flags bpf.RecordFlags, comm string) bpf.Header {
	h := bpf.Header{TsNs: 1_000_000_000, CgroupId: 4242, Pid: 100, Tid: 101, Ppid: 99, Uid: 1000, Gid: 1001, Kind: uint16(kind), Flags: uint16(flags)}
	for i := 0; i < len(comm) && i < len(h.Comm); i++ {
		h.Comm[i] = int8(comm[i])
	}
	return h
}

// Syscall returns a syscall record's fixed part.
func Syscall(nr uint32, ret int64, flags bpf.RecordFlags, comm string, args ...uint64) bpf.SyscallRec {
	r := bpf.SyscallRec{Hdr: Header(bpf.RecSyscall, flags, comm), Nr: nr, Retval: ret}
	copy(r.Args[:], args)
	return r
}

// Mix returns a realistic mix of records, weighted like a busy container:
// reads and writes dominate, then file opens, stats, mmaps, futexes, execs.
func Mix() [][]byte {
	return [][]byte{
		New(Syscall(0, 1, 0, "dd", 0, 0x7ffd1000, 1)).Bytes(),
		New(Syscall(1, 1, 0, "dd", 1, 0x7ffd1000, 1)).Bytes(),
		New(Syscall(0, 4096, 0, "nginx", 5, 0x7ffd1000, 4096)).Bytes(),
		New(Syscall(1, 512, 0, "nginx", 6, 0x7ffd1000, 512)).Bytes(),
		New(Syscall(257, 3, 0, "cat", uint64(0xffffffffffffff9c), 0x5000, 0x80000)).Item(1, bpf.ArgStr, 0, "/usr/lib/x86_64-linux-gnu/libc.so.6").Bytes(),
		New(Syscall(257, -2, 0, "cat", uint64(0xffffffffffffff9c), 0x5000, 0)).Item(1, bpf.ArgStr, 0, "/etc/ld.so.preload").Bytes(),
		New(Syscall(262, 0, 0, "ls", uint64(0xffffffffffffff9c), 0x5000, 0x7ffd2000, 0x100)).Item(1, bpf.ArgStr, 0, "/var/lib/app/data.db").Bytes(),
		New(Syscall(9, 0x7f0000000000, 0, "cat", 0, 8192, 3, 0x22, 0xffffffff, 0)).Bytes(),
		New(Syscall(202, 0, 0, "java", 0x7f1000, 0x80, 0)).Bytes(),
		New(Syscall(3, 0, 0, "cat", 3)).Bytes(),
		New(Syscall(59, 0, 0, "sh", 0x5000, 0x6000, 0x7000)).Item(0, bpf.ArgStr, 0, "/bin/cat").Item(1, bpf.ArgStrArr, 0, "cat").Item(1, bpf.ArgStrArr, 0, "/etc/hostname").Bytes(),
	}
}

// Sockaddr returns the bytes of the struct sockaddr_in (16 bytes) or
// sockaddr_in6 (28 bytes) for "ADDR:PORT", as the kernel side copies them.
func Sockaddr(addrPort string) string {
	a := netip.MustParseAddrPort(addrPort)
	if a.Addr().Is4() {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint16(b, 2) // AF_INET
		binary.BigEndian.PutUint16(b[2:], a.Port())
		ip := a.Addr().As4()
		copy(b[4:], ip[:])
		return string(b)
	}
	b := make([]byte, 28)
	binary.LittleEndian.PutUint16(b, 10) // AF_INET6
	binary.BigEndian.PutUint16(b[2:], a.Port())
	ip := a.Addr().As16()
	copy(b[8:], ip[:])
	return string(b)
}
