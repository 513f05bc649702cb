package sysfmt

import "sort"

// style of a table-driven formatter.
type style uint8

const (
	special style = iota // formatted by code in Append
	enum                 // one name, or "0x… /* DFLT */"
	flags                // names joined by '|', unknown bits in hex
)

// spec describes a table-driven Kind.
type spec struct {
	style style
	mask  uint64 // width of the C type
	tab   []xent
	dflt  string // strace's placeholder for unknown values, e.g. "O_???"
}

// specs holds the table-driven Kinds; the others are special.
var specs = [numKinds]spec{
	OFlags:             {flags, w32, openFlagTab[:], "O_???"},
	AccessMode:         {flags, w32, accessModeTab[:], "?_OK"},
	AtFlags:            {flags, w32, atFlagsTab[:], "AT_???"},
	AccessAtFlags:      {flags, w32, accessAtFlagsTab[:], "AT_???"},
	StatxMask:          {flags, w32, statxMaskTab[:], "STATX_???"},
	OpenTreeFlags:      {flags, w32, openTreeFlagsTab[:], "OPEN_TREE_???"},
	MountSetattrFlags:  {flags, w32, mountSetattrFlagsTab[:], "AT_???"},
	MmapProt:           {flags, w64, mmapProtTab[:], "PROT_???"},
	MremapFlags:        {flags, w64, mremapFlagsTab[:], "MREMAP_???"},
	MadviseAdvice:      {enum, w32, madviseAdviceTab[:], "MADV_???"},
	MsyncFlags:         {flags, w32, msyncFlagsTab[:], "MS_???"},
	MlockallFlags:      {flags, w32, mlockallFlagsTab[:], "MCL_???"},
	Mlock2Flags:        {flags, w32, mlock2FlagsTab[:], "MLOCK_???"},
	UnshareFlags:       {flags, w64, unshareFlagsTab[:], "CLONE_???"},
	SetnsType:          {flags, w32, setnsTab[:], "CLONE_NEW???"},
	SocketFamily:       {enum, w32, socketFamilyTab[:], "AF_???"},
	SocketFlags:        {flags, w32, socketFlagsTab[:], "SOCK_???"},
	InetProtocol:       {enum, w32, inetProtocolTab[:], "IPPROTO_???"},
	NetlinkProtocol:    {enum, w32, netlinkProtocolTab[:], "NETLINK_???"},
	SockoptLevel:       {enum, w32, sockoptLevelTab[:], "SOL_??"},
	ShutdownHow:        {enum, w32, shutdownHowTab[:], "SHUT_???"},
	MsgFlags:           {flags, w32, msgFlagsTab[:], "MSG_???"},
	FcntlCmd:           {enum, w32, fcntlCmdTab[:], "F_???"},
	FdFlags:            {flags, w32, fdFlagsTab[:], "FD_???"},
	SealFlags:          {flags, w64, sealTab[:], "F_SEAL_???"},
	LeaseType:          {enum, w64, leaseTab[:], "F_???"},
	DnotifyFlags:       {flags, w64, dnotifyTab[:], "DN_???"},
	PrctlOption:        {enum, w32, prctlOptionTab[:], "PR_???"},
	ArchPrctlCode:      {enum, w32, archPrctlCodeTab[:], "ARCH_???"},
	SigprocmaskHow:     {enum, w32, sigprocmaskHowTab[:], "SIG_???"},
	WaitOptions:        {flags, w32, waitOptionsTab[:], "W???"},
	WaitIdType:         {enum, w32, waitIdTypeTab[:], "P_???"},
	SeccompOp:          {enum, w32, seccompOpTab[:], "SECCOMP_SET_MODE_???"},
	SeccompFlags:       {flags, w32, seccompFlagsTab[:], "SECCOMP_FILTER_FLAG_???"},
	BpfCmd:             {enum, w32, bpfCmdTab[:], "BPF_???"},
	Whence:             {enum, w32, whenceTab[:], "SEEK_???"},
	FutexOp:            {enum, w32, futexOpTab[:], "FUTEX_???"},
	ClockID:            {enum, w32, clockIDTab[:], "CLOCK_???"},
	TimerFlags:         {flags, w32, timerFlagsTab[:], "TIMER_???"},
	TimerfdFlags:       {flags, w32, timerfdFlagsTab[:], "TFD_???"},
	RlimitResource:     {enum, w32, rlimitResourceTab[:], "RLIMIT_???"},
	EpollCtlOp:         {enum, w32, epollCtlOpTab[:], "EPOLL_CTL_???"},
	EpollFlags:         {flags, w32, epollFlagsTab[:], "EPOLL_???"},
	EventfdFlags:       {flags, w32, eventfdFlagsTab[:], "EFD_???"},
	InotifyInitFlags:   {flags, w32, inotifyInitFlagsTab[:], "IN_???"},
	InotifyMask:        {flags, w32, inotifyMaskTab[:], "IN_???"},
	SignalfdFlags:      {flags, w32, signalfdFlagsTab[:], "SFD_???"},
	RenameFlags:        {flags, w32, renameFlagsTab[:], "RENAME_??"},
	UmountFlags:        {flags, w32, umountFlagsTab[:], "MNT_???"},
	FsopenFlags:        {flags, w32, fsopenFlagsTab[:], "FSOPEN_???"},
	FsmountFlags:       {flags, w32, fsmountFlagsTab[:], "FSMOUNT_???"},
	FspickFlags:        {flags, w32, fspickFlagsTab[:], "FSPICK_???"},
	MoveMountFlags:     {flags, w32, moveMountFlagsTab[:], "MOVE_MOUNT_???"},
	GetrandomFlags:     {flags, w32, getrandomFlagsTab[:], "GRND_???"},
	FallocateMode:      {flags, w32, fallocateModeTab[:], "FALLOC_FL_???"},
	FadviseAdvice:      {enum, w32, fadviseAdviceTab[:], "POSIX_FADV_???"},
	FlockOp:            {flags, w32, flockOpTab[:], "LOCK_???"},
	SpliceFlags:        {flags, w32, spliceFlagsTab[:], "SPLICE_F_???"},
	SyncFileRangeFlags: {flags, w32, syncFileRangeFlagsTab[:], "SYNC_FILE_RANGE_???"},
	RwfFlags:           {flags, w32, rwfTab[:], "RWF_???"},
	SchedPolicy:        {enum, w32, schedPolicyTab[:], "SCHED_???"},
	PtraceRequest:      {enum, w64, ptraceRequestTab[:], "PTRACE_???"},
	KeyctlCmd:          {enum, w32, keyctlCmdTab[:], "KEYCTL_???"},
	CloseRangeFlags:    {flags, w32, closeRangeFlagsTab[:], "CLOSE_RANGE_???"},
	PidfdOpenFlags:     {flags, w32, pidfdOpenFlagsTab[:], "PIDFD_???"},
	UserfaultfdFlags:   {flags, w32, userfaultfdFlagsTab[:], "UFFD_???"},
	ItimerWhich:        {enum, w32, itimerWhichTab[:], "ITIMER_???"},
	PriorityWhich:      {enum, w32, priorityWhichTab[:], "PRIO_???"},
	RusageWho:          {enum, w32, rusageWhoTab[:], "RUSAGE_???"},
}

