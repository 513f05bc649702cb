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

/*
 * struct ctrace_syscall_conf.flags. Bits 5-7 are free (raw sys_enter /
 * sys_exit events will take two of them).
 */
enum ctrace_syscall_flags {
	CTRACE_SC_NORETURN = 1 << 0,         /* emit at entry: exit, exit_group */
	CTRACE_SC_CAPTURE_AT_ENTRY = 1 << 1, /* capture variable data at entry: execve, execveat */
	CTRACE_SC_ENABLED = 1 << 2,          /* the event is wanted: without it the syscall costs one lookup */
	CTRACE_SC_FDTRACK = 1 << 3,          /* not wanted, but changes the fd table: emit with CTRACE_F_FD_ONLY */
	CTRACE_SC_DATA = 1 << 4,             /* some arg_kind is not CTRACE_ARG_RAW: the record may carry items */
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
	CTRACE_STAT_MAX = 3,
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

#endif /* CTRACE_H */
