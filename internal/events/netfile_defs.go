package events

import "github.com/ctrace-dev/ctrace/internal/sysfmt"

// File and network events (issue 9). File events come from VFS/LSM hooks
// where the kernel allows them, else they are derived from syscall events
// (internal/derive); network events come from the socket tracepoints and
// cgroup hooks, except unix_connect (derived from connect).

// IDs of the file events.
const (
	IDFileOpen ID = FirstNonSyscallID + 100 + iota
	IDFileRead
	IDFileWrite
	IDFileUnlink
	IDFileRename
	IDFileChmod
	IDFileChown
	IDFileExec
)

// IDs of the network events.
const (
	IDTCPConnect ID = FirstNonSyscallID + 200 + iota
	IDTCPAccept
	IDTCPClose
	IDTCPListen
	IDUDPSend
	IDUDPRecv
	IDUnixConnect
)

// Sets of the file and network events.
const (
	SetFile    = "file"
	SetNetConn = "net_conn"
)

// netfileSetDocs documents the sets only file and network events use.
var netfileSetDocs = map[string]string{
	SetFile:    "file access (opt-in): open, read, write, unlink, rename, chmod, chown, exec with absolute paths as the container sees them",
	SetNetConn: "network connections (opt-in): TCP connect/accept/close/listen, UDP peers, unix-socket connects, each naming the far end",
}

var (
	fileSets = []string{SetFile}
	netSets  = []string{"net", SetNetConn}
)

// Parameter shapes shared by several events.
var (
	pPath      = Param{Name: "path", Type: TypeStr, CType: "path", Control: -1}
	pIno       = Param{Name: "ino", Type: TypeUint, Size: 8, CType: "u64 (0 unless from a VFS hook)", Control: -1}
	pDev       = Param{Name: "dev", Type: TypeUint, Size: 4, CType: "dev_t (0 unless from a VFS hook)", Control: -1}
	pFd        = Param{Name: "fd", Type: TypeFd, Size: 4, CType: "int", Control: -1}
	pBytes     = Param{Name: "bytes", Type: TypeUint, Size: 8, CType: "u64", Control: -1}
	pCount     = Param{Name: "count", Type: TypeUint, Size: 8, CType: "u64 (calls folded by --aggregate)", Control: -1}
	pLocal     = Param{Name: "local", Type: TypeSockaddr, CType: "struct sockaddr", Control: -1}
	pRemote    = Param{Name: "remote", Type: TypeSockaddr, CType: "struct sockaddr", Control: -1}
	pNetns     = Param{Name: "netns", Type: TypeUint, Size: 4, CType: "network namespace inode", Control: -1}
	pSent      = Param{Name: "bytes_sent", Type: TypeUint, Size: 8, CType: "u64", Control: -1}
	pReceived  = Param{Name: "bytes_received", Type: TypeUint, Size: 8, CType: "u64", Control: -1}
	pDuration  = Param{Name: "duration_ns", Type: TypeUint, Size: 8, CType: "u64", Control: -1}
	pRole      = Param{Name: "role", Type: TypeStr, CType: `"client" or "server"`, Control: -1}
	pOpenFlags = Param{Name: "flags", Type: TypeUint, Size: 4, CType: "int", Fmt: sysfmt.OpenFlags, Control: -1}
	pMode      = Param{Name: "mode", Type: TypeUint, Size: 4, CType: "umode_t", Fmt: sysfmt.FileMode, Control: -1}
)

// File and network parameter indexes, for the code that fills events.
const (
	ParamFilePath  = 0 // every file event
	ParamRWFd      = 1 // file_read, file_write
	ParamRWBytes   = 2
	ParamRWCount   = 3
	ParamRWIno     = 4
	ParamRWDev     = 5
	ParamOpenFlags = 1
	ParamOpenMode  = 2
	ParamOpenIno   = 3
	ParamOpenDev   = 4
	ParamExecIno   = 1
	ParamExecDev   = 2

	ParamNetLocal  = 0 // every TCP/UDP event
	ParamNetRemote = 1 // all but tcp_listen
)