// Append appends the symbolic form of the raw register value v, as kind k
// renders it, to dst and returns the extended buffer. It never allocates
// except to grow dst. None and unknown Kinds render v in hex ("0x…", "0").
func Append(dst []byte, k Kind, v uint64) []byte {
	if k >= numKinds {
		if k&archARM64 != 0 && hasARM64(k&^archARM64) {
			return appendARM64(dst, k&^archARM64, v)
		}
		return appendHex(dst, v)
	}
	if s := &specs[k]; s.style != special {
		v &= s.mask
		if s.style == enum {
			return appendEnum(dst, s.tab, v, s.dflt)
		}
		return appendFlags(dst, s.tab, v, s.dflt)
	}
	switch k {
	case OpenFlags:
		return appendOpenFlags(dst, v&w32)
	case FileMode:
		return appendOctal(dst, v&0xffff)
	case NodeMode:
		return appendNodeMode(dst, v&0xffff)
	case StatxFlags:
		return appendStatxFlags(dst, v&w32)
	case DirFd:
		if int32(v) == -100 {
			return append(dst, "AT_FDCWD"...)
		}
		return appendInt(dst, int64(int32(v)))
	case MmapFlags:
		return appendMmapFlags(dst, v&w32)
	case CloneFlags:
		return appendCloneFlags(dst, v)
	case SocketType:
		return appendSocketType(dst, v&w32)
	case SocketProtocol:
		return appendUint(dst, v)
	case FcntlArg:
		return appendInt(dst, int64(v))
	case PacketProtocol:
		return appendPacketProtocol(dst, v)
	case Signal:
		return appendSignal(dst, int64(int32(v)))
	case IoctlRequest:
		return appendIoctl(dst, v&w32)
	case MemfdFlags:
		return appendMemfdFlags(dst, v&w32)
	case MountFlags:
		return appendMountFlags(dst, v)
	}
	return appendHex(dst, v)
}

