//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ctrace's seccomp and capability recorder, a BPF object of its own so that
 * it stays independent of the tracing programs (ctrace.bpf.c).
 *
 * Per syscall of a task in a recorded cgroup: one hash lookup (the cgroup's
 * value in rec_cgroups) and one atomic OR into its bitmap, indexed by the
 * call's ABI and by whether the task runs under a seccomp filter
 * (task->seccomp.mode, read with CO-RE) — so the calls a runtime makes after
 * installing the filter are kept, whatever the runtime, and calls made
 * before it are kept apart. No ring-buffer record per call: the ring buffer
 * carries only cgroup creation and removal. Layouts live in ctrace.h.
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
volatile const __u32 cfg_record_args = 1;   /* keep argument values of a few calls */
volatile const __u32 cfg_watch_denials = 0; /* verify mode: note calls refused by seccomp */
/* Syscall numbers of execve and execveat on the native and compat ABI (workload marks). */
volatile const __u32 cfg_nr_execve = 59;
volatile const __u32 cfg_nr_execveat = 322;
volatile const __u32 cfg_compat_nr_execve = 11;
volatile const __u32 cfg_compat_nr_execveat = 358;
/* Native syscall numbers of the calls whose arguments are kept. */
volatile const __u32 cfg_nr_socket = 41;
volatile const __u32 cfg_nr_clone = 56;
volatile const __u32 cfg_nr_personality = 135;
volatile const __u32 cfg_nr_prctl = 157;
volatile const __u32 cfg_nr_ioctl = 16;

/* Kernel fields this object reads beyond vmlinux_min.h ("___rec" flavours: CO-RE matches them by base name). */
struct seccomp___rec {
	int mode;
} __attribute__((preserve_access_index));

struct thread_info___rec {
	__u32 status;
} __attribute__((preserve_access_index));

struct task_struct___rec {
	struct thread_info___rec thread_info;
	struct seccomp___rec seccomp;
	const void *real_cred;
	int tgid;
} __attribute__((preserve_access_index));

struct pt_regs___rec {
#if defined(__TARGET_ARCH_x86)
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long ax;
	unsigned long orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	__u64 regs[31];
	__u64 pstate;
	__s32 syscallno;
#endif
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ctrace_rec_cgroup);
} rec_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} rec_events SEC(".maps");

/* Processes that run the container's workload: from their first execve inside the container on (capability checks count from there). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} rec_workload SEC(".maps");

/* verify mode: the syscall each thread has entered (a return without an entry was refused by seccomp). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, __u8);
} rec_entered SEC(".maps");

/* kprobe fallback: the capability check a thread is in. */
struct cap_check {
	__u64 cred;
	__s32 cap;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct cap_check);
} rec_cap_pending SEC(".maps");

/* A zeroed value to create cgroup entries from (never written). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ctrace_rec_cgroup);
} rec_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTRACE_RSTAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rec_stats SEC(".maps");

/* Make the contract's types visible to bpf2go. */
const struct ctrace_rec_cgroup_event *unused_rec_event __attribute__((unused));
const enum ctrace_rec_abi *unused_rec_abi __attribute__((unused));
const enum ctrace_rec_view *unused_rec_view __attribute__((unused));
const enum ctrace_rec_set *unused_rec_set __attribute__((unused));
const enum ctrace_rec_overflow *unused_rec_ovf __attribute__((unused));
const enum ctrace_rec_stat *unused_rec_stat __attribute__((unused));
const enum ctrace_cgroup_state *unused_rec_cgstate __attribute__((unused));

static __always_inline void rec_count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&rec_stats, &which);
	if (v)
		*v += 1;
}

/* The call's ABI; x32 numbers lose their marker bit. */
static __always_inline __u32 call_abi(struct task_struct___rec *t, struct bpf_raw_tracepoint_args *ctx, __u64 *nr)
{
#if defined(__TARGET_ARCH_x86)
	if (*nr & 0x40000000) { /* __X32_SYSCALL_BIT */
		*nr &= ~0x40000000ULL;
		return CTRACE_ABI_X32;
	}
	if (BPF_CORE_READ(t, thread_info.status) & 0x0002) /* TS_COMPAT: an ia32 syscall (int 0x80, sysenter, 32-bit syscall) */
		return CTRACE_ABI_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
	struct pt_regs___rec *regs = (void *)ctx->args[0];
	if (BPF_CORE_READ(regs, pstate) & 0x10) /* PSR_MODE32_BIT: AArch32 caller */
		return CTRACE_ABI_COMPAT;
#endif
	return CTRACE_ABI_NATIVE;
}

