//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ctrace's kernel side: one record per syscall of every task that runs in a
 * container cgroup (entry time saved at sys_enter, the record written with
 * the return value at sys_exit), process lifecycle records, and container
 * cgroup tracking from cgroup creation on. Record layouts live in ctrace.h.
 *
 * The per-syscall path is built for cost (see docs/performance.md): at entry
 * one container lookup, one per-thread state slot and one clock read; at
 * exit the arguments come from the registers (still there: only execve's
 * are saved at entry), the identity straight from the task, and a record
 * without variable data is built in place in the ring buffer. Two variants
 * of that path are chosen at load time by cfg_task_storage:
 *   fast   (Linux 5.11+): per-thread state in task-local storage, the task
 *          read through its BTF pointer (plain loads, no probe reads);
 *   compat (5.8-5.10):   state in a hash map by thread id, reused in place
 *          (deleted when the thread exits), probe reads.
 * The verifier drops the branch not taken, so compat kernels never see the
 * helpers they lack.
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ctrace.h"
#include "cgroup_id.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. */
volatile const __s32 cfg_v1_subsys_id = -1; /* -1: cgroup v2 ids */
volatile const __s32 cfg_hierarchy_id = 0;  /* hierarchy whose cgroup_mkdir/rmdir we follow */
volatile const __u64 cfg_wakeup_bytes = 1 << 20;
volatile const __u32 cfg_lifecycle = CTRACE_LC_FORK | CTRACE_LC_EXEC | CTRACE_LC_EXIT;
volatile const bool cfg_task_storage = true; /* fast variant (see above); false: compat */
/* In-kernel process filters (enum ctrace_filter): 0, and task_wanted() is free. */
volatile const __u32 cfg_filters = 0;
/* Some syscall_conf entry has CTRACE_SC_RAW_ENTER/EXIT: without it the raw-event code is dropped. */
volatile const bool cfg_raw = false;
/* In-flight slots - 1 (a power of two - 1; user space sizes the inflight map to match). */
volatile const __u32 cfg_inflight_mask = (1 << 16) - 1;

#define SCRATCH_SIZE 32768
#define OFF_MASK 16383 /* every item starts below this offset */
#define EXEC_CAPTURE_SIZE 16384

/* Mask an offset in a way the compiler cannot drop, so the verifier sees the bound. */
#define BOUND_OFF(x) asm volatile("%0 &= 16383" : "+r"(x))
#define BOUND_BYTES(x) asm volatile("%0 &= 511" : "+r"(x)) /* 2 * CTRACE_BYTES_MAX - 1 */

struct scratch {
	__u8 buf[SCRATCH_SIZE - 8];
	/*
	 * Write position of the item writers. Kept in map memory on purpose: the
	 * verifier does not track it, so every loop iteration starts from the
	 * same (masked, unknown) state and paths prune instead of multiplying.
	 */
	__u32 cursor;
	__u32 pad;
};

/* task_state.flags */
#define TS_ARGS 1    /* args[] were saved at entry (the registers are gone or unreadable at exit) */
#define TS_FD_ONLY 2 /* the syscall is only wanted for the fd table */
#define TS_RAW_EXIT 4   /* emit a raw sys_exit record at exit */
#define TS_NO_RECORD 8  /* only raw records are wanted: no syscall record at exit */

/* A syscall between its entry and its exit, per thread. ts_ns == 0: none. */
struct task_state {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 args[CTRACE_MAX_ARGS];
	__u32 nr;
	__u16 flags;
	__u16 records; /* records written by the thread (wraps): paces the wakeup check */
};

/* The ring buffer's fill level is checked every WAKEUP_EVERY records of a thread. */
#define WAKEUP_EVERY 64

/* Variable data of execve/execveat captured at entry (its memory is gone at exit). */
struct exec_capture {
	__u32 len;
	__u32 pad;
	__u8 data[EXEC_CAPTURE_SIZE - 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 26); /* user space sets the real size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ctrace_cgroup_info);
} containers SEC(".maps");

/* Fast variant: per-thread state (user space makes it a 1-entry array in compat). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

/*
 * Fast variant: the state of a syscall in flight, in a slot chosen by thread
 * id (tid & cfg_inflight_mask), so entry and exit pay an inlined array
 * lookup instead of a task storage helper call. A thread takes a free slot
 * (compare-and-swap of owner from 0) at its first syscall and keeps it until
 * it exits (sched_process_exit) or execs under another id; only the owner
 * writes the slot's state. A thread whose slot another thread owns keeps its
 * state in task storage (task_states) and counts itself in the slot's
 * spilled, which tells exit to look there. With the default 65,536 slots,
 * threads 65,536 ids apart share one. Exec arguments captured at entry
 * always use task storage (an exec may change the thread id). User space
 * shrinks the map to 1 entry in compat.
 */
struct inflight {
	__u64 owner; /* thread id owning the slot; 0: free (64-bit: the atomics of BPF ISA v2) */
	__u64 ts_ns; /* 0: no syscall in flight */
	__u64 cgroup_id;
	__s64 spilled; /* threads of this slot's index with a state in task storage */
	__u32 nr;
	__u16 flags;
	__u16 records;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << 16); /* user space sets cfg_inflight_mask + 1 */
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* Compat variant: per-thread state by thread id (user space shrinks it to 1 entry in fast). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct task_state);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct exec_capture);
} pending_exec SEC(".maps");

/* Indexed by syscall number; entry CTRACE_MAX_SYSCALLS covers every number beyond. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CTRACE_MAX_SYSCALLS + 1);
	__type(key, __u32);
	__type(value, struct ctrace_syscall_conf);
} syscall_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTRACE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/*
 * In-kernel process filters (cfg_filters): values are enum
 * ctrace_filter_verdict. User space shrinks the maps it does not use to one
 * entry. filter_pids also holds the descendants of the processes given:
 * children are added at fork, and every process leaves it at exit.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct ctrace_comm_key);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* thread group id */
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} filter_uids SEC(".maps");

