/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctrace.h — the one contract between ctrace's BPF programs and user space.
 *
 * Every record in the ring buffer starts with struct ctrace_header; hdr.kind
 * says which fixed part follows; hdr.data_len bytes of variable data follow
 * the fixed part as a sequence of struct ctrace_item, each followed by
 * item.len bytes. The Go types of these structs are generated from this file
 * by bpf2go (internal/bpf/gen.go); they are never written by hand.
 */
#ifndef CTRACE_H
#define CTRACE_H

#define CTRACE_COMM_LEN 16
#define CTRACE_MAX_ARGS 6
/*
 * Syscall numbers the per-syscall configuration covers (x86_64 and arm64 <
 * 512). syscall_conf has one more entry, at index CTRACE_MAX_SYSCALLS, that
 * applies to every number beyond (unknown syscalls: raw arguments only).
 */
#define CTRACE_MAX_SYSCALLS 512

/* Variable data limits. */
#define CTRACE_PATH_MAX 4096     /* one string argument (PATH_MAX) */
#define CTRACE_ARGV_STR_MAX 256  /* one element of argv/envp */
#define CTRACE_ARGV_MAX 32       /* elements of argv/envp */
#define CTRACE_DATA_MAX 12288    /* all variable data of one record */

enum ctrace_record_kind {
	CTRACE_REC_SYSCALL = 1,
	CTRACE_REC_FORK = 2,
	CTRACE_REC_EXEC = 3,
	CTRACE_REC_EXIT = 4,
	CTRACE_REC_CGROUP_MKDIR = 5,
	CTRACE_REC_CGROUP_RMDIR = 6,
	/*
	 * The original tool's raw tracepoint events, struct ctrace_syscall_rec
	 * each: sys_enter (nr and the six argument registers, retval 0) and
	 * sys_exit (nr and retval, args 0). Selected per syscall by
	 * CTRACE_SC_RAW_ENTER / CTRACE_SC_RAW_EXIT.
	 */
	CTRACE_REC_SYS_ENTER = 7,
	CTRACE_REC_SYS_EXIT = 8,
};

/* hdr.flags */
enum ctrace_record_flags {
	CTRACE_F_NORETURN = 1 << 0,   /* syscall that does not return (exit, exit_group): emitted at entry */
	CTRACE_F_UNFINISHED = 1 << 1, /* the thread exited while in this syscall: no return value */
	CTRACE_F_DATA_TRUNCATED = 1 << 2, /* argument data was left out: CTRACE_DATA_MAX hit, or the entry capture failed */
	/*
	 * Not a selected event: emitted only so that user space keeps its fd
	 * table right (an fd-lifecycle syscall with CTRACE_SC_FDTRACK, or a
	 * lifecycle record under CTRACE_LC_FDTRACK). Never printed.
	 */
	CTRACE_F_FD_ONLY = 1 << 3,
};

/* How the kernel captures one syscall argument (struct ctrace_syscall_conf.arg_kind). */
enum ctrace_arg_kind {
	CTRACE_ARG_RAW = 0,    /* the register value only */
	CTRACE_ARG_STR = 1,    /* NUL-terminated user string (path, name) */
	CTRACE_ARG_STRARR = 2, /* NULL-terminated array of user strings (argv, envp) */
	CTRACE_ARG_SOCKADDR = 3, /* struct sockaddr; length in the next argument (arg_size 0) or behind it (arg_size 1) */
	CTRACE_ARG_BYTES = 4,    /* fixed-size struct of arg_size bytes (timespec, stat, int[2], …) */
	CTRACE_ARG_BUF_IN = 5,   /* data buffer, length in the next argument, at most arg_size bytes (opt-in) */
	CTRACE_ARG_BUF_OUT = 6,  /* data buffer, length = return value, at most arg_size bytes (opt-in) */
};

/* Largest struct or buffer read for one argument. */
#define CTRACE_BYTES_MAX 256

