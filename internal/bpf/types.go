package bpf

// Short names for the types bpf2go generates from ctrace.h. These are
// aliases, not copies: ctrace.h stays the only definition.
type (
	Header       = CtraceCtraceHeader
	Item         = CtraceCtraceItem
	SyscallRec   = CtraceCtraceSyscallRec
	ForkRec      = CtraceCtraceForkRec
	ExecRec      = CtraceCtraceExecRec
	ExitRec      = CtraceCtraceExitRec
	CgroupRec    = CtraceCtraceCgroupRec
	SyscallConf  = CtraceCtraceSyscallConf
	CgroupInfo   = CtraceCtraceCgroupInfo
	RecordKind   = CtraceCtraceRecordKind
	RecordFlags  = CtraceCtraceRecordFlags
	ArgKind      = CtraceCtraceArgKind
	ItemFlags    = CtraceCtraceItemFlags
	SyscallFlags = CtraceCtraceSyscallFlags
	CgroupState  = CtraceCtraceCgroupState
	Stat         = CtraceCtraceStat
	Lifecycle    = CtraceCtraceLifecycle
	Filter       = CtraceCtraceFilter
	Verdict      = CtraceCtraceFilterVerdict
	CommKey      = CtraceCtraceCommKey
)

// Record kinds, flags and capture kinds under short names.
const (
	RecSyscall     = CtraceCtraceRecordKindCTRACE_REC_SYSCALL
	RecFork        = CtraceCtraceRecordKindCTRACE_REC_FORK
	RecExec        = CtraceCtraceRecordKindCTRACE_REC_EXEC
	RecExit        = CtraceCtraceRecordKindCTRACE_REC_EXIT
	RecCgroupMkdir = CtraceCtraceRecordKindCTRACE_REC_CGROUP_MKDIR
	RecCgroupRmdir = CtraceCtraceRecordKindCTRACE_REC_CGROUP_RMDIR
	// RecSysEnter and RecSysExit are the raw sys_enter/sys_exit events (a SyscallRec each).
	RecSysEnter = CtraceCtraceRecordKindCTRACE_REC_SYS_ENTER
	RecSysExit  = CtraceCtraceRecordKindCTRACE_REC_SYS_EXIT

	FlagNoReturn      = CtraceCtraceRecordFlagsCTRACE_F_NORETURN
	FlagUnfinished    = CtraceCtraceRecordFlagsCTRACE_F_UNFINISHED
	FlagDataTruncated = CtraceCtraceRecordFlagsCTRACE_F_DATA_TRUNCATED
	FlagFdOnly        = CtraceCtraceRecordFlagsCTRACE_F_FD_ONLY

	ArgRaw    = CtraceCtraceArgKindCTRACE_ARG_RAW
	ArgStr    = CtraceCtraceArgKindCTRACE_ARG_STR
	ArgStrArr = CtraceCtraceArgKindCTRACE_ARG_STRARR

	ItemTruncated = CtraceCtraceItemFlagsCTRACE_ITEM_TRUNCATED
	ItemFault     = CtraceCtraceItemFlagsCTRACE_ITEM_FAULT
	ItemMore      = CtraceCtraceItemFlagsCTRACE_ITEM_MORE

	SyscallNoReturn       = CtraceCtraceSyscallFlagsCTRACE_SC_NORETURN
	SyscallCaptureAtEntry = CtraceCtraceSyscallFlagsCTRACE_SC_CAPTURE_AT_ENTRY
	SyscallEnabled        = CtraceCtraceSyscallFlagsCTRACE_SC_ENABLED
	SyscallFdTrack        = CtraceCtraceSyscallFlagsCTRACE_SC_FDTRACK
	SyscallData           = CtraceCtraceSyscallFlagsCTRACE_SC_DATA
	SyscallRawEnter       = CtraceCtraceSyscallFlagsCTRACE_SC_RAW_ENTER
	SyscallRawExit        = CtraceCtraceSyscallFlagsCTRACE_SC_RAW_EXIT

	LifecycleFork = CtraceCtraceLifecycleCTRACE_LC_FORK
	LifecycleExec = CtraceCtraceLifecycleCTRACE_LC_EXEC
	LifecycleExit = CtraceCtraceLifecycleCTRACE_LC_EXIT
	// LifecycleFdTrack emits the lifecycle records not selected, marked FlagFdOnly.
	LifecycleFdTrack = CtraceCtraceLifecycleCTRACE_LC_FDTRACK

	CgroupCandidate = CtraceCtraceCgroupStateCTRACE_CG_CANDIDATE
	CgroupContainer = CtraceCtraceCgroupStateCTRACE_CG_CONTAINER
	CgroupExcluded  = CtraceCtraceCgroupStateCTRACE_CG_EXCLUDED

	StatLostRingbuf   = CtraceCtraceStatCTRACE_STAT_LOST_RINGBUF
	StatLostPending   = CtraceCtraceStatCTRACE_STAT_LOST_PENDING
	StatExecTruncated = CtraceCtraceStatCTRACE_STAT_EXEC_TRUNCATED
	StatPidFollowFull = CtraceCtraceStatCTRACE_STAT_PID_FOLLOW_FULL
	StatMax           = CtraceCtraceStatCTRACE_STAT_MAX

	FiltCommIn    = CtraceCtraceFilterCTRACE_FILT_COMM_IN
	FiltCommOut   = CtraceCtraceFilterCTRACE_FILT_COMM_OUT
	FiltPidIn     = CtraceCtraceFilterCTRACE_FILT_PID_IN
	FiltPidOut    = CtraceCtraceFilterCTRACE_FILT_PID_OUT
	FiltUidIn     = CtraceCtraceFilterCTRACE_FILT_UID_IN
	FiltUidOut    = CtraceCtraceFilterCTRACE_FILT_UID_OUT
	FiltContainer = CtraceCtraceFilterCTRACE_FILT_CONTAINER

	VerdictIn  = CtraceCtraceFilterVerdictCTRACE_FILTER_IN
	VerdictOut = CtraceCtraceFilterVerdictCTRACE_FILTER_OUT
)

// Limits from ctrace.h that user space needs. TestLimitsMatchHeader checks
// every literal constant of this package against ctrace.h.
const (
	// MaxSyscalls is CTRACE_MAX_SYSCALLS: syscall_conf has MaxSyscalls+1
	// entries, the last one for every syscall number beyond the table.
	MaxSyscalls = 512
	MaxArgs     = 6
	// PathMax, ArgvStrMax and ArgvMax are the string limits (NUL included).
	PathMax    = 4096
	ArgvStrMax = 256
	ArgvMax    = 32
	DataMax    = 12288
)

// CommLen is CTRACE_COMM_LEN: a task's name in the kernel, NUL included.
const CommLen = len(CommKey{}.Comm)

// More capture kinds and limits from ctrace.h.
const (
	ArgSockaddr = CtraceCtraceArgKindCTRACE_ARG_SOCKADDR
	ArgBytes    = CtraceCtraceArgKindCTRACE_ARG_BYTES
	ArgBufIn    = CtraceCtraceArgKindCTRACE_ARG_BUF_IN
	ArgBufOut   = CtraceCtraceArgKindCTRACE_ARG_BUF_OUT

	// BytesMax is CTRACE_BYTES_MAX: the most bytes read for one struct or buffer argument.
	BytesMax = 256
)