// fileDefs are the file access events.
func fileDefs() []Def {
	return []Def{
		{ID: IDFileOpen, Name: "file_open", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, pOpenFlags, pMode, pIno, pDev}},
		{ID: IDFileRead, Name: "file_read", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, pFd, pBytes, pCount, pIno, pDev}},
		{ID: IDFileWrite, Name: "file_write", Sets: fileSets, OptIn: true, Result: true, Aliases: []string{"vfs_write"},
			Params: []Param{pPath, pFd, pBytes, pCount, pIno, pDev}},
		{ID: IDFileUnlink, Name: "file_unlink", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, {Name: "flags", Type: TypeUint, Size: 4, CType: "int", Fmt: sysfmt.AtFlags, Control: -1}}},
		{ID: IDFileRename, Name: "file_rename", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{{Name: "oldpath", Type: TypeStr, CType: "path", Control: -1}, {Name: "newpath", Type: TypeStr, CType: "path", Control: -1},
				{Name: "flags", Type: TypeUint, Size: 4, CType: "unsigned int", Fmt: sysfmt.RenameFlags, Control: -1}}},
		{ID: IDFileChmod, Name: "file_chmod", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, pMode}},
		{ID: IDFileChown, Name: "file_chown", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, {Name: "uid", Type: TypeInt, Size: 4, CType: "uid_t", Control: -1}, {Name: "gid", Type: TypeInt, Size: 4, CType: "gid_t", Control: -1}}},
		{ID: IDFileExec, Name: "file_exec", Sets: fileSets, OptIn: true, Result: true,
			Params: []Param{pPath, pIno, pDev}},
	}
}

// netDefs are the network events.
func netDefs() []Def {
	return []Def{
		{ID: IDTCPConnect, Name: "tcp_connect", Sets: netSets, OptIn: true, Result: true, Params: []Param{pLocal, pRemote, pNetns}},
		{ID: IDTCPAccept, Name: "tcp_accept", Sets: netSets, OptIn: true, Params: []Param{pLocal, pRemote, pNetns}},
		{ID: IDTCPClose, Name: "tcp_close", Sets: netSets, OptIn: true, Params: []Param{pLocal, pRemote, pSent, pReceived, pDuration, pRole}},
		{ID: IDTCPListen, Name: "tcp_listen", Sets: netSets, OptIn: true, Params: []Param{pLocal, pNetns}},
		{ID: IDUDPSend, Name: "udp_send", Sets: netSets, OptIn: true, Params: []Param{pLocal, pRemote, pNetns}},
		{ID: IDUDPRecv, Name: "udp_recv", Sets: netSets, OptIn: true, Params: []Param{pLocal, pRemote, pNetns}},
		{ID: IDUnixConnect, Name: "unix_connect", Sets: netSets, OptIn: true, Result: true, Params: []Param{pPath, pFd}},
	}
}

// Peer names the far end of a network event; the net namer fills it.
type Peer struct {
	Kind PeerKind
	// ID, Name, Image: the container at the far end (PeerContainer), or the
	// event's own container (PeerLoopback).
	ID, Name, Image string
}

// PeerKind classifies the far end of a connection.
type PeerKind uint8

const (
	PeerUnknown   PeerKind = iota // not a network event, or not resolved
	PeerContainer                 // another container on this host
	PeerLoopback                  // the same container (loopback, or its own address)
	PeerHost                      // the host
	PeerExternal                  // anything else
)

var peerKindNames = [...]string{PeerUnknown: "", PeerContainer: "container", PeerLoopback: "loopback", PeerHost: "host", PeerExternal: "external"}

func (k PeerKind) String() string {
	if int(k) < len(peerKindNames) {
		return peerKindNames[k]
	}
	return ""
}

// Shared names the containers that mount the volume holding a file event's path.
type Shared struct {
	Source     string // host path (or volume name) of the mount
	Containers []ContainerRef
}

// ContainerRef names a container.
type ContainerRef struct{ ID, Name string }
