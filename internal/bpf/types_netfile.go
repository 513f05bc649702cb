package bpf

// Short names for the file and network types of ctrace.h (aliases of the
// bpf2go output, never copies).
type (
	NetRec    = CtraceCtraceNetRec
	FileRec   = CtraceCtraceFileRec
	NetEvent  = CtraceCtraceNetEvent
	NetRole   = CtraceCtraceNetRole
	NetFlags  = CtraceCtraceNetFlags
	FileEvent = CtraceCtraceFileEvent
	SockOwner = CtraceCtraceSockOwner
)

// Record kinds of file and network records, as RecordKind values (they live
// in their own enum in ctrace.h so that the two sections never collide).
const (
	RecNet  = RecordKind(CtraceCtraceNfRecordKindCTRACE_REC_NET)
	RecFile = RecordKind(CtraceCtraceNfRecordKindCTRACE_REC_FILE)
)

const (
	NetConnect = CtraceCtraceNetEventCTRACE_NET_CONNECT
	NetAccept  = CtraceCtraceNetEventCTRACE_NET_ACCEPT
	NetClose   = CtraceCtraceNetEventCTRACE_NET_CLOSE
	NetListen  = CtraceCtraceNetEventCTRACE_NET_LISTEN
	NetUDPSend = CtraceCtraceNetEventCTRACE_NET_UDP_SEND
	NetUDPRecv = CtraceCtraceNetEventCTRACE_NET_UDP_RECV

	RoleClient = CtraceCtraceNetRoleCTRACE_ROLE_CLIENT
	RoleServer = CtraceCtraceNetRoleCTRACE_ROLE_SERVER

	NetFlagAppBytes     = CtraceCtraceNetFlagsCTRACE_NETF_APP_BYTES
	NetFlagOwnerGuessed = CtraceCtraceNetFlagsCTRACE_NETF_OWNER_GUESSED

	FileOpen  = CtraceCtraceFileEventCTRACE_FILE_OPEN
	FileRead  = CtraceCtraceFileEventCTRACE_FILE_READ
	FileWrite = CtraceCtraceFileEventCTRACE_FILE_WRITE
	FileExec  = CtraceCtraceFileEventCTRACE_FILE_EXEC
)
