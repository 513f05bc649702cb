// Names and values (Linux ABI facts) of the simple formatters, checked against strace 6.1.

package sysfmt

var fcntlCmdTab = [...]xent{
	{0x0, "F_DUPFD"},
	{0x1, "F_GETFD"},
	{0x2, "F_SETFD"},
	{0x3, "F_GETFL"},
	{0x4, "F_SETFL"},
	{0x5, "F_GETLK"},
	{0x6, "F_SETLK"},
	{0x7, "F_SETLKW"},
	{0x8, "F_SETOWN"},
	{0x9, "F_GETOWN"},
	{0xa, "F_SETSIG"},
	{0xb, "F_GETSIG"},
	{0xc, "F_GETLK64"},
	{0xd, "F_SETLK64"},
	{0xe, "F_SETLKW64"},
	{0xf, "F_SETOWN_EX"},
	{0x10, "F_GETOWN_EX"},
	{0x11, "F_GETOWNER_UIDS"},
	{0x24, "F_OFD_GETLK"},
	{0x25, "F_OFD_SETLK"},
	{0x26, "F_OFD_SETLKW"},
	{0x400, "F_SETLEASE"},
	{0x401, "F_GETLEASE"},
	{0x402, "F_NOTIFY"},
	{0x405, "F_CANCELLK"},
	{0x406, "F_DUPFD_CLOEXEC"},
	{0x407, "F_SETPIPE_SZ"},
	{0x408, "F_GETPIPE_SZ"},
	{0x409, "F_ADD_SEALS"},
	{0x40a, "F_GET_SEALS"},
}

var prctlOptionTab = [...]xent{
	{0x1, "PR_SET_PDEATHSIG"},
	{0x2, "PR_GET_PDEATHSIG"},
	{0x3, "PR_GET_DUMPABLE"},
	{0x4, "PR_SET_DUMPABLE"},
	{0x5, "PR_GET_UNALIGN"},
	{0x6, "PR_SET_UNALIGN"},
	{0x7, "PR_GET_KEEPCAPS"},
	{0x8, "PR_SET_KEEPCAPS"},
	{0x9, "PR_GET_FPEMU"},
	{0xa, "PR_SET_FPEMU"},
	{0xb, "PR_GET_FPEXC"},
	{0xc, "PR_SET_FPEXC"},
	{0xd, "PR_GET_TIMING"},
	{0xe, "PR_SET_TIMING"},
	{0xf, "PR_SET_NAME"},
	{0x10, "PR_GET_NAME"},
	{0x13, "PR_GET_ENDIAN"},
	{0x14, "PR_SET_ENDIAN"},
	{0x15, "PR_GET_SECCOMP"},
	{0x16, "PR_SET_SECCOMP"},
	{0x17, "PR_CAPBSET_READ"},
	{0x18, "PR_CAPBSET_DROP"},
	{0x19, "PR_GET_TSC"},
	{0x1a, "PR_SET_TSC"},
	{0x1b, "PR_GET_SECUREBITS"},
	{0x1c, "PR_SET_SECUREBITS"},
	{0x1d, "PR_SET_TIMERSLACK"},
	{0x1e, "PR_GET_TIMERSLACK"},
	{0x1f, "PR_TASK_PERF_EVENTS_DISABLE"},
	{0x20, "PR_TASK_PERF_EVENTS_ENABLE"},
	{0x21, "PR_MCE_KILL"},
	{0x22, "PR_MCE_KILL_GET"},
	{0x23, "PR_SET_MM"},
	{0x24, "PR_SET_CHILD_SUBREAPER"},
	{0x25, "PR_GET_CHILD_SUBREAPER"},
	{0x26, "PR_SET_NO_NEW_PRIVS"},
	{0x27, "PR_GET_NO_NEW_PRIVS"},
	{0x28, "PR_GET_TID_ADDRESS"},
	{0x29, "PR_SET_THP_DISABLE"},
	{0x2a, "PR_GET_THP_DISABLE"},
	{0x2b, "PR_MPX_ENABLE_MANAGEMENT"},
	{0x2c, "PR_MPX_DISABLE_MANAGEMENT"},
	{0x2d, "PR_SET_FP_MODE"},
	{0x2e, "PR_GET_FP_MODE"},
	{0x2f, "PR_CAP_AMBIENT"},
	{0x32, "PR_SVE_SET_VL"},
	{0x33, "PR_SVE_GET_VL"},
	{0x34, "PR_GET_SPECULATION_CTRL"},
	{0x35, "PR_SET_SPECULATION_CTRL"},
	{0x36, "PR_PAC_RESET_KEYS"},
	{0x37, "PR_SET_TAGGED_ADDR_CTRL"},
	{0x38, "PR_GET_TAGGED_ADDR_CTRL"},
	{0x39, "PR_SET_IO_FLUSHER"},
	{0x3a, "PR_GET_IO_FLUSHER"},
	{0x3b, "PR_SET_SYSCALL_USER_DISPATCH"},
	{0x3c, "PR_PAC_SET_ENABLED_KEYS"},
	{0x3d, "PR_PAC_GET_ENABLED_KEYS"},
	{0x3e, "PR_SCHED_CORE"},
	{0x3f, "PR_SME_SET_VL"},
	{0x40, "PR_SME_GET_VL"},
	{0x59616d61, "PR_SET_PTRACER"},
	{0x53564d41, "PR_SET_VMA"},
}