/* call_abi reading the task directly (a BTF task pointer). */
static __always_inline __u32 call_abi_direct(struct task_struct___rec *t, struct bpf_raw_tracepoint_args *ctx, __u64 *nr)
{
#if defined(__TARGET_ARCH_x86)
	if (*nr & 0x40000000) {
		*nr &= ~0x40000000ULL;
		return CTRACE_ABI_X32;
	}
	if (t->thread_info.status & 0x0002)
		return CTRACE_ABI_COMPAT;
	return CTRACE_ABI_NATIVE;
#else
	return call_abi(t, ctx, nr);
#endif
}

/* Add v to a small set (value | 1<<32 marks a used slot); false when the set is full. */
static __always_inline bool set_add(__u64 *set, __u64 v)
{
	__u64 key = (v & 0xffffffffULL) | (1ULL << 32);
	int i;

	for (i = 0; i < CTRACE_REC_SET_MAX; i++) {
		__u64 cur = set[i];
		if (cur == key)
			return true;
		if (cur == 0) {
			cur = __sync_val_compare_and_swap(&set[i], 0, key);
			if (cur == 0 || cur == key)
				return true;
		}
	}
	return false;
}

static __always_inline void record_args(struct ctrace_rec_args *a, __u32 nr, struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs___rec *regs = (void *)ctx->args[0];
	__u64 a0, a1;

	if (nr != cfg_nr_socket && nr != cfg_nr_clone && nr != cfg_nr_personality && nr != cfg_nr_prctl &&
	    nr != cfg_nr_ioctl)
		return;
#if defined(__TARGET_ARCH_x86)
	a0 = BPF_CORE_READ(regs, di);
	a1 = BPF_CORE_READ(regs, si);
#elif defined(__TARGET_ARCH_arm64)
	/* regs[0] is the return value slot at sys_enter too (orig_x0 is the first argument). */
	a0 = BPF_CORE_READ(regs, regs[0]);
	a1 = BPF_CORE_READ(regs, regs[1]);
#endif
	if (nr == cfg_nr_socket) {
		if (a0 >= 64)
			__sync_fetch_and_or(&a->overflow, CTRACE_ROVF_FAMILY);
		else if (!(a->socket_families & (1ULL << a0)))
			__sync_fetch_and_or(&a->socket_families, 1ULL << a0);
	} else if (nr == cfg_nr_clone) {
		if ((a->clone_flags | a0) != a->clone_flags)
			__sync_fetch_and_or(&a->clone_flags, a0);
	} else if (nr == cfg_nr_personality) {
		if (!set_add(a->sets[CTRACE_RSET_PERSONALITY], a0))
			__sync_fetch_and_or(&a->overflow, CTRACE_ROVF_PERSONALITY);
	} else if (nr == cfg_nr_prctl) {
		if (!set_add(a->sets[CTRACE_RSET_PRCTL], a0))
			__sync_fetch_and_or(&a->overflow, CTRACE_ROVF_PRCTL);
	} else if (nr == cfg_nr_ioctl) {
		if (!set_add(a->sets[CTRACE_RSET_IOCTL], a1))
			__sync_fetch_and_or(&a->overflow, CTRACE_ROVF_IOCTL);
	}
}

/*
 * The container's workload starts with the runtime's execve of its
 * process: the first execve made inside the container's own mount
 * namespace by a task whose parent is outside it (runc's and crun's init,
 * docker exec). A runtime re-executing itself before it entered the
 * container's namespaces (runc's cloned-binary execveat) does not count.
 * Its children inherit the mark (rec_sched_fork).
 */
static __always_inline void mark_workload_exec(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 mine = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	__u32 parent = BPF_CORE_READ(t, real_parent, nsproxy, mnt_ns, ns.inum);
	if (mine == parent)
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 one = 1;
	if (bpf_map_update_elem(&rec_workload, &tgid, &one, BPF_ANY) < 0)
		rec_count(CTRACE_RSTAT_MARK_FULL);
}

/* Record one call of a task of cgroup entry c. */
static __always_inline void record_call(struct ctrace_rec_cgroup *c, struct bpf_raw_tracepoint_args *ctx, __u32 view,
					__u32 abi, __u64 nr)
{
	if (nr >= CTRACE_REC_NR_MAX) {
		if ((__s64)nr >= 0)
			__sync_fetch_and_add(&c->out_of_range, 1);
		return;
	}
	/* Bits saturate fast: a plain load, and the atomic OR only for a call not seen before. */
	__u64 *word = &c->calls[view & 1][abi % CTRACE_ABI_MAX][(nr / 64) % CTRACE_REC_WORDS];
	__u64 bit = 1ULL << (nr % 64);
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);

	if (cfg_record_args && abi == CTRACE_ABI_NATIVE)
		record_args(&c->args[view & 1], nr, ctx);

	if (cfg_watch_denials) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		__u8 one = 1;
		bpf_map_update_elem(&rec_entered, &tid, &one, BPF_ANY);
	}

	if ((abi == CTRACE_ABI_NATIVE && (nr == cfg_nr_execve || nr == cfg_nr_execveat)) ||
	    (abi == CTRACE_ABI_COMPAT && (nr == cfg_compat_nr_execve || nr == cfg_compat_nr_execveat)))
		mark_workload_exec();
}