/*
 * The last container decision per CPU: a syscall of the same cgroup as the
 * CPU's previous one (a storm, an excluded container's busy task) skips the
 * containers hash lookup. An entry is valid while its generation equals
 * cgroup_gen[0], which user space increments after every change it makes
 * to the containers map (the kernel's own changes only add new cgroup ids
 * or remove empty cgroups, which no task can run in). The entry is one
 * 64-bit word, written with one store, so a program that is interrupted or
 * preempted between reading and writing it (cgroup and fentry programs run
 * preemptible) can leave an older decision but never a mixed one:
 * bit 63 traced, bits 40-62 the generation (mod 2^23), bits 0-39 the cgroup
 * id (mod 2^40: cgroup ids are inode numbers, far below that).
 * On x86 (TSO) a miss that reads the generation before the map cannot cache
 * a decision older than that generation. A weakly ordered CPU (arm64) may
 * satisfy the map read first: in that window a changed decision can stay
 * cached on one CPU until another cgroup's syscall replaces it there. A
 * stale "traced" is harmless (user space checks every container again); a
 * stale "not traced" needs a cgroup user space re-adds after excluding or
 * forgetting it, which ctrace does not do while tracing.
 */
#define VC_ID_MASK ((1ULL << 40) - 1)
#define VC_GEN_MASK ((1ULL << 23) - 1)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} verdict_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cgroup_gen SEC(".maps");

/*
 * Non-zero while the reader sleeps (user space maps it and sets it before
 * waiting): producers force a wakeup only then, and the first to do so
 * clears it. A wakeup forced while the reader is awake is an irq_work
 * self-IPI for nothing (a VM exit in a guest).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} reader_asleep SEC(".maps");

/* Raw sys_enter/sys_exit records per CPU: paces their ring fill checks. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} raw_pace SEC(".maps");

/* Slot 0 builds records, slot 1 builds exec captures. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Make the contract's types visible to bpf2go. */
const struct ctrace_syscall_rec *unused_syscall_rec __attribute__((unused));
const struct ctrace_fork_rec *unused_fork_rec __attribute__((unused));
const struct ctrace_exec_rec *unused_exec_rec __attribute__((unused));
const struct ctrace_exit_rec *unused_exit_rec __attribute__((unused));
const struct ctrace_cgroup_rec *unused_cgroup_rec __attribute__((unused));
const struct ctrace_item *unused_item __attribute__((unused));
const enum ctrace_record_kind *unused_kind __attribute__((unused));
const enum ctrace_record_flags *unused_rflags __attribute__((unused));
const enum ctrace_arg_kind *unused_arg_kind __attribute__((unused));
const enum ctrace_item_flags *unused_iflags __attribute__((unused));
const enum ctrace_syscall_flags *unused_sflags __attribute__((unused));
const enum ctrace_cgroup_state *unused_cgstate __attribute__((unused));
const enum ctrace_stat *unused_stat __attribute__((unused));
const enum ctrace_lifecycle *unused_lifecycle __attribute__((unused));
const enum ctrace_filter *unused_filter __attribute__((unused));
const enum ctrace_filter_verdict *unused_verdict __attribute__((unused));
const struct ctrace_comm_key *unused_comm_key __attribute__((unused));

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);
	if (v)
		*v += 1;
}

/* The current task: a BTF pointer (plain loads) in the fast variant, else for probe reads. */
static __always_inline struct task_struct *current_task(void)
{
	if (cfg_task_storage)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/* Thread id of the current task. */
static __always_inline __u32 current_tid(struct task_struct *t)
{
	if (cfg_task_storage)
		return t->pid;
	return (__u32)bpf_get_current_pid_tgid();
}

/* Cgroup id of the current task t (from current_task()) in the tracked hierarchy (cgroup_id.h). */
static __always_inline __u64 current_cgroup_id(struct task_struct *t)
{
	return ctrace_current_task_cgroup_id(t, cfg_v1_subsys_id, cfg_task_storage);
}

/*
 * Is cgroup cgid traced? With container filters (CTRACE_FILT_CONTAINER) the
 * same lookup also carries the per-container decision: a container user
 * space excluded (CTRACE_CG_EXCLUDED) costs this lookup and nothing more.
 */
static __always_inline bool in_container(__u64 cgid)
{
	__u32 zero = 0;
	__u64 *vc = bpf_map_lookup_elem(&verdict_cache, &zero);
	__u64 *genp = bpf_map_lookup_elem(&cgroup_gen, &zero);
	if (!vc || !genp)
		return false;
	/* The generation is read before the lookup: a change user space makes after it invalidates the entry. */
	__u64 tag = ((*(volatile __u64 *)genp & VC_GEN_MASK) << 40) | (cgid & VC_ID_MASK);
	__u64 w = *(volatile __u64 *)vc;

	if (w && (w & ~(1ULL << 63)) == tag)
		return w >> 63;

	struct ctrace_cgroup_info *ci = bpf_map_lookup_elem(&containers, &cgid);
	bool traced = ci != 0;

	if (cfg_filters & CTRACE_FILT_CONTAINER)
		traced = ci && ci->state != CTRACE_CG_EXCLUDED;
	*(volatile __u64 *)vc = tag | ((__u64)traced << 63);
	return traced;
}

/* The verdict of a filter map for key: wanted unless excluded, or not listed when includes are given. */
static __always_inline bool verdict_wanted(void *map, const void *key, __u32 in_bit, __u32 out_bit)
{
	__u8 *v = bpf_map_lookup_elem(map, key);

	if ((cfg_filters & out_bit) && v && *v == CTRACE_FILTER_OUT)
		return false;
	if ((cfg_filters & in_bit) && !(v && *v == CTRACE_FILTER_IN))
		return false;
	return true;
}

/* The comm, pid and uid filters (cfg_filters != 0). */
static __always_inline bool task_filters_pass(struct task_struct *t)
{
	if (cfg_filters & (CTRACE_FILT_COMM_IN | CTRACE_FILT_COMM_OUT)) {
		struct ctrace_comm_key k = {};

		if (cfg_task_storage) {
			bool end = false;
			int i;

			__builtin_memcpy(k.comm, t->comm, sizeof(k.comm));
			/* Only the bytes up to the NUL: the key is NUL-padded whatever follows it. */
#pragma unroll
			for (i = 0; i < CTRACE_COMM_LEN; i++) {
				if (!k.comm[i])
					end = true;
				if (end)
					k.comm[i] = 0;
			}
		} else {
			bpf_get_current_comm(k.comm, sizeof(k.comm)); /* NUL-padded */
		}
		if (!verdict_wanted(&filter_comms, &k, CTRACE_FILT_COMM_IN, CTRACE_FILT_COMM_OUT))
			return false;
	}
	if (cfg_filters & (CTRACE_FILT_PID_IN | CTRACE_FILT_PID_OUT)) {
		__u32 tgid = cfg_task_storage ? (__u32)t->tgid : (__u32)(bpf_get_current_pid_tgid() >> 32);
		if (!verdict_wanted(&filter_pids, &tgid, CTRACE_FILT_PID_IN, CTRACE_FILT_PID_OUT))
			return false;
	}
	if (cfg_filters & (CTRACE_FILT_UID_IN | CTRACE_FILT_UID_OUT)) {
		__u32 uid = cfg_task_storage ? t->cred->uid.val : (__u32)bpf_get_current_uid_gid();
		if (!verdict_wanted(&filter_uids, &uid, CTRACE_FILT_UID_IN, CTRACE_FILT_UID_OUT))
			return false;
	}
	return true;
}

/*
 * The one early check of sys_enter (and of the lifecycle and network
 * programs that run as the process), after the container lookup and before
 * anything is copied: the comm, pid and uid filters. The container filters
 * are decided by in_container()'s lookup. With no filter (cfg_filters 0,
 * a load-time constant) this is `return true` and costs nothing.
 */
static __always_inline bool task_wanted(struct task_struct *t, __u64 cgid)
{
	if (!(cfg_filters & ~CTRACE_FILT_CONTAINER))
		return true;
	return task_filters_pass(t);
}

/*
 * Is the current task t traced: in a traced container, not excluded, and
 * passing the process filters? *cgid gets its cgroup id. The check every
 * program that runs as the process makes before it copies anything.
 */
static __always_inline bool traced(struct task_struct *t, __u64 *cgid)
{
	*cgid = current_cgroup_id(t);
	return in_container(*cgid) && task_wanted(t, *cgid);
}

/* --pid / --exclude-pid follow descendants: a new process inherits its parent's verdict. */
static __always_inline void follow_fork(struct task_struct *parent, struct task_struct *child)
{
	if (!(cfg_filters & (CTRACE_FILT_PID_IN | CTRACE_FILT_PID_OUT)))
		return;
	__u32 ptgid = cfg_task_storage ? (__u32)parent->tgid : (__u32)(bpf_get_current_pid_tgid() >> 32);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == ptgid)
		return; /* a thread */
	__u8 *v = bpf_map_lookup_elem(&filter_pids, &ptgid);
	if (!v)
		return;
	__u8 val = *v;
	if (bpf_map_update_elem(&filter_pids, &ctgid, &val, BPF_NOEXIST) < 0 &&
	    !bpf_map_lookup_elem(&filter_pids, &ctgid))
		count(CTRACE_STAT_PID_FOLLOW_FULL);
}