/* struct ctrace_item.flags */
enum ctrace_item_flags {
	CTRACE_ITEM_TRUNCATED = 1 << 0, /* the value was cut at its size limit */
	CTRACE_ITEM_FAULT = 1 << 1,     /* reading user memory failed (bad pointer) */
	CTRACE_ITEM_MORE = 1 << 2,      /* array had more elements than captured */
};

/* struct ctrace_syscall_conf.flags. Bit 7 is free. */
enum ctrace_syscall_flags {
	CTRACE_SC_NORETURN = 1 << 0,         /* emit at entry: exit, exit_group */
	CTRACE_SC_CAPTURE_AT_ENTRY = 1 << 1, /* capture variable data at entry: execve, execveat */
	CTRACE_SC_ENABLED = 1 << 2,          /* the event is wanted: without it the syscall costs one lookup */
	CTRACE_SC_FDTRACK = 1 << 3,          /* not wanted, but changes the fd table: emit with CTRACE_F_FD_ONLY */
	CTRACE_SC_DATA = 1 << 4,             /* some arg_kind is not CTRACE_ARG_RAW: the record may carry items */
	CTRACE_SC_RAW_ENTER = 1 << 5,        /* emit a raw sys_enter record (CTRACE_REC_SYS_ENTER) */
	CTRACE_SC_RAW_EXIT = 1 << 6,         /* emit a raw sys_exit record (CTRACE_REC_SYS_EXIT) */
};

/* cfg_lifecycle: which lifecycle records are wanted. */
enum ctrace_lifecycle {
	CTRACE_LC_FORK = 1 << 0,
	CTRACE_LC_EXEC = 1 << 1,
	CTRACE_LC_EXIT = 1 << 2,
	CTRACE_LC_FDTRACK = 1 << 3, /* emit the ones not wanted with CTRACE_F_FD_ONLY (fd table upkeep) */
};

/* Per-syscall capture configuration, indexed by syscall number; filled from the event catalogue. */
struct ctrace_syscall_conf {
	__u8 arg_kind[CTRACE_MAX_ARGS];
	__u8 flags;
	__u8 pad;
	__u16 arg_size[CTRACE_MAX_ARGS]; /* per arg_kind: see enum ctrace_arg_kind */
};

/* Container cgroup states (map containers). */
enum ctrace_cgroup_state {
	CTRACE_CG_CANDIDATE = 1, /* created after start, not yet classified by user space */
	CTRACE_CG_CONTAINER = 2, /* a container's cgroup (or a child of one) */
	/*
	 * A container the user's container filters exclude (or a child of one):
	 * its tasks cost the lookup and nothing more. Honoured only when
	 * cfg_filters has CTRACE_FILT_CONTAINER.
	 */
	CTRACE_CG_EXCLUDED = 3,
};

struct ctrace_cgroup_info {
	__u32 state;
	__u32 pad;
};

/* Counters (per-CPU array map stats). */
enum ctrace_stat {
	CTRACE_STAT_LOST_RINGBUF = 0, /* record not written: ring buffer full */
	CTRACE_STAT_LOST_PENDING = 1, /* per-thread syscall state could not be stored: syscall not recorded */
	/* exec arguments could not be kept at entry: the event is written, marked CTRACE_F_DATA_TRUNCATED (not lost) */
	CTRACE_STAT_EXEC_TRUNCATED = 2,
	/* --pid/--exclude-pid: a new child of a followed process could not be added to filter_pids (full): not followed */
	CTRACE_STAT_PID_FOLLOW_FULL = 3,
	CTRACE_STAT_MAX = 4,
};

/*
 * In-kernel process filters (cfg_filters bits): checked by task_wanted()
 * before anything of a syscall is copied. 0: no filter, and task_wanted()
 * costs nothing (the verifier drops the code of a constant-false branch).
 */