func appendOpenFlags(dst []byte, v uint64) []byte {
	dst = append(dst, openAccessTab[v&3].s...)
	dst, rest, _ := appendFlagBits(dst, openFlagTab[:], v&^3, true)
	return appendRest(dst, rest, true, "")
}

// appendNodeMode renders a mode with its file type, as strace does for
// mknod: "S_IFCHR|0600"; an unknown file type makes the whole mode octal.
func appendNodeMode(dst []byte, v uint64) []byte {
	const ifmt, suid, sgid, svtx = 0o170000, 0o4000, 0o2000, 0o1000
	typ, known := lookup(modeTypeTab[:], v&ifmt)
	if v&ifmt != 0 && !known {
		return appendOctal(dst, v)
	}
	if known {
		dst = append(dst, typ...)
		dst = append(dst, '|')
	}
	if v&suid != 0 {
		dst = append(dst, "S_ISUID|"...)
	}
	if v&sgid != 0 {
		dst = append(dst, "S_ISGID|"...)
	}
	if v&svtx != 0 {
		dst = append(dst, "S_ISVTX|"...)
	}
	return appendOctal(dst, v&0o777)
}

func appendStatxFlags(dst []byte, v uint64) []byte {
	const syncType = 0x6000
	if v&syncType == 0 {
		dst = append(dst, "AT_STATX_SYNC_AS_STAT"...)
	} else {
		dst, _, _ = appendFlagBits(dst, statxSyncTab[:], v&syncType, false)
	}
	dst, rest, _ := appendFlagBits(dst, atFlagsTab[:], v&^syncType, true)
	return appendRest(dst, rest, true, "")
}

func appendMmapFlags(dst []byte, v uint64) []byte { return appendMmapFlagsTab(dst, v, mmapFlagTab[:]) }

func appendMmapFlagsTab(dst []byte, v uint64, tab []xent) []byte {
	const typeMask, hugeShift = 0xf, 26
	typ := v & typeMask
	if s, ok := lookup(mmapTypeTab[:], typ); ok {
		dst = append(dst, s...)
	} else {
		dst = appendUnknown(dst, typ, "MAP_???")
	}
	huge := v >> hugeShift
	dst, rest, _ := appendFlagBits(dst, tab, v&^typeMask&(1<<hugeShift-1), true)
	dst = appendRest(dst, rest, true, "")
	if huge != 0 {
		dst = append(dst, '|')
		dst = appendUint(dst, huge)
		dst = append(dst, "<<MAP_HUGE_SHIFT"...)
	}
	return dst
}