/* A process that ends leaves filter_pids (its id may be reused). */
static __always_inline void follow_exit(struct task_struct *t)
{
	if (!(cfg_filters & (CTRACE_FILT_PID_IN | CTRACE_FILT_PID_OUT)))
		return;
	__u64 pt = bpf_get_current_pid_tgid();
	if ((__u32)pt != (__u32)(pt >> 32))
		return; /* a thread other than the leader */
	__u32 tgid = pt >> 32;
	bpf_map_delete_elem(&filter_pids, &tgid);
}

/* Identity of the current task into h (everything but ts, cgroup, kind, flags, data_len). */
static __always_inline void fill_identity(struct ctrace_header *h, struct task_struct *t)
{
	if (cfg_task_storage) {
		const struct cred *c = t->cred;

		h->pid = t->tgid;
		h->tid = t->pid;
		h->ppid = t->real_parent->tgid;
		h->uid = c->uid.val;
		h->gid = c->gid.val;
		__builtin_memcpy(h->comm, t->comm, sizeof(h->comm));
		return;
	}
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void fill_header(struct ctrace_header *h, struct task_struct *t, __u64 ts, __u64 cgid,
					__u16 kind, __u16 flags)
{
	h->ts_ns = ts;
	h->cgroup_id = cgid;
	fill_identity(h, t);
	h->kind = kind;
	h->flags = flags;
	h->data_len = 0;
	h->pad[0] = h->pad[1] = h->pad[2] = 0;
}

/*
 * The reader wakes itself on a timer; producers wake it only as a safety
 * net, when it sleeps and cfg_wakeup_bytes (a quarter of the ring by
 * default) are pending. check = false skips the check: a storm of one
 * thread checks every WAKEUP_EVERY records.
 */
static __always_inline __u64 wakeup_flags_if(bool check)
{
	__u32 zero = 0;
	__u64 *asleep;

	if (!check)
		return BPF_RB_NO_WAKEUP;
	asleep = bpf_map_lookup_elem(&reader_asleep, &zero);
	if (!asleep || !*(volatile __u64 *)asleep)
		return BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < cfg_wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	*(volatile __u64 *)asleep = 0;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline __u64 wakeup_flags(void)
{
	return wakeup_flags_if(true);
}

static __always_inline void submit(void *rec, __u32 size)
{
	if (size > OFF_MASK)
		size = OFF_MASK;
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flags()) < 0)
		count(CTRACE_STAT_LOST_RINGBUF);
}

/*
 * Item writers: append one item at buf+off, never past end (the record's
 * data limit), and return the new offset; 0 means the item did not fit (the
 * caller marks the record truncated). Offsets are masked so the verifier can
 * bound every access; end is at most OFF_MASK.
 *
 * Strings: max counts the NUL, so a string of max-1 bytes is complete and
 * one of max bytes or more is cut to max-1 bytes and marked truncated (also
 * when the record's space runs out first).
 */