enum ctrace_filter {
	CTRACE_FILT_COMM_IN = 1 << 0,   /* filter_comms holds wanted names: others are not traced */
	CTRACE_FILT_COMM_OUT = 1 << 1,  /* filter_comms holds excluded names */
	CTRACE_FILT_PID_IN = 1 << 2,    /* filter_pids holds wanted processes (and their descendants) */
	CTRACE_FILT_PID_OUT = 1 << 3,   /* filter_pids holds excluded processes (and their descendants) */
	CTRACE_FILT_UID_IN = 1 << 4,    /* filter_uids holds wanted user ids */
	CTRACE_FILT_UID_OUT = 1 << 5,   /* filter_uids holds excluded user ids */
	CTRACE_FILT_CONTAINER = 1 << 6, /* containers in state CTRACE_CG_EXCLUDED are not traced */
};

/* Values of filter_comms, filter_pids, filter_uids. An excluded entry always wins. */
enum ctrace_filter_verdict {
	CTRACE_FILTER_IN = 1,
	CTRACE_FILTER_OUT = 2,
};

/* Key of filter_comms: a task's comm, NUL-padded. */
struct ctrace_comm_key {
	char comm[CTRACE_COMM_LEN];
};

struct ctrace_header {
	__u64 ts_ns; /* CLOCK_BOOTTIME of the event (syscall entry) */
	__u64 cgroup_id;
	__u32 pid; /* thread group id, host pid namespace */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u16 kind;     /* enum ctrace_record_kind */
	__u16 flags;    /* enum ctrace_record_flags */
	__u16 data_len; /* bytes of items after the fixed part */
	__u16 pad[3];
	char comm[CTRACE_COMM_LEN];
};

struct ctrace_item {
	__u8 arg;   /* argument index */
	__u8 kind;  /* enum ctrace_arg_kind */
	__u8 flags; /* enum ctrace_item_flags */
	__u8 pad;
	__u16 len;  /* bytes of value after this item header (strings include no NUL) */
	__u16 pad2;
};

struct ctrace_syscall_rec {
	struct ctrace_header hdr;
	__u32 nr;
	__u32 pad;
	__s64 retval;
	__u64 args[CTRACE_MAX_ARGS];
};

struct ctrace_fork_rec {
	struct ctrace_header hdr;
	__u32 child_pid;
	__u32 child_tid;
	char child_comm[CTRACE_COMM_LEN];
};

/* Followed by one item: the file name (arg 0). */
struct ctrace_exec_rec {
	struct ctrace_header hdr;
	__u32 old_tid;
	__u32 mntns;
};

struct ctrace_exit_rec {
	struct ctrace_header hdr;
	__s32 exit_code;
	__u32 group_dead;
};

/* cgroup_mkdir / cgroup_rmdir; followed by one item: the cgroup path (arg 0). */
struct ctrace_cgroup_rec {
	struct ctrace_header hdr;
	__u64 id;
	__u64 parent_id;
	__s32 hierarchy_id;
	__u32 state; /* state the kernel gave it (mkdir) */
};

/* Values user space sets before load (read-only in the kernel). */
struct ctrace_config {
	__s32 v1_subsys_id;    /* -1: use the cgroup v2 (default) hierarchy; else v1 controller subsys id */
	__s32 hierarchy_id;    /* hierarchy id of the tracked cgroup tree (0 for v2) */
	__u64 wakeup_bytes;    /* wake the reader when this much data is pending */
};

/*
 * ---- Seccomp and capability recording (record.bpf.c) ----------------------
 * One value per cgroup in map rec_cgroups, updated in place by the kernel
 * (atomic ORs, no ring-buffer record per call) and read by user space when
 * the cgroup is removed or recording ends.
 */
#define CTRACE_REC_NR_MAX 1024 /* syscall numbers kept per ABI (bitmap bits) */
#define CTRACE_REC_WORDS 16    /* CTRACE_REC_NR_MAX / 64 */
#define CTRACE_REC_SET_MAX 16  /* distinct values kept per narrowed argument */
#define CTRACE_REC_PATH_MAX 512

/* Syscall ABI of a call: the task's native one, 32-bit compat (ia32 on x86_64, AArch32 on arm64), x32. */
enum ctrace_rec_abi {
	CTRACE_ABI_NATIVE = 0,
	CTRACE_ABI_COMPAT = 1,
	CTRACE_ABI_X32 = 2,
	CTRACE_ABI_MAX = 3,
};

