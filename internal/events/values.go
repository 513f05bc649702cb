package events

import (
	"encoding/binary"
	"net/netip"
)

// statSize is sizeof(struct stat) on x86_64, the layout DecodeStat reads.
const statSize = 144

// Address families DecodeSockaddr understands.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// Sockaddr is a decoded struct sockaddr.
type Sockaddr struct {
	Family uint16
	Addr   netip.Addr // AF_INET, AF_INET6
	Port   uint16
	Path   []byte // AF_UNIX; abstract names start with '@'; aliases the record
}

// DecodeSockaddr decodes the bytes of a struct sockaddr.
func DecodeSockaddr(b []byte) (Sockaddr, bool) {
	if len(b) < 2 {
		return Sockaddr{}, false
	}
	sa := Sockaddr{Family: binary.LittleEndian.Uint16(b)}
	switch sa.Family {
	case afInet:
		if len(b) < 8 {
			return sa, false
		}
		sa.Port = binary.BigEndian.Uint16(b[2:])
		sa.Addr = netip.AddrFrom4([4]byte(b[4:8]))
	case afInet6:
		if len(b) < 24 {
			return sa, false
		}
		sa.Port = binary.BigEndian.Uint16(b[2:])
		sa.Addr = netip.AddrFrom16([16]byte(b[8:24]))
	case afUnix:
		p := b[2:]
		if len(p) > 0 && p[0] == 0 {
			sa.Path = p // abstract: shown with a leading '@' by printers
			for len(sa.Path) > 1 && sa.Path[len(sa.Path)-1] == 0 {
				sa.Path = sa.Path[:len(sa.Path)-1]
			}
		} else {
			for i, c := range p {
				if c == 0 {
					p = p[:i]
					break
				}
			}
			sa.Path = p
		}
	}
	return sa, true
}

// Timespec is a decoded struct timespec (or timeval, with Nsec holding µs).
type Timespec struct{ Sec, Nsec int64 }

// DecodeTimespec decodes 16 bytes of a 64-bit timespec or timeval.
func DecodeTimespec(b []byte) (Timespec, bool) {
	if len(b) < 16 {
		return Timespec{}, false
	}
	return Timespec{Sec: int64(binary.LittleEndian.Uint64(b)), Nsec: int64(binary.LittleEndian.Uint64(b[8:]))}, true
}

// Stat is the part of struct stat ctrace shows.
type Stat struct {
	Dev, Ino, Nlink uint64
	Mode, UID, GID  uint32
	Size            int64
}

// DecodeStat decodes an x86_64 struct stat.
func DecodeStat(b []byte) (Stat, bool) {
	if len(b) < statSize {
		return Stat{}, false
	}
	le := binary.LittleEndian
	return Stat{Dev: le.Uint64(b), Ino: le.Uint64(b[8:]), Nlink: le.Uint64(b[16:]), Mode: le.Uint32(b[24:]),
		UID: le.Uint32(b[28:]), GID: le.Uint32(b[32:]), Size: int64(le.Uint64(b[48:]))}, true
}

// DecodeFdPair decodes int[2].
func DecodeFdPair(b []byte) ([2]int32, bool) {
	if len(b) < 8 {
		return [2]int32{}, false
	}
	return [2]int32{int32(binary.LittleEndian.Uint32(b)), int32(binary.LittleEndian.Uint32(b[4:]))}, true
}

// Str returns the first string value of parameter i (nil if none); it aliases the record.
func (e *Event) Str(i int) []byte {
	for _, s := range e.Strs {
		if int(s.Param) == i {
			return s.Value
		}
	}
	return nil
}

// Value returns the captured bytes of parameter i, if the kernel captured
// them and they are meaningful (outputs only after success).
func (e *Event) Value(i int) ([]byte, bool) {
	if i < len(e.Def.Params) && e.Def.Params[i].Out && (!e.HasReturn() || e.Retval < 0) {
		return nil, false
	}
	for _, s := range e.Strs {
		if int(s.Param) == i && !s.Fault {
			return s.Value, true
		}
	}
	return nil, false
}

// CapHeader is a decoded struct __user_cap_header_struct.
type CapHeader struct {
	Version uint32
	PID     int32
}

// DecodeCapHeader decodes 8 bytes of a capability header.
func DecodeCapHeader(b []byte) (CapHeader, bool) {
	if len(b) < 8 {
		return CapHeader{}, false
	}
	return CapHeader{Version: binary.LittleEndian.Uint32(b), PID: int32(binary.LittleEndian.Uint32(b[4:]))}, true
}

// CapData holds the three 64-bit capability sets of a v2/v3 cap_user_data_t
// (two struct __user_cap_data_struct: low then high words).
type CapData struct{ Effective, Permitted, Inheritable uint64 }

// DecodeCapData decodes 24 bytes of capability data.
func DecodeCapData(b []byte) (CapData, bool) {
	if len(b) < 24 {
		return CapData{}, false
	}
	w := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(b[4*i:])) }
	return CapData{Effective: w(0) | w(3)<<32, Permitted: w(1) | w(4)<<32, Inheritable: w(2) | w(5)<<32}, true
}