var archPrctlCodeTab = [...]xent{
	{0x1001, "ARCH_SET_GS"},
	{0x1002, "ARCH_SET_FS"},
	{0x1003, "ARCH_GET_FS"},
	{0x1004, "ARCH_GET_GS"},
	{0x1011, "ARCH_GET_CPUID"},
	{0x1012, "ARCH_SET_CPUID"},
	{0x1021, "ARCH_GET_XCOMP_SUPP"},
	{0x1022, "ARCH_GET_XCOMP_PERM"},
	{0x1023, "ARCH_REQ_XCOMP_PERM"},
	{0x1024, "ARCH_GET_XCOMP_GUEST_PERM"},
	{0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
	{0x2001, "ARCH_MAP_VDSO_X32"},
	{0x2002, "ARCH_MAP_VDSO_32"},
	{0x2003, "ARCH_MAP_VDSO_64"},
}

var seccompOpTab = [...]xent{
	{0x0, "SECCOMP_SET_MODE_STRICT"},
	{0x1, "SECCOMP_SET_MODE_FILTER"},
	{0x2, "SECCOMP_GET_ACTION_AVAIL"},
	{0x3, "SECCOMP_GET_NOTIF_SIZES"},
}

var seccompFlagsTab = [...]xent{
	{0x1, "SECCOMP_FILTER_FLAG_TSYNC"},
	{0x2, "SECCOMP_FILTER_FLAG_LOG"},
	{0x4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
	{0x8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"},
	{0x10, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"},
	{0x20, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
}

var bpfCmdTab = [...]xent{
	{0x0, "BPF_MAP_CREATE"},
	{0x1, "BPF_MAP_LOOKUP_ELEM"},
	{0x2, "BPF_MAP_UPDATE_ELEM"},
	{0x3, "BPF_MAP_DELETE_ELEM"},
	{0x4, "BPF_MAP_GET_NEXT_KEY"},
	{0x5, "BPF_PROG_LOAD"},
	{0x6, "BPF_OBJ_PIN"},
	{0x7, "BPF_OBJ_GET"},
	{0x8, "BPF_PROG_ATTACH"},
	{0x9, "BPF_PROG_DETACH"},
	{0xa, "BPF_PROG_TEST_RUN"},
	{0xb, "BPF_PROG_GET_NEXT_ID"},
	{0xc, "BPF_MAP_GET_NEXT_ID"},
	{0xd, "BPF_PROG_GET_FD_BY_ID"},
	{0xe, "BPF_MAP_GET_FD_BY_ID"},
	{0xf, "BPF_OBJ_GET_INFO_BY_FD"},
	{0x10, "BPF_PROG_QUERY"},
	{0x11, "BPF_RAW_TRACEPOINT_OPEN"},
	{0x12, "BPF_BTF_LOAD"},
	{0x13, "BPF_BTF_GET_FD_BY_ID"},
	{0x14, "BPF_TASK_FD_QUERY"},
	{0x15, "BPF_MAP_LOOKUP_AND_DELETE_ELEM"},
	{0x16, "BPF_MAP_FREEZE"},
	{0x17, "BPF_BTF_GET_NEXT_ID"},
	{0x18, "BPF_MAP_LOOKUP_BATCH"},
	{0x19, "BPF_MAP_LOOKUP_AND_DELETE_BATCH"},
	{0x1a, "BPF_MAP_UPDATE_BATCH"},
	{0x1b, "BPF_MAP_DELETE_BATCH"},
	{0x1c, "BPF_LINK_CREATE"},
	{0x1d, "BPF_LINK_UPDATE"},
	{0x1e, "BPF_LINK_GET_FD_BY_ID"},
	{0x1f, "BPF_LINK_GET_NEXT_ID"},
	{0x20, "BPF_ENABLE_STATS"},
	{0x21, "BPF_ITER_CREATE"},
	{0x22, "BPF_LINK_DETACH"},
	{0x23, "BPF_PROG_BIND_MAP"},
}

var ptraceRequestTab = [...]xent{
	{0x0, "PTRACE_TRACEME"},
	{0x1, "PTRACE_PEEKTEXT"},
	{0x2, "PTRACE_PEEKDATA"},
	{0x3, "PTRACE_PEEKUSER"},
	{0x4, "PTRACE_POKETEXT"},
	{0x5, "PTRACE_POKEDATA"},
	{0x6, "PTRACE_POKEUSER"},
	{0x7, "PTRACE_CONT"},
	{0x8, "PTRACE_KILL"},
	{0x9, "PTRACE_SINGLESTEP"},
	{0xc, "PTRACE_GETREGS"},
	{0xd, "PTRACE_SETREGS"},
	{0xe, "PTRACE_GETFPREGS"},
	{0xf, "PTRACE_SETFPREGS"},
	{0x10, "PTRACE_ATTACH"},
	{0x11, "PTRACE_DETACH"},
	{0x12, "PTRACE_GETFPXREGS"},
	{0x13, "PTRACE_SETFPXREGS"},
	{0x15, "PTRACE_OLDSETOPTIONS"},
	{0x18, "PTRACE_SYSCALL"},
	{0x19, "PTRACE_GET_THREAD_AREA"},
	{0x1a, "PTRACE_SET_THREAD_AREA"},
	{0x1e, "PTRACE_ARCH_PRCTL"},
	{0x1f, "PTRACE_SYSEMU"},
	{0x20, "PTRACE_SYSEMU_SINGLESTEP"},
	{0x21, "PTRACE_SINGLEBLOCK"},
	{0x4200, "PTRACE_SETOPTIONS"},
	{0x4201, "PTRACE_GETEVENTMSG"},
	{0x4202, "PTRACE_GETSIGINFO"},
	{0x4203, "PTRACE_SETSIGINFO"},
	{0x4204, "PTRACE_GETREGSET"},
	{0x4205, "PTRACE_SETREGSET"},
	{0x4206, "PTRACE_SEIZE"},
	{0x4207, "PTRACE_INTERRUPT"},
	{0x4208, "PTRACE_LISTEN"},
	{0x4209, "PTRACE_PEEKSIGINFO"},
	{0x420a, "PTRACE_GETSIGMASK"},
	{0x420b, "PTRACE_SETSIGMASK"},
	{0x420c, "PTRACE_SECCOMP_GET_FILTER"},
	{0x420d, "PTRACE_SECCOMP_GET_METADATA"},
	{0x420e, "PTRACE_GET_SYSCALL_INFO"},
	{0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"},
}

var schedPolicyTab = [...]xent{
	{0x0, "SCHED_OTHER"},
	{0x1, "SCHED_FIFO"},
	{0x2, "SCHED_RR"},
	{0x3, "SCHED_BATCH"},
	{0x4, "SCHED_ISO"},
	{0x5, "SCHED_IDLE"},
	{0x6, "SCHED_DEADLINE"},
}

var keyctlCmdTab = [...]xent{
	{0x0, "KEYCTL_GET_KEYRING_ID"},
	{0x1, "KEYCTL_JOIN_SESSION_KEYRING"},
	{0x2, "KEYCTL_UPDATE"},
	{0x3, "KEYCTL_REVOKE"},
	{0x4, "KEYCTL_CHOWN"},
	{0x5, "KEYCTL_SETPERM"},
	{0x6, "KEYCTL_DESCRIBE"},
	{0x7, "KEYCTL_CLEAR"},
	{0x8, "KEYCTL_LINK"},
	{0x9, "KEYCTL_UNLINK"},
	{0xa, "KEYCTL_SEARCH"},
	{0xb, "KEYCTL_READ"},
	{0xc, "KEYCTL_INSTANTIATE"},
	{0xd, "KEYCTL_NEGATE"},
	{0xe, "KEYCTL_SET_REQKEY_KEYRING"},
	{0xf, "KEYCTL_SET_TIMEOUT"},
	{0x10, "KEYCTL_ASSUME_AUTHORITY"},
	{0x11, "KEYCTL_GET_SECURITY"},
	{0x12, "KEYCTL_SESSION_TO_PARENT"},
	{0x13, "KEYCTL_REJECT"},
	{0x14, "KEYCTL_INSTANTIATE_IOV"},
	{0x15, "KEYCTL_INVALIDATE"},
	{0x16, "KEYCTL_GET_PERSISTENT"},
	{0x17, "KEYCTL_DH_COMPUTE"},
	{0x18, "KEYCTL_PKEY_QUERY"},
	{0x19, "KEYCTL_PKEY_ENCRYPT"},
	{0x1a, "KEYCTL_PKEY_DECRYPT"},
	{0x1b, "KEYCTL_PKEY_SIGN"},
	{0x1c, "KEYCTL_PKEY_VERIFY"},
	{0x1d, "KEYCTL_RESTRICT_KEYRING"},
	{0x1e, "KEYCTL_MOVE"},
	{0x1f, "KEYCTL_CAPABILITIES"},
	{0x20, "KEYCTL_WATCH_KEY"},
}

var fadviseAdviceTab = [...]xent{
	{0x0, "POSIX_FADV_NORMAL"},
	{0x1, "POSIX_FADV_RANDOM"},
	{0x2, "POSIX_FADV_SEQUENTIAL"},
	{0x3, "POSIX_FADV_WILLNEED"},
	{0x4, "POSIX_FADV_DONTNEED"},
	{0x5, "POSIX_FADV_NOREUSE"},
}

var itimerWhichTab = [...]xent{
	{0x0, "ITIMER_REAL"},
	{0x1, "ITIMER_VIRTUAL"},
	{0x2, "ITIMER_PROF"},
}

var priorityWhichTab = [...]xent{
	{0x0, "PRIO_PROCESS"},
	{0x1, "PRIO_PGRP"},
	{0x2, "PRIO_USER"},
}

var sigprocmaskHowTab = [...]xent{
	{0x0, "SIG_BLOCK"},
	{0x1, "SIG_UNBLOCK"},
	{0x2, "SIG_SETMASK"},
}

var waitIdTypeTab = [...]xent{
	{0x0, "P_ALL"},
	{0x1, "P_PID"},
	{0x2, "P_PGID"},
	{0x3, "P_PIDFD"},
}

var epollCtlOpTab = [...]xent{
	{0x1, "EPOLL_CTL_ADD"},
	{0x2, "EPOLL_CTL_DEL"},
	{0x3, "EPOLL_CTL_MOD"},
}

var whenceTab = [...]xent{
	{0x0, "SEEK_SET"},
	{0x1, "SEEK_CUR"},
	{0x2, "SEEK_END"},
	{0x3, "SEEK_DATA"},
	{0x4, "SEEK_HOLE"},
}

var rlimitResourceTab = [...]xent{
	{0x0, "RLIMIT_CPU"},
	{0x1, "RLIMIT_FSIZE"},
	{0x2, "RLIMIT_DATA"},
	{0x3, "RLIMIT_STACK"},
	{0x4, "RLIMIT_CORE"},
	{0x5, "RLIMIT_RSS"},
	{0x6, "RLIMIT_NPROC"},
	{0x7, "RLIMIT_NOFILE"},
	{0x8, "RLIMIT_MEMLOCK"},
	{0x9, "RLIMIT_AS"},
	{0xa, "RLIMIT_LOCKS"},
	{0xb, "RLIMIT_SIGPENDING"},
	{0xc, "RLIMIT_MSGQUEUE"},
	{0xd, "RLIMIT_NICE"},
	{0xe, "RLIMIT_RTPRIO"},
	{0xf, "RLIMIT_RTTIME"},
}

var shutdownHowTab = [...]xent{
	{0x0, "SHUT_RD"},
	{0x1, "SHUT_WR"},
	{0x2, "SHUT_RDWR"},
}

var madviseAdviceTab = [...]xent{
	{0x0, "MADV_NORMAL"},
	{0x1, "MADV_RANDOM"},
	{0x2, "MADV_SEQUENTIAL"},
	{0x3, "MADV_WILLNEED"},
	{0x4, "MADV_DONTNEED"},
	{0x8, "MADV_FREE"},
	{0x9, "MADV_REMOVE"},
	{0xa, "MADV_DONTFORK"},
	{0xb, "MADV_DOFORK"},
	{0xc, "MADV_MERGEABLE"},
	{0xd, "MADV_UNMERGEABLE"},
	{0xe, "MADV_HUGEPAGE"},
	{0xf, "MADV_NOHUGEPAGE"},
	{0x10, "MADV_DONTDUMP"},
	{0x11, "MADV_DODUMP"},
	{0x12, "MADV_WIPEONFORK"},
	{0x13, "MADV_KEEPONFORK"},
	{0x14, "MADV_COLD"},
	{0x15, "MADV_PAGEOUT"},
	{0x16, "MADV_POPULATE_READ"},
	{0x17, "MADV_POPULATE_WRITE"},
	{0x18, "MADV_DONTNEED_LOCKED"},
	{0x19, "MADV_COLLAPSE"},
	{0x64, "MADV_HWPOISON"},
	{0x65, "MADV_SOFT_OFFLINE"},
}

var socketFamilyTab = [...]xent{
	{0x0, "AF_UNSPEC"},
	{0x1, "AF_UNIX"},
	{0x2, "AF_INET"},
	{0x3, "AF_AX25"},
	{0x4, "AF_IPX"},
	{0x5, "AF_APPLETALK"},
	{0x6, "AF_NETROM"},
	{0x7, "AF_BRIDGE"},
	{0x8, "AF_ATMPVC"},
	{0x9, "AF_X25"},
	{0xa, "AF_INET6"},
	{0xb, "AF_ROSE"},
	{0xc, "AF_DECnet"},
	{0xd, "AF_NETBEUI"},
	{0xe, "AF_SECURITY"},
	{0xf, "AF_KEY"},
	{0x10, "AF_NETLINK"},
	{0x11, "AF_PACKET"},
	{0x12, "AF_ASH"},
	{0x13, "AF_ECONET"},
	{0x14, "AF_ATMSVC"},
	{0x15, "AF_RDS"},
	{0x16, "AF_SNA"},
	{0x17, "AF_IRDA"},
	{0x18, "AF_PPPOX"},
	{0x19, "AF_WANPIPE"},
	{0x1a, "AF_LLC"},
	{0x1b, "AF_IB"},
	{0x1c, "AF_MPLS"},
	{0x1d, "AF_CAN"},
	{0x1e, "AF_TIPC"},
	{0x1f, "AF_BLUETOOTH"},
	{0x20, "AF_IUCV"},
	{0x21, "AF_RXRPC"},
	{0x22, "AF_ISDN"},
	{0x23, "AF_PHONET"},
	{0x24, "AF_IEEE802154"},
	{0x25, "AF_CAIF"},
	{0x26, "AF_ALG"},
	{0x27, "AF_NFC"},
	{0x28, "AF_VSOCK"},
	{0x29, "AF_KCM"},
	{0x2a, "AF_QIPCRTR"},
	{0x2b, "AF_SMC"},
	{0x2c, "AF_XDP"},
	{0x2d, "AF_MCTP"},
}

var inetProtocolTab = [...]xent{
	{0x0, "IPPROTO_IP"},
	{0x1, "IPPROTO_ICMP"},
	{0x2, "IPPROTO_IGMP"},
	{0x4, "IPPROTO_IPIP"},
	{0x6, "IPPROTO_TCP"},
	{0x8, "IPPROTO_EGP"},
	{0xc, "IPPROTO_PUP"},
	{0x11, "IPPROTO_UDP"},
	{0x16, "IPPROTO_IDP"},
	{0x1d, "IPPROTO_TP"},
	{0x21, "IPPROTO_DCCP"},
	{0x29, "IPPROTO_IPV6"},
	{0x2b, "IPPROTO_ROUTING"},
	{0x2c, "IPPROTO_FRAGMENT"},
	{0x2e, "IPPROTO_RSVP"},
	{0x2f, "IPPROTO_GRE"},
	{0x32, "IPPROTO_ESP"},
	{0x33, "IPPROTO_AH"},
	{0x3a, "IPPROTO_ICMPV6"},
	{0x3b, "IPPROTO_NONE"},
	{0x3c, "IPPROTO_DSTOPTS"},
	{0x5c, "IPPROTO_MTP"},
	{0x5e, "IPPROTO_BEETPH"},
	{0x62, "IPPROTO_ENCAP"},
	{0x67, "IPPROTO_PIM"},
	{0x6c, "IPPROTO_COMP"},
	{0x73, "IPPROTO_L2TP"},
	{0x84, "IPPROTO_SCTP"},
	{0x87, "IPPROTO_MH"},
	{0x88, "IPPROTO_UDPLITE"},
	{0x89, "IPPROTO_MPLS"},
	{0x8f, "IPPROTO_ETHERNET"},
	{0xff, "IPPROTO_RAW"},
	{0x106, "IPPROTO_MPTCP"},
}

var netlinkProtocolTab = [...]xent{
	{0x0, "NETLINK_ROUTE"},
	{0x1, "NETLINK_UNUSED"},
	{0x2, "NETLINK_USERSOCK"},
	{0x3, "NETLINK_FIREWALL"},
	{0x4, "NETLINK_SOCK_DIAG"},
	{0x5, "NETLINK_NFLOG"},
	{0x6, "NETLINK_XFRM"},
	{0x7, "NETLINK_SELINUX"},
	{0x8, "NETLINK_ISCSI"},
	{0x9, "NETLINK_AUDIT"},
	{0xa, "NETLINK_FIB_LOOKUP"},
	{0xb, "NETLINK_CONNECTOR"},
	{0xc, "NETLINK_NETFILTER"},
	{0xd, "NETLINK_IP6_FW"},
	{0xe, "NETLINK_DNRTMSG"},
	{0xf, "NETLINK_KOBJECT_UEVENT"},
	{0x10, "NETLINK_GENERIC"},
	{0x12, "NETLINK_SCSITRANSPORT"},
	{0x13, "NETLINK_ECRYPTFS"},
	{0x14, "NETLINK_RDMA"},
	{0x15, "NETLINK_CRYPTO"},
	{0x16, "NETLINK_SMC"},
}

var sockoptLevelTab = [...]xent{
	{0x0, "SOL_IP"},
	{0x1, "SOL_SOCKET"},
	{0x6, "SOL_TCP"},
	{0x11, "SOL_UDP"},
	{0x28, "AF_VSOCK"},
	{0x29, "SOL_IPV6"},
	{0x3a, "SOL_ICMPV6"},
	{0x64, "SOL_CAN_BASE"},
	{0x65, "SOL_CAN_RAW"},
	{0x84, "SOL_SCTP"},
	{0x88, "SOL_UDPLITE"},
	{0xff, "SOL_RAW"},
	{0x100, "SOL_IPX"},
	{0x101, "SOL_AX25"},
	{0x102, "SOL_ATALK"},
	{0x103, "SOL_NETROM"},
	{0x104, "SOL_ROSE"},
	{0x105, "SOL_DECNET"},
	{0x106, "SOL_X25"},
	{0x107, "SOL_PACKET"},
	{0x108, "SOL_ATM"},
	{0x109, "SOL_AAL"},
	{0x10a, "SOL_IRDA"},
	{0x10b, "SOL_NETBEUI"},
	{0x10c, "SOL_LLC"},
	{0x10d, "SOL_DCCP"},
	{0x10e, "SOL_NETLINK"},
	{0x10f, "SOL_TIPC"},
	{0x110, "SOL_RXRPC"},
	{0x111, "SOL_PPPOL2TP"},
	{0x112, "SOL_BLUETOOTH"},
	{0x113, "SOL_PNPIPE"},
	{0x114, "SOL_RDS"},
	{0x115, "SOL_IUCV"},
	{0x116, "SOL_CAIF"},
	{0x117, "SOL_ALG"},
	{0x118, "SOL_NFC"},
	{0x119, "SOL_KCM"},
	{0x11a, "SOL_TLS"},
	{0x11b, "SOL_XDP"},
}

var clockIDTab = [...]xent{
	{0x0, "CLOCK_REALTIME"},
	{0x1, "CLOCK_MONOTONIC"},
	{0x2, "CLOCK_PROCESS_CPUTIME_ID"},
	{0x3, "CLOCK_THREAD_CPUTIME_ID"},
	{0x4, "CLOCK_MONOTONIC_RAW"},
	{0x5, "CLOCK_REALTIME_COARSE"},
	{0x6, "CLOCK_MONOTONIC_COARSE"},
	{0x7, "CLOCK_BOOTTIME"},
	{0x8, "CLOCK_REALTIME_ALARM"},
	{0x9, "CLOCK_BOOTTIME_ALARM"},
	{0xa, "CLOCK_SGI_CYCLE"},
	{0xb, "CLOCK_TAI"},
}

var fallocateModeTab = [...]xent{
	{0x1, "FALLOC_FL_KEEP_SIZE"},
	{0x2, "FALLOC_FL_PUNCH_HOLE"},
	{0x4, "FALLOC_FL_NO_HIDE_STALE"},
	{0x8, "FALLOC_FL_COLLAPSE_RANGE"},
	{0x10, "FALLOC_FL_ZERO_RANGE"},
	{0x20, "FALLOC_FL_INSERT_RANGE"},
	{0x40, "FALLOC_FL_UNSHARE_RANGE"},
}

var mlockallFlagsTab = [...]xent{
	{0x1, "MCL_CURRENT"},
	{0x2, "MCL_FUTURE"},
	{0x4, "MCL_ONFAULT"},
}

var mlock2FlagsTab = [...]xent{
	{0x1, "MLOCK_ONFAULT"},
}

var msyncFlagsTab = [...]xent{
	{0x4, "MS_SYNC"},
	{0x1, "MS_ASYNC"},
	{0x2, "MS_INVALIDATE"},
}

var getrandomFlagsTab = [...]xent{
	{0x1, "GRND_NONBLOCK"},
	{0x2, "GRND_RANDOM"},
	{0x4, "GRND_INSECURE"},
}

var umountFlagsTab = [...]xent{
	{0x1, "MNT_FORCE"},
	{0x2, "MNT_DETACH"},
	{0x4, "MNT_EXPIRE"},
	{0x8, "UMOUNT_NOFOLLOW"},
}

var renameFlagsTab = [...]xent{
	{0x1, "RENAME_NOREPLACE"},
	{0x2, "RENAME_EXCHANGE"},
	{0x4, "RENAME_WHITEOUT"},
}

var unshareFlagsTab = [...]xent{
	{0x80, "CLONE_NEWTIME"},
	{0x100, "CLONE_VM"},
	{0x200, "CLONE_FS"},
	{0x400, "CLONE_FILES"},
	{0x800, "CLONE_SIGHAND"},
	{0x10000, "CLONE_THREAD"},
	{0x20000, "CLONE_NEWNS"},
	{0x40000, "CLONE_SYSVSEM"},
	{0x2000000, "CLONE_NEWCGROUP"},
	{0x4000000, "CLONE_NEWUTS"},
	{0x8000000, "CLONE_NEWIPC"},
	{0x10000000, "CLONE_NEWUSER"},
	{0x20000000, "CLONE_NEWPID"},
	{0x40000000, "CLONE_NEWNET"},
}

var closeRangeFlagsTab = [...]xent{
	{0x2, "CLOSE_RANGE_UNSHARE"},
	{0x4, "CLOSE_RANGE_CLOEXEC"},
}

var epollFlagsTab = [...]xent{
	{0x80000, "EPOLL_CLOEXEC"},
}

var eventfdFlagsTab = [...]xent{
	{0x1, "EFD_SEMAPHORE"},
	{0x80000, "EFD_CLOEXEC"},
	{0x800, "EFD_NONBLOCK"},
}

var inotifyInitFlagsTab = [...]xent{
	{0x800, "IN_NONBLOCK"},
	{0x80000, "IN_CLOEXEC"},
}

var signalfdFlagsTab = [...]xent{
	{0x80000, "SFD_CLOEXEC"},
	{0x800, "SFD_NONBLOCK"},
}

var timerfdFlagsTab = [...]xent{
	{0x1, "TFD_TIMER_ABSTIME"},
	{0x2, "TFD_TIMER_CANCEL_ON_SET"},
	{0x80000, "TFD_CLOEXEC"},
	{0x800, "TFD_NONBLOCK"},
}

var timerFlagsTab = [...]xent{
	{0x1, "TIMER_ABSTIME"},
}

var spliceFlagsTab = [...]xent{
	{0x1, "SPLICE_F_MOVE"},
	{0x2, "SPLICE_F_NONBLOCK"},
	{0x4, "SPLICE_F_MORE"},
	{0x8, "SPLICE_F_GIFT"},
}

var inotifyMaskTab = [...]xent{
	{0x1, "IN_ACCESS"},
	{0x2, "IN_MODIFY"},
	{0x4, "IN_ATTRIB"},
	{0x8, "IN_CLOSE_WRITE"},
	{0x10, "IN_CLOSE_NOWRITE"},
	{0x20, "IN_OPEN"},
	{0x40, "IN_MOVED_FROM"},
	{0x80, "IN_MOVED_TO"},
	{0x100, "IN_CREATE"},
	{0x200, "IN_DELETE"},
	{0x400, "IN_DELETE_SELF"},
	{0x800, "IN_MOVE_SELF"},
	{0x2000, "IN_UNMOUNT"},
	{0x4000, "IN_Q_OVERFLOW"},
	{0x8000, "IN_IGNORED"},
	{0x1000000, "IN_ONLYDIR"},
	{0x2000000, "IN_DONT_FOLLOW"},
	{0x4000000, "IN_EXCL_UNLINK"},
	{0x10000000, "IN_MASK_CREATE"},
	{0x20000000, "IN_MASK_ADD"},
	{0x40000000, "IN_ISDIR"},
	{0x80000000, "IN_ONESHOT"},
}

var syncFileRangeFlagsTab = [...]xent{
	{0x1, "SYNC_FILE_RANGE_WAIT_BEFORE"},
	{0x2, "SYNC_FILE_RANGE_WRITE"},
	{0x4, "SYNC_FILE_RANGE_WAIT_AFTER"},
}

var pidfdOpenFlagsTab = [...]xent{
	{0x800, "PIDFD_NONBLOCK"},
}

var socketFlagsTab = [...]xent{
	{0x80000, "SOCK_CLOEXEC"},
	{0x800, "SOCK_NONBLOCK"},
}

var msgFlagsTab = [...]xent{
	{0x1, "MSG_OOB"},
	{0x2, "MSG_PEEK"},
	{0x4, "MSG_DONTROUTE"},
	{0x8, "MSG_CTRUNC"},
	{0x10, "MSG_PROBE"},
	{0x20, "MSG_TRUNC"},
	{0x40, "MSG_DONTWAIT"},
	{0x80, "MSG_EOR"},
	{0x100, "MSG_WAITALL"},
	{0x200, "MSG_FIN"},
	{0x400, "MSG_SYN"},
	{0x800, "MSG_CONFIRM"},
	{0x1000, "MSG_RST"},
	{0x2000, "MSG_ERRQUEUE"},
	{0x4000, "MSG_NOSIGNAL"},
	{0x8000, "MSG_MORE"},
	{0x10000, "MSG_WAITFORONE"},
	{0x20000, "MSG_SENDPAGE_NOTLAST"},
	{0x40000, "MSG_BATCH"},
	{0x80000, "MSG_NO_SHARED_FRAGS"},
	{0x4000000, "MSG_ZEROCOPY"},
	{0x20000000, "MSG_FASTOPEN"},
	{0x40000000, "MSG_CMSG_CLOEXEC"},
	{0x80000000, "MSG_CMSG_COMPAT"},
}

var atFlagsTab = [...]xent{
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x200, "AT_REMOVEDIR"},
	{0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"},
	{0x1000, "AT_EMPTY_PATH"},
	{0x8000, "AT_RECURSIVE"},
}

var accessAtFlagsTab = [...]xent{
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x200, "AT_EACCESS"},
	{0x1000, "AT_EMPTY_PATH"},
}

var openTreeFlagsTab = [...]xent{
	{0x1, "OPEN_TREE_CLONE"},
	{0x80000, "OPEN_TREE_CLOEXEC"},
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x200, "AT_REMOVEDIR"},
	{0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"},
	{0x1000, "AT_EMPTY_PATH"},
	{0x8000, "AT_RECURSIVE"},
}

var accessModeTab = [...]xent{
	{0x0, "F_OK"},
	{0x4, "R_OK"},
	{0x2, "W_OK"},
	{0x1, "X_OK"},
}

var mmapProtTab = [...]xent{
	{0x0, "PROT_NONE"},
	{0x1, "PROT_READ"},
	{0x2, "PROT_WRITE"},
	{0x4, "PROT_EXEC"},
	{0x8, "PROT_SEM"},
	{0x1000000, "PROT_GROWSDOWN"},
	{0x2000000, "PROT_GROWSUP"},
}

var mremapFlagsTab = [...]xent{
	{0x1, "MREMAP_MAYMOVE"},
	{0x2, "MREMAP_FIXED"},
	{0x4, "MREMAP_DONTUNMAP"},
}

var waitOptionsTab = [...]xent{
	{0x1, "WNOHANG"},
	{0x4, "WEXITED"},
	{0x2, "WSTOPPED"},
	{0x8, "WCONTINUED"},
	{0x1000000, "WNOWAIT"},
	{0x80000000, "__WCLONE"},
	{0x40000000, "__WALL"},
	{0x20000000, "__WNOTHREAD"},
}

var fdFlagsTab = [...]xent{
	{0x1, "FD_CLOEXEC"},
}

var fsopenFlagsTab = [...]xent{
	{0x1, "FSOPEN_CLOEXEC"},
}

var fsmountFlagsTab = [...]xent{
	{0x1, "FSMOUNT_CLOEXEC"},
}

var moveMountFlagsTab = [...]xent{
	{0x1, "MOVE_MOUNT_F_SYMLINKS"},
	{0x2, "MOVE_MOUNT_F_AUTOMOUNTS"},
	{0x4, "MOVE_MOUNT_F_EMPTY_PATH"},
	{0x10, "MOVE_MOUNT_T_SYMLINKS"},
	{0x20, "MOVE_MOUNT_T_AUTOMOUNTS"},
	{0x40, "MOVE_MOUNT_T_EMPTY_PATH"},
	{0x100, "MOVE_MOUNT_SET_GROUP"},
}

var fspickFlagsTab = [...]xent{
	{0x1, "FSPICK_CLOEXEC"},
	{0x2, "FSPICK_SYMLINK_NOFOLLOW"},
	{0x4, "FSPICK_NO_AUTOMOUNT"},
	{0x8, "FSPICK_EMPTY_PATH"},
}

var mountSetattrFlagsTab = [...]xent{
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"},
	{0x1000, "AT_EMPTY_PATH"},
	{0x8000, "AT_RECURSIVE"},
}

var userfaultfdFlagsTab = [...]xent{
	{0x1, "UFFD_USER_MODE_ONLY"},
	{0x800, "O_NONBLOCK"},
	{0x80000, "O_CLOEXEC"},
}

var flockOpTab = [...]xent{
	{0x1, "LOCK_SH"},
	{0x2, "LOCK_EX"},
	{0x4, "LOCK_NB"},
	{0x8, "LOCK_UN"},
	{0x20, "LOCK_MAND"},
	{0xc0, "LOCK_RW"},
	{0x40, "LOCK_READ"},
	{0x80, "LOCK_WRITE"},
}

var statxMaskTab = [...]xent{
	{0xfff, "STATX_ALL"},
	{0x7ff, "STATX_BASIC_STATS"},
	{0x1, "STATX_TYPE"},
	{0x2, "STATX_MODE"},
	{0x4, "STATX_NLINK"},
	{0x8, "STATX_UID"},
	{0x10, "STATX_GID"},
	{0x20, "STATX_ATIME"},
	{0x40, "STATX_MTIME"},
	{0x80, "STATX_CTIME"},
	{0x100, "STATX_INO"},
	{0x200, "STATX_SIZE"},
	{0x400, "STATX_BLOCKS"},
	{0x800, "STATX_BTIME"},
	{0x1000, "STATX_MNT_ID"},
	{0x2000, "STATX_DIOALIGN"},
}