static __always_inline __u32 put_str(__u8 *buf, __u32 off, __u32 end, __u8 arg, __u8 kind, const char *src,
				     bool user, __u32 max)
{
	__u64 o = off;
	struct ctrace_item *it;
	long n;
	__u8 flags = 0;

	if (off + sizeof(*it) + 1 > end)
		return 0;
	if (max > end - off - sizeof(*it)) {
		max = end - off - sizeof(*it); /* cut by the record's space */
		flags = CTRACE_ITEM_TRUNCATED;
	}
	if (max > CTRACE_PATH_MAX)
		max = CTRACE_PATH_MAX;
	if (max < 1)
		max = 1;
	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind };
	if (user)
		n = bpf_probe_read_user_str(buf + o + sizeof(*it), max, src);
	else
		n = bpf_probe_read_kernel_str(buf + o + sizeof(*it), max, src);
	if (n <= 0) {
		it->flags = CTRACE_ITEM_FAULT;
		it->len = 0;
		return o + sizeof(*it);
	}
	if (n >= max) {
		/*
		 * max bytes came back: the string had max-1 bytes and its NUL
		 * (complete), or was longer (cut). The byte at max-1 tells.
		 */
		char last = 1;
		if (user)
			bpf_probe_read_user(&last, 1, src + max - 1);
		else
			bpf_probe_read_kernel(&last, 1, src + max - 1);
		if (last != 0)
			flags = CTRACE_ITEM_TRUNCATED;
		else
			flags = 0;
	} else {
		flags = 0;
	}
	it->flags = flags;
	it->len = n - 1; /* without the NUL */
	return o + sizeof(*it) + (n - 1);
}

static __always_inline __u32 put_marker(__u8 *buf, __u32 off, __u32 end, __u8 arg, __u8 kind, __u8 flags)
{
	__u64 o = off;
	struct ctrace_item *it;

	if (off + sizeof(*it) > end)
		return 0;
	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind, .flags = flags };
	return o + sizeof(*it);
}

/* Append size bytes of user memory as one item (at most CTRACE_BYTES_MAX, and what fits). */
static __always_inline __u32 put_bytes(__u8 *buf, __u32 off, __u32 end, __u8 arg, __u8 kind, const void *src,
				       __u32 size)
{
	__u64 o = off;
	struct ctrace_item *it;
	__u8 flags = 0;

	if (off + sizeof(*it) > end)
		return 0;
	if (size > CTRACE_BYTES_MAX) {
		size = CTRACE_BYTES_MAX;
		flags = CTRACE_ITEM_TRUNCATED;
	}
	if (size > end - off - sizeof(*it)) {
		size = end - off - sizeof(*it);
		flags = CTRACE_ITEM_TRUNCATED;
	}
	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind, .flags = flags };
	__u64 n = size;
	BOUND_BYTES(n);
	if (bpf_probe_read_user(buf + o + sizeof(*it), n, src) < 0) {
		it->flags = CTRACE_ITEM_FAULT;
		it->len = 0;
		return o + sizeof(*it);
	}
	it->len = n;
	return o + sizeof(*it) + n;
}

/* The argument after argument i (a length), or 0 when i is the last one. */
static __always_inline __u64 next_arg(const __u64 *args, int i)
{
	if (i < 0 || i + 1 >= CTRACE_MAX_ARGS)
		return 0;
	return args[i + 1];
}

/* Length of a sockaddr argument i: by value in the next argument, or behind a pointer in it. */
static __always_inline __u32 sockaddr_len(const __u64 *args, int i, __u16 by_pointer)
{
	__u64 v = next_arg(args, i);
	int len = 0;

	if (by_pointer) {
		if (!v || bpf_probe_read_user(&len, sizeof(len), (const void *)v) < 0)
			return 0;
	} else {
		len = (int)v;
	}
	if (len < 0)
		return 0;
	return len;
}

/*
 * Append the elements of a NULL-terminated array of user strings. Elements
 * beyond CTRACE_ARGV_MAX, or beyond the space left, are announced by one
 * CTRACE_ITEM_MORE marker (room for it is kept). Returns true if elements
 * were left out for space.
 */
static __noinline bool put_strarr(struct scratch *s, __u32 end, __u8 arg, const char *const *arr)
{
	const __u32 item = sizeof(struct ctrace_item);
	int i;

	if (!s || end < 2 * item + 1 || end > OFF_MASK)
		return true;
	for (i = 0; i < CTRACE_ARGV_MAX; i++) {
		const char *p = 0;
		__u32 off = s->cursor;
		__u32 next;

		if (bpf_probe_read_user(&p, sizeof(p), &arr[i]) < 0) {
			next = put_marker(s->buf, off, end, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_FAULT);
			if (next)
				s->cursor = next;
			return false;
		}
		if (!p)
			return false;
		next = put_str(s->buf, off, end - item, arg, CTRACE_ARG_STRARR, p, true, CTRACE_ARGV_STR_MAX);
		if (!next) {
			next = put_marker(s->buf, off, end, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_MORE | CTRACE_ITEM_TRUNCATED);
			if (next)
				s->cursor = next;
			return true;
		}
		s->cursor = next;
	}
	/* More elements than we keep? */
	{
		const char *p = 0;

		if (bpf_probe_read_user(&p, sizeof(p), &arr[CTRACE_ARGV_MAX]) == 0 && p) {
			__u32 next = put_marker(s->buf, s->cursor, end, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_MORE);
			if (next)
				s->cursor = next;
		}
	}
	return false;
}

/*
 * Capture the variable data of a syscall's arguments as the catalogue says,
 * appending at s->cursor, never past end. Returns true if data was left out
 * or cut for space.
 */
