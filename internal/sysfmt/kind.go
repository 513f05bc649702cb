package sysfmt

import "strings"

// Kind selects a formatter. The zero Kind, None, means "no formatter".
type Kind uint8

// The formatters. Each comment names the syscall parameters it is meant for
// and shows strace's notation.
const (
	None               Kind = iota
	OpenFlags               // open/openat/mq_open flags, F_SETFL: O_RDONLY|O_CLOEXEC (access mode first, always)
	OFlags                  // pipe2/dup3 flags: O_* without an access mode; 0 is "0"
	FileMode                // open/mkdir/chmod/umask mode: 0644, 000
	NodeMode                // mknod mode: S_IFREG|0644, S_ISUID|S_ISGID|S_ISVTX|0777
	AccessMode              // access/faccessat mode: F_OK, R_OK|W_OK
	AtFlags                 // *at flags: AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH
	AccessAtFlags           // faccessat2 flags: AT_EACCESS
	StatxFlags              // statx flags: AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW
	StatxMask               // statx mask: STATX_BASIC_STATS, STATX_TYPE|STATX_MODE
	OpenTreeFlags           // open_tree flags: OPEN_TREE_CLONE|AT_RECURSIVE
	MountSetattrFlags       // mount_setattr flags: AT_RECURSIVE
	DirFd                   // *at directory fds: AT_FDCWD, else the number
	MmapProt                // mmap/mprotect prot: PROT_READ|PROT_WRITE, PROT_NONE
	MmapFlags               // mmap flags: MAP_PRIVATE|MAP_ANONYMOUS, 21<<MAP_HUGE_SHIFT
	MremapFlags             // mremap flags: MREMAP_MAYMOVE
	MadviseAdvice           // madvise/process_madvise advice: MADV_DONTNEED
	MsyncFlags              // msync flags: MS_SYNC
	MlockallFlags           // mlockall flags: MCL_CURRENT|MCL_FUTURE
	Mlock2Flags             // mlock2 flags: MLOCK_ONFAULT
	CloneFlags              // clone flags with the exit signal: CLONE_VM|CLONE_FS|SIGCHLD
	UnshareFlags            // unshare flags: CLONE_NEWNS|CLONE_NEWUSER
	SetnsType               // setns nstype: CLONE_NEWNET, 0
	SocketFamily            // socket/socketpair family: AF_INET
	SocketType              // socket/socketpair type: SOCK_STREAM|SOCK_CLOEXEC
	SocketFlags             // accept4 flags: SOCK_CLOEXEC|SOCK_NONBLOCK
	SocketProtocol          // socket protocol without its family: the number; see Resolve
	InetProtocol            // AF_INET/AF_INET6 protocol: IPPROTO_TCP, IPPROTO_IP
	NetlinkProtocol         // AF_NETLINK protocol: NETLINK_ROUTE
	PacketProtocol          // AF_PACKET protocol (network byte order): htons(ETH_P_ALL)
	SockoptLevel            // [gs]etsockopt level: SOL_SOCKET, SOL_TCP
	ShutdownHow             // shutdown how: SHUT_RDWR
	MsgFlags                // send*/recv* flags: MSG_NOSIGNAL|MSG_DONTWAIT
	FcntlCmd                // fcntl cmd: F_SETFD, F_DUPFD_CLOEXEC
	FcntlArg                // fcntl arg without its cmd: decimal; see Resolve
	FdFlags                 // F_SETFD arg: FD_CLOEXEC
	SealFlags               // F_ADD_SEALS arg: F_SEAL_SEAL|F_SEAL_WRITE
	LeaseType               // F_SETLEASE arg: F_RDLCK, F_WRLCK, F_UNLCK
	DnotifyFlags            // F_NOTIFY arg: DN_MODIFY|DN_MULTISHOT
	PrctlOption             // prctl option: PR_SET_NAME
	ArchPrctlCode           // arch_prctl option: ARCH_SET_FS
	Signal                  // kill/tgkill/rt_sig* signal: SIGTERM; 0 and unknown signals as signed decimal
	SigprocmaskHow          // rt_sigprocmask how: SIG_BLOCK
	WaitOptions             // wait4/waitid options: WNOHANG|__WALL
	WaitIdType              // waitid which: P_PID
	IoctlRequest            // ioctl cmd: TCGETS, FIONREAD, _IOC(_IOC_READ, 0x12, 0x72, 0x8)
	SeccompOp               // seccomp op: SECCOMP_SET_MODE_FILTER
	SeccompFlags            // seccomp flags: SECCOMP_FILTER_FLAG_TSYNC
	BpfCmd                  // bpf cmd: BPF_PROG_LOAD
	Whence                  // lseek whence: SEEK_CUR
	FutexOp                 // futex op: FUTEX_WAIT_PRIVATE, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME
	ClockID                 // clock_* / timer_create / timerfd_create clock: CLOCK_MONOTONIC
	TimerFlags              // timer_settime/clock_nanosleep flags: TIMER_ABSTIME
	TimerfdFlags            // timerfd_create/timerfd_settime flags: TFD_CLOEXEC, TFD_TIMER_ABSTIME
	RlimitResource          // [gs]etrlimit/prlimit64 resource: RLIMIT_NOFILE
	EpollCtlOp              // epoll_ctl op: EPOLL_CTL_ADD
	EpollFlags              // epoll_create1 flags: EPOLL_CLOEXEC
	EventfdFlags            // eventfd2 flags: EFD_CLOEXEC|EFD_NONBLOCK
	InotifyInitFlags        // inotify_init1 flags: IN_CLOEXEC
	InotifyMask             // inotify_add_watch mask: IN_MODIFY|IN_CREATE
	SignalfdFlags           // signalfd4 flags: SFD_CLOEXEC
	MemfdFlags              // memfd_create flags: MFD_CLOEXEC|MFD_ALLOW_SEALING
	RenameFlags             // renameat2 flags: RENAME_NOREPLACE
	MountFlags              // mount flags: MS_REC|MS_PRIVATE, MS_MGC_VAL
	UmountFlags             // umount2 flags: MNT_DETACH
	FsopenFlags             // fsopen flags: FSOPEN_CLOEXEC
	FsmountFlags            // fsmount flags: FSMOUNT_CLOEXEC
	FspickFlags             // fspick flags: FSPICK_CLOEXEC
	MoveMountFlags          // move_mount flags: MOVE_MOUNT_F_EMPTY_PATH
	GetrandomFlags          // getrandom flags: GRND_NONBLOCK
	FallocateMode           // fallocate mode: FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE
	FadviseAdvice           // fadvise64 advice: POSIX_FADV_SEQUENTIAL
	FlockOp                 // flock operation: LOCK_EX|LOCK_NB
	SpliceFlags             // splice/tee/vmsplice flags: SPLICE_F_MOVE
	SyncFileRangeFlags      // sync_file_range flags: SYNC_FILE_RANGE_WRITE
	RwfFlags                // preadv2/pwritev2 flags: RWF_NOWAIT
	SchedPolicy             // sched_setscheduler/sched_get_priority_* policy: SCHED_FIFO
	PtraceRequest           // ptrace request: PTRACE_SEIZE
	KeyctlCmd               // keyctl option: KEYCTL_GET_KEYRING_ID
	CloseRangeFlags         // close_range flags: CLOSE_RANGE_CLOEXEC
	PidfdOpenFlags          // pidfd_open flags: PIDFD_NONBLOCK
	UserfaultfdFlags        // userfaultfd flags: O_CLOEXEC|O_NONBLOCK
	ItimerWhich             // [gs]etitimer which: ITIMER_REAL
	PriorityWhich           // [gs]etpriority which: PRIO_PROCESS
	RusageWho               // getrusage who: RUSAGE_SELF, RUSAGE_CHILDREN
	numKinds
)