/* The task's fields read directly through a BTF pointer (Linux 5.11+). */
SEC("raw_tp/sys_enter")
int rec_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = ctrace_current_cgroup_id(cfg_v1_subsys_id);
	struct ctrace_rec_cgroup *c = bpf_map_lookup_elem(&rec_cgroups, &cgid);
	if (!c)
		return 0;
	struct task_struct___rec *t = (void *)bpf_get_current_task_btf();
	__u32 view = t->seccomp.mode != 0 ? CTRACE_VIEW_FILTERED : CTRACE_VIEW_UNFILTERED;
	__u64 nr = ctx->args[1];
	__u32 abi = call_abi_direct(t, ctx, &nr);
	record_call(c, ctx, view, abi, nr);
	return 0;
}

/* The same for kernels without bpf_get_current_task_btf: the fields through probe reads. */
SEC("raw_tp/sys_enter")
int rec_sys_enter_probe(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = ctrace_current_cgroup_id(cfg_v1_subsys_id);
	struct ctrace_rec_cgroup *c = bpf_map_lookup_elem(&rec_cgroups, &cgid);
	if (!c)
		return 0;
	struct task_struct___rec *t = (void *)bpf_get_current_task();
	__u32 view = BPF_CORE_READ(t, seccomp.mode) != 0 ? CTRACE_VIEW_FILTERED : CTRACE_VIEW_UNFILTERED;
	__u64 nr = ctx->args[1];
	__u32 abi = call_abi(t, ctx, &nr);
	record_call(c, ctx, view, abi, nr);
	return 0;
}

/* verify mode: a return without an entry is a call seccomp refused before the sys_enter tracepoint. */
SEC("raw_tp/sys_exit")
int rec_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = ctrace_current_cgroup_id(cfg_v1_subsys_id);
	struct ctrace_rec_cgroup *c = bpf_map_lookup_elem(&rec_cgroups, &cgid);
	if (!c)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_lookup_elem(&rec_entered, &tid)) {
		bpf_map_delete_elem(&rec_entered, &tid);
		return 0;
	}
	if ((__s64)ctx->args[1] >= 0)
		return 0;
	struct task_struct___rec *t = (void *)bpf_get_current_task();
	if (BPF_CORE_READ(t, seccomp.mode) == 0)
		return 0;
	struct pt_regs___rec *regs = (void *)ctx->args[0];
#if defined(__TARGET_ARCH_x86)
	__u64 nr = BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	__u64 nr = (__u64)(__s64)BPF_CORE_READ(regs, syscallno);
#endif
	__u32 abi = call_abi(t, ctx, &nr);
	if (nr >= CTRACE_REC_NR_MAX)
		return 0;
	__sync_fetch_and_or(&c->denied[abi % CTRACE_ABI_MAX][(nr / 64) % CTRACE_REC_WORDS], 1ULL << (nr % 64));
	return 0;
}

/* Children of a workload process are workload processes. */
SEC("raw_tp/sched_process_fork")
int rec_sched_fork(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&rec_workload, &tgid))
		return 0;
	struct task_struct___rec *child = (void *)ctx->args[1];
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == tgid)
		return 0; /* a thread */
	__u8 one = 1;
	if (bpf_map_update_elem(&rec_workload, &ctgid, &one, BPF_ANY) < 0)
		rec_count(CTRACE_RSTAT_MARK_FULL);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int rec_sched_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pt, tgid = pt >> 32;
	if (cfg_watch_denials)
		bpf_map_delete_elem(&rec_entered, &tid);
	if (tid == tgid)
		bpf_map_delete_elem(&rec_workload, &tgid);
	return 0;
}