static __always_inline bool capture_args(struct scratch *s, __u32 end, const struct ctrace_syscall_conf *conf,
					 const __u64 *args, __s64 ret, bool at_exit)
{
	bool cut = false;
	int i;

	for (i = 0; i < CTRACE_MAX_ARGS; i++) {
		__u8 k = conf->arg_kind[i];
		__u16 size = conf->arg_size[i];
		const void *ptr = (const void *)args[i];
		__u32 off = s->cursor;
		__u32 next = off;
		__u32 want = k == CTRACE_ARG_STR ? CTRACE_PATH_MAX : CTRACE_BYTES_MAX;

		if (k == CTRACE_ARG_RAW || !ptr)
			continue;
		switch (k) {
		case CTRACE_ARG_STR:
			next = put_str(s->buf, off, end, i, k, ptr, true, CTRACE_PATH_MAX);
			break;
		case CTRACE_ARG_STRARR:
			if (put_strarr(s, end, i, ptr))
				cut = true;
			next = s->cursor;
			break;
		case CTRACE_ARG_SOCKADDR:
			next = put_bytes(s->buf, off, end, i, k, ptr, sockaddr_len(args, i, size));
			break;
		case CTRACE_ARG_BYTES:
			next = put_bytes(s->buf, off, end, i, k, ptr, size);
			break;
		case CTRACE_ARG_BUF_IN:
		case CTRACE_ARG_BUF_OUT: {
			__s64 n = k == CTRACE_ARG_BUF_IN ? (__s64)next_arg(args, i) : ret;
			if (!at_exit && k == CTRACE_ARG_BUF_OUT)
				break;
			if (n <= 0)
				break;
			if (n > size)
				n = size;
			next = put_bytes(s->buf, off, end, i, k, ptr, n);
			break;
		}
		}
		if (!next) {
			cut = true; /* no room for this item */
			continue;
		}
		if (k != CTRACE_ARG_STRARR && off + sizeof(struct ctrace_item) + want > end) {
			/* Space was short: was the item cut by it? (It says so itself.) */
			__u64 o = off;
			BOUND_OFF(o);
			if (((struct ctrace_item *)(s->buf + o))->flags & CTRACE_ITEM_TRUNCATED)
				cut = true;
		}
		s->cursor = next;
	}
	return cut;
}

/*
 * The six syscall arguments from a register frame (struct pt_regs *) with
 * one probe read: on x86_64 r10..di are contiguous (the order of pt_regs is
 * fixed by the entry code), on arm64 arg0 is orig_x0 (x0 holds the return
 * value at exit) and args 1-5 are regs[1..5].
 */
static __always_inline void read_args(const void *regs, __u64 *args)
{
#if defined(__TARGET_ARCH_x86)
	__u64 w[8] = {};
	const __u32 base = bpf_core_field_offset(struct pt_regs, r10);

	bpf_probe_read_kernel(w, sizeof(w), regs + base);
	args[0] = w[((bpf_core_field_offset(struct pt_regs, di) - base) / 8) & 7];
	args[1] = w[((bpf_core_field_offset(struct pt_regs, si) - base) / 8) & 7];
	args[2] = w[((bpf_core_field_offset(struct pt_regs, dx) - base) / 8) & 7];
	args[3] = w[0];
	args[4] = w[((bpf_core_field_offset(struct pt_regs, r8) - base) / 8) & 7];
	args[5] = w[((bpf_core_field_offset(struct pt_regs, r9) - base) / 8) & 7];
#elif defined(__TARGET_ARCH_arm64)
	__u64 w[6] = {};

	bpf_probe_read_kernel(w, sizeof(w), regs + bpf_core_field_offset(struct pt_regs, regs));
	bpf_probe_read_kernel(&w[0], sizeof(w[0]), regs + bpf_core_field_offset(struct pt_regs, orig_x0));
	args[0] = w[0];
	args[1] = w[1];
	args[2] = w[2];
	args[3] = w[3];
	args[4] = w[4];
	args[5] = w[5];
#endif
}

/*
 * The current task's syscall arguments at sys_exit: through its register
 * frame's BTF pointer (plain loads) in the fast variant, else one probe read
 * of the frame the tracepoint got.
 */
static __always_inline void current_args(struct task_struct *t, const void *regs, __u64 *args)
{
#if defined(__TARGET_ARCH_x86)
	if (cfg_task_storage) {
		struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(t);
		if (r) {
			args[0] = r->di;
			args[1] = r->si;
			args[2] = r->dx;
			args[3] = r->r10;
			args[4] = r->r8;
			args[5] = r->r9;
			return;
		}
	}
#endif
	read_args(regs, args);
}

static __always_inline const struct ctrace_syscall_conf *conf_of(__u32 nr)
{
	if (nr > CTRACE_MAX_SYSCALLS)
		nr = CTRACE_MAX_SYSCALLS; /* every number beyond the table shares the last entry */
	return bpf_map_lookup_elem(&syscall_conf, &nr);
}

/* The in-flight slot of thread tid (fast variant). */
static __always_inline struct inflight *slot_of(__u32 tid)
{
	__u32 i = tid & cfg_inflight_mask;
	return bpf_map_lookup_elem(&inflight, &i);
}

/* Does thread tid own its slot, taking it if it is free? */
static __always_inline bool slot_own(struct inflight *sl, __u32 tid)
{
	return sl->owner == tid || __sync_val_compare_and_swap(&sl->owner, 0, (__u64)tid) == 0;
}

/*
 * Per-thread state in task storage (fast) or the pending hash (compat) of
 * the current task; create makes one if there is none.
 */
