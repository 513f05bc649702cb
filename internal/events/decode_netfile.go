package events

import (
	"fmt"
	"unsafe"

	"github.com/ctrace-dev/ctrace/internal/bpf"
)

// Layout of the network and file records (ctrace.h), from the generated types.
var (
	netSize       = int(unsafe.Sizeof(bpf.NetRec{}))
	offNetSent    = int(unsafe.Offsetof(bpf.NetRec{}.BytesSent))
	offNetRecv    = int(unsafe.Offsetof(bpf.NetRec{}.BytesReceived))
	offNetTCPAck  = int(unsafe.Offsetof(bpf.NetRec{}.TcpBytesAcked))
	offNetTCPRecv = int(unsafe.Offsetof(bpf.NetRec{}.TcpBytesReceived))
	offNetDur     = int(unsafe.Offsetof(bpf.NetRec{}.DurationNs))
	offNetNetns   = int(unsafe.Offsetof(bpf.NetRec{}.Netns))
	offNetErr     = int(unsafe.Offsetof(bpf.NetRec{}.Err))
	offNetEvent   = int(unsafe.Offsetof(bpf.NetRec{}.Event))
	offNetRole    = int(unsafe.Offsetof(bpf.NetRec{}.Role))
	offNetFlags   = int(unsafe.Offsetof(bpf.NetRec{}.Flags))

	fileSize      = int(unsafe.Sizeof(bpf.FileRec{}))
	offFileIno    = int(unsafe.Offsetof(bpf.FileRec{}.Ino))
	offFileBytes  = int(unsafe.Offsetof(bpf.FileRec{}.Bytes))
	offFileResult = int(unsafe.Offsetof(bpf.FileRec{}.Result))
	offFileDev    = int(unsafe.Offsetof(bpf.FileRec{}.Dev))
	offFileFlags  = int(unsafe.Offsetof(bpf.FileRec{}.Flags))
	offFileEvent  = int(unsafe.Offsetof(bpf.FileRec{}.Event))
)

// recField is a fixed field of a network or file record.
type recField uint8

const (
	rfNone recField = iota
	rfNetns
	rfSent
	rfReceived
	rfDuration
	rfIno
	rfDev
	rfBytes
	rfOne // the constant 1 (count of a single call)
	rfFlags
	rfNoFd // the constant -1: hooks do not know the descriptor
)

// recLayout maps one record event to its catalogue event: which record
// field fills each parameter (data only; the Defs are in netfile_defs.go).
type recLayout struct {
	id   ID
	vals [MaxParams]recField
}

var netLayouts = map[bpf.NetEvent]recLayout{
	bpf.NetConnect: {IDTCPConnect, [MaxParams]recField{2: rfNetns}},
	bpf.NetAccept:  {IDTCPAccept, [MaxParams]recField{2: rfNetns}},
	bpf.NetClose:   {IDTCPClose, [MaxParams]recField{2: rfSent, 3: rfReceived, 4: rfDuration}},
	bpf.NetListen:  {IDTCPListen, [MaxParams]recField{1: rfNetns}},
	bpf.NetUDPSend: {IDUDPSend, [MaxParams]recField{2: rfNetns}},
	bpf.NetUDPRecv: {IDUDPRecv, [MaxParams]recField{2: rfNetns}},
}

var fileLayouts = map[bpf.FileEvent]recLayout{
	bpf.FileOpen:  {IDFileOpen, [MaxParams]recField{ParamOpenFlags: rfFlags, ParamOpenIno: rfIno, ParamOpenDev: rfDev}},
	bpf.FileRead:  {IDFileRead, [MaxParams]recField{ParamRWFd: rfNoFd, ParamRWBytes: rfBytes, ParamRWCount: rfOne, ParamRWIno: rfIno, ParamRWDev: rfDev}},
	bpf.FileWrite: {IDFileWrite, [MaxParams]recField{ParamRWFd: rfNoFd, ParamRWBytes: rfBytes, ParamRWCount: rfOne, ParamRWIno: rfIno, ParamRWDev: rfDev}},
	bpf.FileExec:  {IDFileExec, [MaxParams]recField{ParamExecIno: rfIno, ParamExecDev: rfDev}},
}

// Role values of tcp_close (static: events may alias them).
var (
	roleClient = []byte("client")
	roleServer = []byte("server")
)