static __always_inline void note_capability(const void *cred, int cap, int ret)
{
	__u64 cgid = ctrace_current_cgroup_id(cfg_v1_subsys_id);
	struct ctrace_rec_cgroup *c = bpf_map_lookup_elem(&rec_cgroups, &cgid);
	if (!c || cap < 0 || cap >= 64)
		return;
	/*
	 * Checks made with overridden credentials (overlayfs acting as its
	 * mounter, …) are the kernel's, not the workload's: keep only checks of
	 * the task's own credentials.
	 */
	struct task_struct___rec *t = (void *)bpf_get_current_task();
	if (cred != BPF_CORE_READ(t, real_cred))
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&rec_workload, &tgid))
		return;
	if (ret == 0)
		__sync_fetch_and_or(&c->caps_granted, 1ULL << cap);
	else
		__sync_fetch_and_or(&c->caps_denied, 1ULL << cap);
}

/* cap_capable(const struct cred *cred, struct user_namespace *target_ns, const struct user_namespace *capable_ns, int cap, int ret) */
SEC("raw_tp/cap_capable")
int rec_cap_capable(struct bpf_raw_tracepoint_args *ctx)
{
	note_capability((const void *)ctx->args[0], (int)ctx->args[3], (int)ctx->args[4]);
	return 0;
}

/* Fallback where the tracepoint is missing: int cap_capable(const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts) */
SEC("kprobe/cap_capable")
int rec_cap_kprobe(struct pt_regs___rec *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cap_check c = {};
#if defined(__TARGET_ARCH_x86)
	c.cred = BPF_CORE_READ(regs, di);
	c.cap = BPF_CORE_READ(regs, dx);
#elif defined(__TARGET_ARCH_arm64)
	c.cred = BPF_CORE_READ(regs, regs[0]);
	c.cap = BPF_CORE_READ(regs, regs[2]);
#endif
	bpf_map_update_elem(&rec_cap_pending, &tid, &c, BPF_ANY);
	return 0;
}

SEC("kretprobe/cap_capable")
int rec_cap_kretprobe(struct pt_regs___rec *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cap_check *p = bpf_map_lookup_elem(&rec_cap_pending, &tid);
	if (!p)
		return 0;
	struct cap_check c = *p;
	bpf_map_delete_elem(&rec_cap_pending, &tid);
#if defined(__TARGET_ARCH_x86)
	int ret = BPF_CORE_READ(regs, ax);
#elif defined(__TARGET_ARCH_arm64)
	int ret = BPF_CORE_READ(regs, regs[0]);
#endif
	note_capability((const void *)c.cred, c.cap, ret);
	return 0;
}

static __always_inline int rec_cgroup_event(struct cgroup *cg, const char *path, __u32 mkdir)
{
	if (BPF_CORE_READ(cg, root, hierarchy_id) != cfg_hierarchy_id)
		return 0;
	__u64 id = BPF_CORE_READ(cg, kn, id);
	__u64 parent_id = 0;
	struct cgroup_subsys_state *pcss = BPF_CORE_READ(cg, self.parent);
	if (pcss)
		parent_id = BPF_CORE_READ(pcss, cgroup, kn, id);

	__u32 state = CTRACE_CG_CANDIDATE;
	if (mkdir) {
		/* Recorded from its first syscall: user space drops it if it is not a container. */
		__u32 zero = 0;
		struct ctrace_rec_cgroup *z = bpf_map_lookup_elem(&rec_zero, &zero);
		struct ctrace_rec_cgroup *p = bpf_map_lookup_elem(&rec_cgroups, &parent_id);
		if (p && p->state == CTRACE_CG_CONTAINER)
			state = CTRACE_CG_CONTAINER;
		if (!z)
			return 0;
		if (bpf_map_update_elem(&rec_cgroups, &id, z, BPF_NOEXIST) < 0) {
			rec_count(CTRACE_RSTAT_CGROUP_FULL);
		} else {
			struct ctrace_rec_cgroup *c = bpf_map_lookup_elem(&rec_cgroups, &id);
			if (c)
				c->state = state;
		}
	}
	/* On rmdir the entry stays: user space reads it, then deletes it. */
	struct ctrace_rec_cgroup_event *e = bpf_ringbuf_reserve(&rec_events, sizeof(*e), 0);
	if (!e) {
		rec_count(CTRACE_RSTAT_EVENT_LOST);
		return 0;
	}
	e->id = id;
	e->parent_id = parent_id;
	e->mkdir = mkdir;
	e->state = state;
	if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), path) < 0)
		e->path[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* cgroup_mkdir(struct cgroup *cgrp, const char *path) */
SEC("raw_tp/cgroup_mkdir")
int rec_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return rec_cgroup_event((struct cgroup *)ctx->args[0], (const char *)ctx->args[1], 1);
}

/* cgroup_rmdir(struct cgroup *cgrp, const char *path) */
SEC("raw_tp/cgroup_rmdir")
int rec_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
	return rec_cgroup_event((struct cgroup *)ctx->args[0], (const char *)ctx->args[1], 0);
}