/* Whether the calling task ran under a seccomp filter (task->seccomp.mode != 0). */
enum ctrace_rec_view {
	CTRACE_VIEW_UNFILTERED = 0,
	CTRACE_VIEW_FILTERED = 1,
	CTRACE_VIEW_MAX = 2,
};

/* Argument value sets kept for a few calls (native ABI only). */
enum ctrace_rec_set {
	CTRACE_RSET_PERSONALITY = 0, /* personality(persona) */
	CTRACE_RSET_PRCTL = 1,       /* prctl(option) */
	CTRACE_RSET_IOCTL = 2,       /* ioctl(fd, request) */
	CTRACE_RSET_MAX = 3,
};

/* ctrace_rec_args.overflow bits: a value could not be kept, so the set is incomplete. */
enum ctrace_rec_overflow {
	CTRACE_ROVF_PERSONALITY = 1 << 0,
	CTRACE_ROVF_PRCTL = 1 << 1,
	CTRACE_ROVF_IOCTL = 1 << 2,
	CTRACE_ROVF_FAMILY = 1 << 3, /* socket family >= 64 */
};

struct ctrace_rec_args {
	__u64 socket_families; /* bit per socket(family) value < 64 */
	__u64 clone_flags;     /* OR of every clone(flags) value */
	__u64 sets[CTRACE_RSET_MAX][CTRACE_REC_SET_MAX]; /* value | 1 << 32; 0 = free slot */
	__u64 overflow;        /* enum ctrace_rec_overflow */
};

struct ctrace_rec_cgroup {
	__u64 calls[CTRACE_VIEW_MAX][CTRACE_ABI_MAX][CTRACE_REC_WORDS];
	/* verify mode: calls that returned without entering (refused by seccomp) */
	__u64 denied[CTRACE_ABI_MAX][CTRACE_REC_WORDS];
	struct ctrace_rec_args args[CTRACE_VIEW_MAX];
	__u64 caps_granted; /* bit per capability checked and granted */
	__u64 caps_denied;  /* bit per capability checked and refused */
	__u64 out_of_range; /* calls numbered >= CTRACE_REC_NR_MAX (not kept) */
	__u32 state;        /* enum ctrace_cgroup_state */
	__u32 pad;
};

/* Ring-buffer record of record.bpf.c: cgroup creation and removal only. */
struct ctrace_rec_cgroup_event {
	__u64 id;
	__u64 parent_id;
	__u32 mkdir; /* 1: created, 0: removed */
	__u32 state; /* state the kernel gave it (mkdir) */
	char path[CTRACE_REC_PATH_MAX];
};

/* Recording counters (per-CPU array map rec_stats). */
enum ctrace_rec_stat {
	CTRACE_RSTAT_CGROUP_FULL = 0, /* a new cgroup could not be added: not recorded */
	CTRACE_RSTAT_EVENT_LOST = 1,  /* a cgroup event could not be queued */
	CTRACE_RSTAT_MARK_FULL = 2,   /* a process could not be marked as a workload */
	CTRACE_RSTAT_MAX = 3,
};

#endif /* CTRACE_H */

/* ---------------------------------------------------------------------------
 * File and network events (net.bpf.c, hooks.bpf.c). Record kinds here start at
 * 32 so that they never collide with the syscall path's kinds above.
 */
#ifndef CTRACE_NETFILE_H
#define CTRACE_NETFILE_H

enum ctrace_nf_record_kind {
	CTRACE_REC_NET = 32,  /* struct ctrace_net_rec */
	CTRACE_REC_FILE = 33, /* struct ctrace_file_rec: file events from VFS/LSM hooks */
};