static __always_inline struct task_state *state_of(struct task_struct *t, __u32 tid, bool create)
{
	if (cfg_task_storage)
		return bpf_task_storage_get(&task_states, t, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	struct task_state *st = bpf_map_lookup_elem(&pending, &tid);
	if (st || !create)
		return st;
	struct task_state zero = {};
	bpf_map_update_elem(&pending, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pending, &tid);
}

/*
 * Start a syscall's state at entry: in the thread's slot (fast variant,
 * unless args must be kept), else in task storage or the pending hash.
 * Returns the task_state to complete, or NULL when the slot took it (or no
 * state could be made: *lost is set).
 */
static __always_inline struct task_state *state_begin(struct task_struct *t, __u32 tid, __u64 ts, __u64 cgid, __u32 nr,
						      __u16 sflags, bool keep_args, bool *lost)
{
	struct inflight *sl = 0;

	*lost = false;
	if (cfg_task_storage) {
		sl = slot_of(tid);
		if (!sl) {
			*lost = true;
			return 0;
		}
		if (!keep_args && slot_own(sl, tid)) {
			sl->ts_ns = ts;
			sl->cgroup_id = cgid;
			sl->nr = nr;
			sl->flags = sflags;
			return 0;
		}
	}
	struct task_state *st = state_of(t, tid, true);
	if (!st) {
		*lost = true;
		return 0;
	}
	if (sl && !st->ts_ns)
		__sync_fetch_and_add(&sl->spilled, 1);
	st->ts_ns = ts;
	st->cgroup_id = cgid;
	st->nr = nr;
	st->flags = sflags;
	return st;
}

/*
 * Take the current thread's syscall in flight, if any, into p (args only
 * when they were kept at entry: TS_ARGS). Counts the thread's records.
 */
static __always_inline bool state_take(struct task_struct *t, __u32 tid, struct task_state *p)
{
	struct inflight *sl = 0;

	if (cfg_task_storage) {
		sl = slot_of(tid);
		if (!sl)
			return false;
		if (sl->owner == tid && sl->ts_ns) {
			p->ts_ns = sl->ts_ns;
			p->cgroup_id = sl->cgroup_id;
			p->nr = sl->nr;
			p->flags = sl->flags;
			p->records = ++sl->records;
			sl->ts_ns = 0;
			return true;
		}
		if (sl->spilled <= 0)
			return false;
	}
	struct task_state *st = state_of(t, tid, false);
	if (!st || !st->ts_ns)
		return false;
	*p = *st;
	p->records = ++st->records;
	st->ts_ns = 0;
	if (sl)
		__sync_fetch_and_add(&sl->spilled, -1);
	return true;
}

/* A thread gives up its slot (it exits, or execs under another id). */
static __always_inline void slot_release(__u32 tid)
{
	if (!cfg_task_storage)
		return;
	struct inflight *sl = slot_of(tid);
	if (sl && sl->owner == tid) {
		sl->ts_ns = 0;
		sl->records = 0;
		sl->owner = 0; /* after the state: the next owner starts clean */
	}
}

/* Forget the per-thread state of an exiting thread (task storage goes with the task). */
static __always_inline void state_drop(__u32 tid)
{
	if (!cfg_task_storage)
		bpf_map_delete_elem(&pending, &tid);
	slot_release(tid);
}

/* The fixed part of a syscall record: header, number, return value, arguments. */
static __always_inline void fill_syscall(struct ctrace_syscall_rec *r, struct task_struct *t, const struct task_state *p,
					 const __u64 *args, __s64 ret, __u16 flags)
{
	int i;

	fill_header(&r->hdr, t, p->ts_ns, p->cgroup_id, CTRACE_REC_SYSCALL, flags);
	r->nr = p->nr;
	r->pad = 0;
	r->retval = ret;
	for (i = 0; i < CTRACE_MAX_ARGS; i++)
		r->args[i] = args[i];
}

/*
 * Write one syscall record. args are the syscall's arguments, regs the
 * register frame they come from at exit (NULL: args are given). A syscall
 * without variable data is built in place in the ring buffer; the others in
 * scratch memory, then copied.
 */
static __always_inline void emit_syscall(struct task_struct *t, const struct task_state *p, const __u64 *args,
					 __s64 ret, __u16 flags, __u32 tid, bool check)
{
	const struct ctrace_syscall_conf *conf = conf_of(p->nr);
	struct ctrace_syscall_rec *r;

	if (p->flags & TS_FD_ONLY)
		flags |= CTRACE_F_FD_ONLY;
	if (!conf || !(conf->flags & (CTRACE_SC_DATA | CTRACE_SC_CAPTURE_AT_ENTRY))) {
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (!r) {
			count(CTRACE_STAT_LOST_RINGBUF);
			return;
		}
		fill_syscall(r, t, p, args, ret, flags);
		bpf_ringbuf_submit(r, wakeup_flags_if(check));
		return;
	}

	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	r = (void *)s->buf;
	__u32 off = sizeof(*r);
	__u32 end = sizeof(*r) + CTRACE_DATA_MAX;
	bool truncated = false;

	fill_syscall(r, t, p, args, ret, flags);

	if (conf->flags & CTRACE_SC_CAPTURE_AT_ENTRY) {
		struct exec_capture *ec = bpf_map_lookup_elem(&pending_exec, &tid);
		if (ec) {
			__u32 len = ec->len;
			if (len > sizeof(ec->data))
				len = sizeof(ec->data);
			bpf_probe_read_kernel(s->buf + sizeof(*r), len & OFF_MASK, ec->data);
			off += len & OFF_MASK;
			truncated = ec->pad;
			bpf_map_delete_elem(&pending_exec, &tid);
		} else {
			truncated = true; /* the capture at entry could not be stored (counted there) */
		}
	} else {
		s->cursor = off;
		truncated = capture_args(s, end, conf, args, ret, !(flags & (CTRACE_F_NORETURN | CTRACE_F_UNFINISHED)));
		off = s->cursor & OFF_MASK;
	}
	if (truncated)
		r->hdr.flags |= CTRACE_F_DATA_TRUNCATED;
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	submit(r, off);
}

/*
 * A raw sys_enter or sys_exit record (the original tool's events), built in
 * the ring buffer: the syscall number and, at entry, the six argument
 * registers (regs: the tracepoint's register frame), at exit the return
 * value. Nothing else is read.
 */
static __always_inline void emit_raw(struct task_struct *t, __u16 kind, __u64 ts, __u64 cgid, __u32 nr, __s64 ret,
				     const void *regs)
{
	struct ctrace_syscall_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count(CTRACE_STAT_LOST_RINGBUF);
		return;
	}
	fill_header(&r->hdr, t, ts, cgid, kind, 0);
	r->nr = nr;
	r->pad = 0;
	r->retval = ret;
	if (regs) {
		current_args(t, regs, r->args);
	} else {
		int i;
		for (i = 0; i < CTRACE_MAX_ARGS; i++)
			r->args[i] = 0;
	}
	__u32 zero = 0;
	__u32 *n = bpf_map_lookup_elem(&raw_pace, &zero);
	bool check = true;
	if (n)
		check = ++*n % WAKEUP_EVERY == 0;
	bpf_ringbuf_submit(r, wakeup_flags_if(check));
}