// tcp_close's role parameter.
const paramCloseRole = 5

func (d *Decoder) decodeNet(raw []byte, ev *Event) error {
	if len(raw) < netSize {
		return ErrShort
	}
	lay, ok := netLayouts[bpf.NetEvent(le.Uint16(raw[offNetEvent:]))]
	if !ok {
		return fmt.Errorf("network record with unknown event %d", le.Uint16(raw[offNetEvent:]))
	}
	def, ok := d.cat.ByID(lay.id)
	if !ok {
		return fmt.Errorf("catalogue lacks event %d", lay.id)
	}
	ev.Def = def
	ev.Retval = int64(int32(le.Uint32(raw[offNetErr:])))
	flags := bpf.NetFlags(le.Uint32(raw[offNetFlags:]))
	sent, recv := le.Uint64(raw[offNetSent:]), le.Uint64(raw[offNetRecv:])
	if flags&bpf.NetFlagAppBytes == 0 {
		sent, recv = tcpPayload(le.Uint64(raw[offNetTCPAck:]), le.Uint64(raw[offNetTCPRecv:]))
	}
	for i, f := range lay.vals {
		switch f {
		case rfNetns:
			ev.Vals[i] = uint64(le.Uint32(raw[offNetNetns:]))
		case rfSent:
			ev.Vals[i] = sent
		case rfReceived:
			ev.Vals[i] = recv
		case rfDuration:
			ev.Vals[i] = le.Uint64(raw[offNetDur:])
		}
	}
	if err := d.items(raw, netSize, ev); err != nil {
		return err
	}
	keepTyped(ev, TypeSockaddr) // tcp_listen has no remote address
	if def.ID == IDTCPClose {
		role := roleServer
		if bpf.NetRole(le.Uint16(raw[offNetRole:])) == bpf.RoleClient {
			role = roleClient
		}
		ev.Strs = append(ev.Strs, Str{Param: paramCloseRole, Value: role})
	}
	return nil
}

// tcpPayload turns the kernel's tcp_sock counters into payload bytes when the
// length tracepoints are missing (kernels before 6.3). bytes_acked counts our
// SYN and our FIN once acknowledged; bytes_received counts the peer's FIN
// (not its SYN). Measured on 6.18 for connections closed by both sides; one
// byte high when a side never sent its FIN.
func tcpPayload(acked, received uint64) (sent, recv uint64) {
	sub := func(v, n uint64) uint64 {
		if v >= n {
			return v - n
		}
		return 0
	}
	return sub(acked, 2), sub(received, 1)
}

func (d *Decoder) decodeFile(raw []byte, ev *Event) error {
	if len(raw) < fileSize {
		return ErrShort
	}
	lay, ok := fileLayouts[bpf.FileEvent(le.Uint16(raw[offFileEvent:]))]
	if !ok {
		return fmt.Errorf("file record with unknown event %d", le.Uint16(raw[offFileEvent:]))
	}
	def, ok := d.cat.ByID(lay.id)
	if !ok {
		return fmt.Errorf("catalogue lacks event %d", lay.id)
	}
	ev.Def = def
	ev.Retval = int64(le.Uint64(raw[offFileResult:]))
	for i, f := range lay.vals {
		switch f {
		case rfIno:
			ev.Vals[i] = le.Uint64(raw[offFileIno:])
		case rfDev:
			ev.Vals[i] = uint64(le.Uint32(raw[offFileDev:]))
		case rfBytes:
			ev.Vals[i] = le.Uint64(raw[offFileBytes:])
		case rfOne:
			ev.Vals[i] = 1
		case rfFlags:
			ev.Vals[i] = uint64(le.Uint32(raw[offFileFlags:]))
		case rfNoFd:
			ev.Vals[i] = uint64(0xffffffff)
		}
	}
	if err := d.items(raw, fileSize, ev); err != nil {
		return err
	}
	keepTyped(ev, TypeStr)
	return nil
}

// keepTyped drops the items that are not a parameter of type t of the event.
func keepTyped(ev *Event, t ParamType) {
	n := 0
	for _, s := range ev.Strs {
		if int(s.Param) < len(ev.Def.Params) && ev.Def.Params[s.Param].Type == t {
			ev.Strs[n] = s
			n++
		}
	}
	ev.Strs = ev.Strs[:n]
}