// NumKinds is the number of Kinds, None included: valid Kinds are
// 0 <= k < NumKinds.
const NumKinds = int(numKinds)

var kindNames = [numKinds]string{
	None: "None", OpenFlags: "OpenFlags", OFlags: "OFlags", FileMode: "FileMode", NodeMode: "NodeMode",
	AccessMode: "AccessMode", AtFlags: "AtFlags", AccessAtFlags: "AccessAtFlags", StatxFlags: "StatxFlags",
	StatxMask: "StatxMask", OpenTreeFlags: "OpenTreeFlags", MountSetattrFlags: "MountSetattrFlags", DirFd: "DirFd",
	MmapProt: "MmapProt", MmapFlags: "MmapFlags", MremapFlags: "MremapFlags", MadviseAdvice: "MadviseAdvice",
	MsyncFlags: "MsyncFlags", MlockallFlags: "MlockallFlags", Mlock2Flags: "Mlock2Flags", CloneFlags: "CloneFlags",
	UnshareFlags: "UnshareFlags", SetnsType: "SetnsType", SocketFamily: "SocketFamily", SocketType: "SocketType",
	SocketFlags: "SocketFlags", SocketProtocol: "SocketProtocol", InetProtocol: "InetProtocol",
	NetlinkProtocol: "NetlinkProtocol", PacketProtocol: "PacketProtocol", SockoptLevel: "SockoptLevel",
	ShutdownHow: "ShutdownHow", MsgFlags: "MsgFlags", FcntlCmd: "FcntlCmd", FcntlArg: "FcntlArg", FdFlags: "FdFlags",
	SealFlags: "SealFlags", LeaseType: "LeaseType", DnotifyFlags: "DnotifyFlags", PrctlOption: "PrctlOption",
	ArchPrctlCode: "ArchPrctlCode", Signal: "Signal", SigprocmaskHow: "SigprocmaskHow", WaitOptions: "WaitOptions",
	WaitIdType: "WaitIdType", IoctlRequest: "IoctlRequest", SeccompOp: "SeccompOp", SeccompFlags: "SeccompFlags",
	BpfCmd: "BpfCmd", Whence: "Whence", FutexOp: "FutexOp", ClockID: "ClockID", TimerFlags: "TimerFlags",
	TimerfdFlags: "TimerfdFlags", RlimitResource: "RlimitResource", EpollCtlOp: "EpollCtlOp", EpollFlags: "EpollFlags",
	EventfdFlags: "EventfdFlags", InotifyInitFlags: "InotifyInitFlags", InotifyMask: "InotifyMask",
	SignalfdFlags: "SignalfdFlags", MemfdFlags: "MemfdFlags", RenameFlags: "RenameFlags", MountFlags: "MountFlags",
	UmountFlags: "UmountFlags", FsopenFlags: "FsopenFlags", FsmountFlags: "FsmountFlags", FspickFlags: "FspickFlags",
	MoveMountFlags: "MoveMountFlags", GetrandomFlags: "GetrandomFlags", FallocateMode: "FallocateMode",
	FadviseAdvice: "FadviseAdvice", FlockOp: "FlockOp", SpliceFlags: "SpliceFlags",
	SyncFileRangeFlags: "SyncFileRangeFlags", RwfFlags: "RwfFlags", SchedPolicy: "SchedPolicy",
	PtraceRequest: "PtraceRequest", KeyctlCmd: "KeyctlCmd", CloseRangeFlags: "CloseRangeFlags",
	PidfdOpenFlags: "PidfdOpenFlags", UserfaultfdFlags: "UserfaultfdFlags", ItimerWhich: "ItimerWhich",
	PriorityWhich: "PriorityWhich", RusageWho: "RusageWho",
}