SEC("raw_tp/sys_enter")
int ctrace_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	/*
	 * Events filtered out stop here, first: the array lookup is inlined by
	 * the verifier and costs less than the cgroup id and the containers
	 * hash lookup, which a syscall nobody selected then never pays.
	 */
	__u32 nr = ctx->args[1];
	const struct ctrace_syscall_conf *conf = conf_of(nr);
	if (!conf)
		return 0;
	__u8 fl = conf->flags;
	if (!(fl & (CTRACE_SC_ENABLED | CTRACE_SC_FDTRACK | CTRACE_SC_RAW_ENTER | CTRACE_SC_RAW_EXIT)))
		return 0;

	struct task_struct *t = current_task();
	__u64 cgid;
	if (!traced(t, &cgid))
		return 0;

	__u32 tid = current_tid(t);
	__u64 ts = bpf_ktime_get_boot_ns();
	__u16 sflags = (fl & CTRACE_SC_ENABLED) ? 0 : TS_FD_ONLY;

	if (cfg_raw) {
		/* The original tool's raw events: the registers only. */
		if (fl & CTRACE_SC_RAW_ENTER)
			emit_raw(t, CTRACE_REC_SYS_ENTER, ts, cgid, nr, 0, (const void *)ctx->args[0]);
		if (!(fl & (CTRACE_SC_ENABLED | CTRACE_SC_FDTRACK))) {
			if (!(fl & CTRACE_SC_RAW_EXIT) || (fl & CTRACE_SC_NORETURN))
				return 0;
			sflags = TS_NO_RECORD; /* a state for the raw sys_exit record only */
		}
		if (fl & CTRACE_SC_RAW_EXIT)
			sflags |= TS_RAW_EXIT;
	}

	if (fl & CTRACE_SC_NORETURN) {
		struct task_state p = { .ts_ns = ts, .cgroup_id = cgid, .nr = nr, .flags = sflags };
		read_args((const void *)ctx->args[0], p.args);
		emit_syscall(t, &p, p.args, 0, CTRACE_F_NORETURN, tid, true);
		return 0;
	}
	/* The compat variant cannot read another task's registers at exit: keep them. */
	bool keep_args = (fl & CTRACE_SC_CAPTURE_AT_ENTRY) || !cfg_task_storage;
	if (cfg_raw && (sflags & TS_NO_RECORD))
		keep_args = false; /* a state for the raw sys_exit record only */
	bool lost;
	struct task_state *st = state_begin(t, tid, ts, cgid, nr, sflags, keep_args, &lost);
	if (lost) {
		count(CTRACE_STAT_LOST_PENDING);
		return 0;
	}
	/* Nothing more unless the arguments are kept (the capture at entry implies it). */
	if (!st || !keep_args)
		return 0;
	read_args((const void *)ctx->args[0], st->args);
	st->flags |= TS_ARGS;
	if (fl & CTRACE_SC_CAPTURE_AT_ENTRY) {
		__u32 one = 1;
		struct scratch *s = bpf_map_lookup_elem(&scratch, &one);
		if (!s)
			return 0;
		struct exec_capture *ec = (void *)s->buf;
		s->cursor = 8;
		ec->pad = capture_args(s, 8 + CTRACE_DATA_MAX, conf, st->args, 0, false);
		ec->len = (s->cursor - 8) & OFF_MASK;
		if (bpf_map_update_elem(&pending_exec, &tid, ec, BPF_ANY) < 0)
			count(CTRACE_STAT_EXEC_TRUNCATED);
	}
	return 0;
}

SEC("raw_tp/sys_exit")
int ctrace_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = current_task();
	__u32 tid = current_tid(t);
	struct task_state p;
	if (!state_take(t, tid, &p))
		return 0;
	if (cfg_raw && (p.flags & (TS_RAW_EXIT | TS_NO_RECORD))) {
		if (p.flags & TS_RAW_EXIT)
			emit_raw(t, CTRACE_REC_SYS_EXIT, bpf_ktime_get_boot_ns(), p.cgroup_id, p.nr, (__s64)ctx->args[1], 0);
		if (p.flags & TS_NO_RECORD)
			return 0;
	}
	if (!(p.flags & TS_ARGS))
		current_args(t, (const void *)ctx->args[0], p.args);
	emit_syscall(t, &p, p.args, (__s64)ctx->args[1], 0, tid, p.records % WAKEUP_EVERY == 0);
	return 0;
}

/* sched_process_fork(struct task_struct *parent, struct task_struct *child) */
SEC("raw_tp/sched_process_fork")
int ctrace_sched_fork(struct bpf_raw_tracepoint_args *ctx)
{
	if (cfg_filters & (CTRACE_FILT_PID_IN | CTRACE_FILT_PID_OUT))
		follow_fork(current_task(), (struct task_struct *)ctx->args[1]);
	if (!(cfg_lifecycle & (CTRACE_LC_FORK | CTRACE_LC_FDTRACK)))
		return 0;
	struct task_struct *t = current_task();
	__u64 cgid;
	if (!traced(t, &cgid))
		return 0;
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	struct ctrace_fork_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count(CTRACE_STAT_LOST_RINGBUF);
		return 0;
	}
	fill_header(&r->hdr, t, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_FORK,
		    (cfg_lifecycle & CTRACE_LC_FORK) ? 0 : CTRACE_F_FD_ONLY);
	r->child_pid = BPF_CORE_READ(child, tgid);
	r->child_tid = BPF_CORE_READ(child, pid);
	BPF_CORE_READ_STR_INTO(&r->child_comm, child, comm);
	bpf_ringbuf_submit(r, wakeup_flags());
	return 0;
}

/* sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) */
SEC("raw_tp/sched_process_exec")
int ctrace_sched_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = current_task();
	__u64 cgid = current_cgroup_id(t);
	if (!in_container(cgid))
		return 0;
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 old_tid = (__u32)ctx->args[1];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 tid = current_tid(t);

	/*
	 * A non-leader thread that execs takes the leader's id: move what is
	 * kept by thread id (task storage moves with the task).
	 */
	if (old_tid != tid) {
		if (cfg_task_storage) {
			/* Its task storage moves with it; the count that sends exit there moves to the new id's slot. */
			struct task_state *st = state_of(t, tid, false);
			struct inflight *from = slot_of(old_tid), *to = slot_of(tid);
			if (st && st->ts_ns && from && to) {
				__sync_fetch_and_add(&from->spilled, -1);
				__sync_fetch_and_add(&to->spilled, 1);
			}
			slot_release(old_tid);
		} else {
			struct task_state *p = bpf_map_lookup_elem(&pending, &old_tid);
			if (p) {
				bpf_map_update_elem(&pending, &tid, p, BPF_ANY);
				bpf_map_delete_elem(&pending, &old_tid);
			}
		}
		struct exec_capture *ec = bpf_map_lookup_elem(&pending_exec, &old_tid);
		if (ec) {
			bpf_map_update_elem(&pending_exec, &tid, ec, BPF_ANY);
			bpf_map_delete_elem(&pending_exec, &old_tid);
		}
	}

	if (!(cfg_lifecycle & (CTRACE_LC_EXEC | CTRACE_LC_FDTRACK)))
		return 0;
	if (!task_wanted(t, cgid))
		return 0;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_exec_rec *r = (void *)s->buf;
	fill_header(&r->hdr, t, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_EXEC,
		    (cfg_lifecycle & CTRACE_LC_EXEC) ? 0 : CTRACE_F_FD_ONLY);
	r->old_tid = old_tid;
	r->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	__u32 off = put_str(s->buf, sizeof(*r), sizeof(*r) + sizeof(struct ctrace_item) + CTRACE_PATH_MAX, 0,
			    CTRACE_ARG_STR, BPF_CORE_READ(bprm, filename), false, CTRACE_PATH_MAX);
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	submit(r, off);
	return 0;
}

/* sched_process_exit(struct task_struct *p[, bool group_dead]) */
/* The sched_process_exit record of the current task, when wanted. */
static __always_inline void emit_exit(struct task_struct *t, struct task_struct *task, __u64 cgid)
{
	if (!(cfg_lifecycle & (CTRACE_LC_EXIT | CTRACE_LC_FDTRACK)))
		return;
	if (!in_container(cgid))
		return;
	if (!task_wanted(t, cgid))
		return;
	struct ctrace_exit_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count(CTRACE_STAT_LOST_RINGBUF);
		return;
	}
	fill_header(&r->hdr, t, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_EXIT,
		    (cfg_lifecycle & CTRACE_LC_EXIT) ? 0 : CTRACE_F_FD_ONLY);
	r->exit_code = BPF_CORE_READ(task, exit_code);
	r->group_dead = BPF_CORE_READ(task, pid) == BPF_CORE_READ(task, tgid);
	bpf_ringbuf_submit(r, wakeup_flags());
}

SEC("raw_tp/sched_process_exit")
int ctrace_sched_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = current_task();
	__u64 cgid = current_cgroup_id(t);
	__u32 tid = current_tid(t);

	/* A syscall this thread never returned from (the thread died inside it). */
	struct task_state p;
	if (state_take(t, tid, &p) && !(cfg_raw && (p.flags & TS_NO_RECORD))) {
		if (!(p.flags & TS_ARGS) && cfg_task_storage)
			current_args(t, (const void *)bpf_task_pt_regs(t), p.args);
		emit_syscall(t, &p, p.args, 0, CTRACE_F_UNFINISHED, tid, true);
	}
	state_drop(tid);
	bpf_map_delete_elem(&pending_exec, &tid);
	emit_exit(t, (struct task_struct *)ctx->args[0], cgid);
	follow_exit(t); /* after the exit record: --pid selects its process's own exit */
	return 0;
}

static __always_inline int cgroup_event(struct cgroup *cg, const char *path, __u16 kind)
{
	if (BPF_CORE_READ(cg, root, hierarchy_id) != cfg_hierarchy_id)
		return 0;
	__u64 id = BPF_CORE_READ(cg, kn, id);
	__u64 parent_id = 0;
	struct cgroup_subsys_state *pcss = BPF_CORE_READ(cg, self.parent);
	if (pcss)
		parent_id = BPF_CORE_READ(pcss, cgroup, kn, id);

	struct ctrace_cgroup_info info = { .state = CTRACE_CG_CANDIDATE };
	if (kind == CTRACE_REC_CGROUP_MKDIR) {
		struct ctrace_cgroup_info *pi = bpf_map_lookup_elem(&containers, &parent_id);
		if (pi && (pi->state == CTRACE_CG_CONTAINER || pi->state == CTRACE_CG_EXCLUDED))
			info.state = pi->state; /* a container's child cgroup is the container's (excluded with it) */
		bpf_map_update_elem(&containers, &id, &info, BPF_ANY);
	} else {
		bpf_map_delete_elem(&containers, &id);
	}

	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_cgroup_rec *r = (void *)s->buf;
	struct task_struct *t = current_task();
	fill_header(&r->hdr, t, bpf_ktime_get_boot_ns(), current_cgroup_id(t), kind, 0);
	r->id = id;
	r->parent_id = parent_id;
	r->hierarchy_id = cfg_hierarchy_id;
	r->state = info.state;
	__u32 off = put_str(s->buf, sizeof(*r), sizeof(*r) + sizeof(struct ctrace_item) + CTRACE_PATH_MAX, 0,
			    CTRACE_ARG_STR, path, false, CTRACE_PATH_MAX);
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	/* Container starts are rare and user space must classify them before their tasks' records: wake it. */
	if (bpf_ringbuf_output(&events, r, off & OFF_MASK, BPF_RB_FORCE_WAKEUP) < 0)
		count(CTRACE_STAT_LOST_RINGBUF);
	return 0;
}

/* cgroup_mkdir(struct cgroup *cgrp, const char *path) */
SEC("raw_tp/cgroup_mkdir")
int ctrace_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return cgroup_event((struct cgroup *)ctx->args[0], (const char *)ctx->args[1], CTRACE_REC_CGROUP_MKDIR);
}

/* cgroup_rmdir(struct cgroup *cgrp, const char *path) */
SEC("raw_tp/cgroup_rmdir")
int ctrace_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
	return cgroup_event((struct cgroup *)ctx->args[0], (const char *)ctx->args[1], CTRACE_REC_CGROUP_RMDIR);
}

/* File and network events (issue 9). */
#include "net.bpf.c"