func appendCloneFlags(dst []byte, v uint64) []byte {
	sig, fl := v&0xff, v&^0xff
	if fl == 0 && sig == 0 {
		return append(dst, '0')
	}
	if fl != 0 {
		dst = appendFlags(dst, cloneFlagTab[:], fl, "CLONE_???")
		if sig != 0 {
			dst = append(dst, '|')
		}
	}
	if sig != 0 {
		dst = appendSignal(dst, int64(sig))
	}
	return dst
}

func appendSocketType(dst []byte, v uint64) []byte {
	const typeMask = 0xf
	if s, ok := lookup(sockTypeTab[:], v&typeMask); ok {
		dst = append(dst, s...)
		if rest := v &^ typeMask; rest != 0 {
			dst = append(dst, '|')
			dst = appendFlags(dst, socketFlagsTab[:], rest, "SOCK_???")
		}
		return dst
	}
	return appendFlags(dst, socketFlagsTab[:], v, "SOCK_???")
}

// appendPacketProtocol renders an AF_PACKET protocol, which is in network
// byte order: "htons(ETH_P_ALL)".
func appendPacketProtocol(dst []byte, v uint64) []byte {
	p := (v&0xff)<<8 | (v>>8)&0xff
	dst = append(dst, "htons("...)
	dst = appendEnum(dst, ethProtoTab[:], p, "ETH_P_???")
	return append(dst, ')')
}

// appendSignal renders a signal number: "SIGTERM", "SIGRT_3", else decimal.
func appendSignal(dst []byte, sig int64) []byte {
	switch {
	case sig >= 1 && sig <= int64(len(signalNames)):
		return append(dst, signalNames[sig-1]...)
	case sig > int64(len(signalNames)) && sig <= 64:
		dst = append(dst, "SIGRT_"...)
		return appendUint(dst, uint64(sig-32))
	}
	return appendInt(dst, sig)
}

var iocDirNames = [4]string{"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"}

func appendIoctl(dst []byte, v uint64) []byte {
	i := sort.Search(len(ioctlTab), func(i int) bool { return ioctlTab[i].v >= v })
	if i < len(ioctlTab) && ioctlTab[i].v == v {
		return append(dst, ioctlTab[i].s...)
	}
	dst = append(dst, "_IOC("...)
	dst = append(dst, iocDirNames[v>>30]...)
	dst = append(dst, ", "...)
	dst = appendHex(dst, (v>>8)&0xff)
	dst = append(dst, ", "...)
	dst = appendHex(dst, v&0xff)
	dst = append(dst, ", "...)
	dst = appendHex(dst, (v>>16)&0x3fff)
	return append(dst, ')')
}

func appendMemfdFlags(dst []byte, v uint64) []byte {
	const hugeShift = 26
	huge, fl := v>>hugeShift, v&(1<<hugeShift-1)
	if fl == 0 && huge == 0 {
		return append(dst, '0')
	}
	if fl != 0 {
		dst = appendFlags(dst, memfdFlagsTab[:], fl, "MFD_???")
		if huge != 0 {
			dst = append(dst, '|')
		}
	}
	if huge != 0 {
		dst = appendUint(dst, huge)
		dst = append(dst, "<<MFD_HUGE_SHIFT"...)
	}
	return dst
}

func appendMountFlags(dst []byte, v uint64) []byte {
	const mgcMask, mgcVal = 0xffff0000, 0xc0ed0000
	if v&mgcMask == mgcVal {
		dst = append(dst, "MS_MGC_VAL"...)
		if v &= 0xffff; v != 0 {
			dst = append(dst, '|')
			dst = appendFlags(dst, mountFlagsTab[:], v, "MS_???")
		}
		return dst
	}
	return appendFlags(dst, mountFlagsTab[:], v, "MS_???")
}