// String returns the name of the Kind ("OpenFlags"), or "Kind(N)" for a
// value out of range.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	if base := k &^ archARM64; k&archARM64 != 0 && hasARM64(base) {
		return kindNames[base] + "@" + ArchARM64
	}
	return "Kind(" + string(appendUint(nil, uint64(k))) + ")"
}

// KindByName returns the Kind called name (as String returns it).
func KindByName(name string) (Kind, bool) {
	if base, ok := strings.CutSuffix(name, "@"+ArchARM64); ok {
		k, ok := KindByName(base)
		if !ok || !hasARM64(k) {
			return None, false
		}
		return k | archARM64, true
	}
	for k := range kindNames {
		if kindNames[k] == name {
			return Kind(k), true
		}
	}
	return None, false
}

// Resolve refines a Kind whose notation depends on another argument of the
// same call: SocketProtocol by the socket family, FcntlArg by the fcntl
// command. Any other Kind is returned unchanged.
//
//	socket(AF_INET, SOCK_STREAM, IPPROTO_TCP): SocketProtocol.Resolve(AF_INET) == InetProtocol
//	fcntl(3, F_SETFD, FD_CLOEXEC):              FcntlArg.Resolve(F_SETFD) == FdFlags
//
// A result of None means strace prints the argument as a plain number, or
// not at all (fcntl(3, F_GETFL)).
func (k Kind) Resolve(ctrl uint64) Kind {
	if k&archARM64 != 0 && k < archARM64+numKinds {
		return (k &^ archARM64).Resolve(ctrl).ForArch(ArchARM64)
	}
	switch k {
	case SocketProtocol:
		switch uint32(ctrl) {
		case 2, 10: // AF_INET, AF_INET6
			return InetProtocol
		case 16: // AF_NETLINK
			return NetlinkProtocol
		case 17: // AF_PACKET
			return PacketProtocol
		}
		return SocketProtocol
	case FcntlArg:
		switch uint32(ctrl) {
		case 2: // F_SETFD
			return FdFlags
		case 4: // F_SETFL
			return OpenFlags
		case 10: // F_SETSIG
			return Signal
		case 1024: // F_SETLEASE
			return LeaseType
		case 1026: // F_NOTIFY
			return DnotifyFlags
		case 1033: // F_ADD_SEALS
			return SealFlags
		case 1, 3, 9, 11, 1025, 1032, 1034: // F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS: no argument
			return None
		}
		return FcntlArg
	}
	return k
}