/* struct ctrace_net_rec.event */
enum ctrace_net_event {
	CTRACE_NET_CONNECT = 1,  /* TCP connect finished: err is 0 or a negative errno */
	CTRACE_NET_ACCEPT = 2,   /* TCP connection established on a listening socket */
	CTRACE_NET_CLOSE = 3,    /* TCP connection closed: bytes and duration */
	CTRACE_NET_LISTEN = 4,   /* TCP socket listening */
	CTRACE_NET_UDP_SEND = 5, /* first UDP datagram to a peer within the interval */
	CTRACE_NET_UDP_RECV = 6, /* first UDP datagram from a peer within the interval */
};

/* struct ctrace_net_rec.role (CLOSE) */
enum ctrace_net_role {
	CTRACE_ROLE_CLIENT = 1, /* this end connected */
	CTRACE_ROLE_SERVER = 2, /* this end accepted */
};

/* struct ctrace_net_rec.flags */
enum ctrace_net_flags {
	CTRACE_NETF_APP_BYTES = 1 << 0, /* bytes_sent/received were counted at sock_send_length/sock_recv_length */
	CTRACE_NETF_OWNER_GUESSED = 1 << 1, /* the socket's process is unknown: hdr names the container's init process */
};

/*
 * One network event. hdr describes the socket's owner (the task that
 * connected or listened), not necessarily the task running when the kernel
 * changed the socket's state (often a softirq). Followed by two items of kind
 * CTRACE_ARG_SOCKADDR: arg 0 the local address, arg 1 the remote one (struct
 * sockaddr_in or sockaddr_in6; IPv4-mapped IPv6 addresses as sockaddr_in).
 */
struct ctrace_net_rec {
	struct ctrace_header hdr;
	__u64 bytes_sent;         /* CLOSE: payload the application sent (CTRACE_NETF_APP_BYTES) */
	__u64 bytes_received;     /* CLOSE: payload the application received */
	__u64 tcp_bytes_acked;    /* CLOSE: the kernel's tcp_sock counters (fallback) */
	__u64 tcp_bytes_received;
	__u64 duration_ns;        /* CLOSE: since connect/accept */
	__u32 netns;              /* network namespace inode of the socket */
	__s32 err;                /* CONNECT: 0 or a negative errno */
	__u16 event;              /* enum ctrace_net_event */
	__u16 family;             /* AF_INET, AF_INET6 (of the socket) */
	__u16 protocol;           /* IPPROTO_TCP, IPPROTO_UDP */
	__u16 role;               /* enum ctrace_net_role */
	__u32 flags;              /* enum ctrace_net_flags */
	__u32 pad;
};

/* struct ctrace_file_rec.event */
enum ctrace_file_event {
	CTRACE_FILE_OPEN = 1,
	CTRACE_FILE_READ = 2,
	CTRACE_FILE_WRITE = 3,
	CTRACE_FILE_EXEC = 4,
};

/*
 * One file event from a VFS/LSM hook (kprobes, fentry or BPF LSM where the
 * kernel allows them). Followed by one item: the path (arg 0) as the task
 * sees it (relative to its root), built from the dentry chain.
 */
struct ctrace_file_rec {
	struct ctrace_header hdr;
	__u64 ino;
	__u64 bytes;  /* READ/WRITE: bytes transferred */
	__s64 result; /* READ/WRITE: the return value; 0 for hooks that run before the operation */
	__u32 dev;    /* the kernel's dev_t of the file system */
	__u32 flags;  /* OPEN: the file's f_flags */
	__u16 event;  /* enum ctrace_file_event */
	__u16 pad[3];
};

/* Owner of a socket or listener, kept from process context (net.bpf.c). */
struct ctrace_sock_owner {
	struct ctrace_header hdr;
	__u64 start_ns;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u32 role;
	__u32 flags;
	__u16 lport;       /* local port once established (the kernel clears it before the socket closes) */
	__u16 established; /* connect/accept was reported */
	__u16 pad[2];
};

/* Key of the listeners map: a listening port in a network namespace. */
struct ctrace_listen_key {
	__u32 netns;
	__u16 port;
	__u16 pad;
};

#endif /* CTRACE_NETFILE_H */
