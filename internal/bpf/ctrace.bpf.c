//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ctrace's kernel side: one record per syscall of every task that runs in a
 * container cgroup (arguments saved at sys_enter, emitted with the return
 * value at sys_exit), process lifecycle records, and container cgroup
 * tracking from cgroup creation on. Record layouts live in ctrace.h.
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ctrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. */
volatile const __s32 cfg_v1_subsys_id = -1; /* -1: cgroup v2 ids */
volatile const __s32 cfg_hierarchy_id = 0;  /* hierarchy whose cgroup_mkdir/rmdir we follow */
volatile const __u64 cfg_wakeup_bytes = 1 << 20;
volatile const __u32 cfg_lifecycle = CTRACE_LC_FORK | CTRACE_LC_EXEC | CTRACE_LC_EXIT;

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

/* A syscall between its entry and its exit. */
struct pending {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 args[CTRACE_MAX_ARGS];
	__u32 nr;
	__u32 pad;
};

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct exec_capture);
} pending_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CTRACE_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct ctrace_syscall_conf);
} syscall_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTRACE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

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

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);
	if (v)
		*v += 1;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	if (cfg_v1_subsys_id < 0)
		return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = 0;
	int idx = cfg_v1_subsys_id & 15;
	bpf_core_read(&css, sizeof(css), &cs->subsys[idx]);
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 current_cgroup_id(void)
{
	if (cfg_v1_subsys_id < 0)
		return bpf_get_current_cgroup_id();
	return task_cgroup_id((struct task_struct *)bpf_get_current_task());
}

static __always_inline bool in_container(__u64 cgid)
{
	return bpf_map_lookup_elem(&containers, &cgid) != 0;
}

static __always_inline void fill_header(struct ctrace_header *h, __u64 ts, __u64 cgid, __u16 kind, __u16 flags)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->ts_ns = ts;
	h->cgroup_id = cgid;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->kind = kind;
	h->flags = flags;
	h->data_len = 0;
	h->pad[0] = h->pad[1] = h->pad[2] = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline __u64 wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void submit(void *rec, __u32 size)
{
	if (size > OFF_MASK)
		size = OFF_MASK;
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flags()) < 0)
		count(CTRACE_STAT_LOST_RINGBUF);
}

/*
 * Item writers: append one item at buf+off and return the new offset. An item
 * is only started below `limit`; past it the record is marked truncated by
 * the caller. Offsets are masked so the verifier can bound every access.
 */
static __always_inline __u32 put_str(__u8 *buf, __u32 off, __u8 arg, __u8 kind, const char *src, bool user,
				     __u32 max)
{
	__u64 o = off;
	struct ctrace_item *it;
	long n;

	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind };

	if (max > CTRACE_PATH_MAX)
		max = CTRACE_PATH_MAX;
	if (user)
		n = bpf_probe_read_user_str(buf + o + sizeof(*it), max, src);
	else
		n = bpf_probe_read_kernel_str(buf + o + sizeof(*it), max, src);
	if (n <= 0) {
		it->flags = CTRACE_ITEM_FAULT;
		it->len = 0;
		return o + sizeof(*it);
	}
	it->flags = (n >= max) ? CTRACE_ITEM_TRUNCATED : 0;
	it->len = n - 1; /* without the NUL */
	return o + sizeof(*it) + (n - 1);
}

static __always_inline __u32 put_marker(__u8 *buf, __u32 off, __u8 arg, __u8 kind, __u8 flags)
{
	__u64 o = off;
	struct ctrace_item *it;

	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind, .flags = flags };
	return o + sizeof(*it);
}

/* Append size bytes of user memory as one item (size <= CTRACE_BYTES_MAX). */
static __always_inline __u32 put_bytes(__u8 *buf, __u32 off, __u8 arg, __u8 kind, const void *src, __u32 size)
{
	__u64 o = off;
	struct ctrace_item *it;

	BOUND_OFF(o);
	it = (void *)(buf + o);
	*it = (struct ctrace_item){ .arg = arg, .kind = kind };
	if (size > CTRACE_BYTES_MAX) {
		size = CTRACE_BYTES_MAX;
		it->flags = CTRACE_ITEM_TRUNCATED;
	}
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

/* Length of a sockaddr argument i: by value in the next argument, or behind a pointer in it. */
static __always_inline __u32 sockaddr_len(const __u64 *args, int i, __u16 by_pointer)
{
	__u64 v = 0;
	int len = 0;

	if (i + 1 >= CTRACE_MAX_ARGS)
		return 0;
	v = args[(i + 1) & 7];
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

static __noinline int put_strarr(struct scratch *s, __u32 limit, __u8 arg, const char *const *arr)
{
	int i;

	if (!s)
		return 0;
	for (i = 0; i < CTRACE_ARGV_MAX; i++) {
		const char *p = 0;
		__u32 off = s->cursor;

		if (off >= limit) {
			s->cursor = put_marker(s->buf, off, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_MORE | CTRACE_ITEM_TRUNCATED);
			return 0;
		}
		if (bpf_probe_read_user(&p, sizeof(p), &arr[i]) < 0) {
			s->cursor = put_marker(s->buf, off, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_FAULT);
			return 0;
		}
		if (!p)
			return 0;
		s->cursor = put_str(s->buf, off, arg, CTRACE_ARG_STRARR, p, true, CTRACE_ARGV_STR_MAX);
	}
	/* more elements than we keep? */
	{
		const char *p = 0;
		__u32 off = s->cursor;

		if (bpf_probe_read_user(&p, sizeof(p), &arr[CTRACE_ARGV_MAX]) == 0 && p && off < limit)
			s->cursor = put_marker(s->buf, off, arg, CTRACE_ARG_STRARR, CTRACE_ITEM_MORE);
	}
	return 0;
}

/*
 * Capture the variable data of a syscall's arguments as the catalogue says,
 * appending at s->cursor. Returns true if data was left out for space.
 */
static __always_inline bool capture_args(struct scratch *s, __u32 limit, const struct ctrace_syscall_conf *conf,
					 const __u64 *args, __s64 ret, bool at_exit)
{
	int i;

	for (i = 0; i < CTRACE_MAX_ARGS; i++) {
		__u8 k = conf->arg_kind[i];
		__u16 size = conf->arg_size[i];
		const void *ptr = (const void *)args[i];
		__u32 off = s->cursor;

		if (k == CTRACE_ARG_RAW || !ptr)
			continue;
		if (off >= limit)
			return true;
		switch (k) {
		case CTRACE_ARG_STR:
			s->cursor = put_str(s->buf, off, i, k, ptr, true, CTRACE_PATH_MAX);
			break;
		case CTRACE_ARG_STRARR:
			put_strarr(s, limit, i, ptr);
			break;
		case CTRACE_ARG_SOCKADDR:
			s->cursor = put_bytes(s->buf, off, i, k, ptr, sockaddr_len(args, i, size));
			break;
		case CTRACE_ARG_BYTES:
			s->cursor = put_bytes(s->buf, off, i, k, ptr, size);
			break;
		case CTRACE_ARG_BUF_IN:
		case CTRACE_ARG_BUF_OUT: {
			__s64 n = k == CTRACE_ARG_BUF_IN ? (__s64)args[(i + 1) & 7] : ret;
			if (!at_exit && k == CTRACE_ARG_BUF_OUT)
				break;
			if (n <= 0)
				break;
			if (n > size)
				n = size;
			s->cursor = put_bytes(s->buf, off, i, k, ptr, n);
			break;
		}
		}
	}
	return false;
}

static __always_inline void read_args(struct pt_regs *regs, __u64 *args)
{
	/* One read of the whole register frame, then CO-RE field offsets into the copy. */
	__u64 frame[32] = {};
	struct pt_regs *r = (struct pt_regs *)frame;
	__u32 sz = bpf_core_type_size(struct pt_regs);

	if (sz > sizeof(frame))
		sz = sizeof(frame);
	bpf_probe_read_kernel(frame, sz, regs);
#if defined(__TARGET_ARCH_x86)
	args[0] = r->di;
	args[1] = r->si;
	args[2] = r->dx;
	args[3] = r->r10;
	args[4] = r->r8;
	args[5] = r->r9;
#elif defined(__TARGET_ARCH_arm64)
	args[0] = r->orig_x0;
	args[1] = r->regs[1];
	args[2] = r->regs[2];
	args[3] = r->regs[3];
	args[4] = r->regs[4];
	args[5] = r->regs[5];
#endif
}

static __always_inline const struct ctrace_syscall_conf *conf_of(__u32 nr)
{
	if (nr >= CTRACE_MAX_SYSCALLS)
		return 0;
	return bpf_map_lookup_elem(&syscall_conf, &nr);
}

/* Build and submit one syscall record. tid is used to find captures made at entry. */
static __always_inline void emit_syscall(const struct pending *p, __s64 ret, __u16 flags, __u32 tid)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	struct ctrace_syscall_rec *r = (void *)s->buf;
	const struct ctrace_syscall_conf *conf = conf_of(p->nr);
	__u32 off = sizeof(*r);
	__u32 limit = sizeof(*r) + CTRACE_DATA_MAX;
	bool truncated = false;
	int i;

	fill_header(&r->hdr, p->ts_ns, p->cgroup_id, CTRACE_REC_SYSCALL, flags);
	r->nr = p->nr;
	r->pad = 0;
	r->retval = ret;
	for (i = 0; i < CTRACE_MAX_ARGS; i++)
		r->args[i] = p->args[i];

	if (conf) {
		if (conf->flags & CTRACE_SC_CAPTURE_AT_ENTRY) {
			struct exec_capture *ec = bpf_map_lookup_elem(&pending_exec, &tid);
			if (ec) {
				__u32 len = ec->len;
				if (len > sizeof(ec->data))
					len = sizeof(ec->data);
				bpf_probe_read_kernel(s->buf + sizeof(*r), len & OFF_MASK, ec->data);
				off += len & OFF_MASK;
				bpf_map_delete_elem(&pending_exec, &tid);
			}
		} else {
			s->cursor = off;
			truncated = capture_args(s, limit, conf, p->args, ret, !(flags & (CTRACE_F_NORETURN | CTRACE_F_UNFINISHED)));
			off = s->cursor & OFF_MASK;
		}
	}
	if (truncated)
		r->hdr.flags |= CTRACE_F_DATA_TRUNCATED;
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	submit(r, off);
}

SEC("raw_tp/sys_enter")
int ctrace_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = current_cgroup_id();
	if (!in_container(cgid))
		return 0;

	/* Events filtered out stop here; numbers beyond the table are always kept. */
	__u32 nr = ctx->args[1];
	const struct ctrace_syscall_conf *conf = conf_of(nr);
	if (conf && !(conf->flags & CTRACE_SC_ENABLED))
		return 0;

	struct pending p = {};
	p.ts_ns = bpf_ktime_get_boot_ns();
	p.cgroup_id = cgid;
	p.nr = nr;
	read_args((struct pt_regs *)ctx->args[0], p.args);

	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (conf && (conf->flags & CTRACE_SC_NORETURN)) {
		emit_syscall(&p, 0, CTRACE_F_NORETURN, tid);
		return 0;
	}
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY) < 0) {
		count(CTRACE_STAT_LOST_PENDING);
		return 0;
	}
	if (conf && (conf->flags & CTRACE_SC_CAPTURE_AT_ENTRY)) {
		__u32 one = 1;
		struct scratch *s = bpf_map_lookup_elem(&scratch, &one);
		if (!s)
			return 0;
		struct exec_capture *ec = (void *)s->buf;
		s->cursor = 8;
		ec->pad = capture_args(s, 8 + CTRACE_DATA_MAX, conf, p.args, 0, false);
		ec->len = (s->cursor - 8) & OFF_MASK;
		if (bpf_map_update_elem(&pending_exec, &tid, ec, BPF_ANY) < 0)
			count(CTRACE_STAT_LOST_EXEC);
	}
	return 0;
}

SEC("raw_tp/sys_exit")
int ctrace_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	emit_syscall(p, (__s64)ctx->args[1], 0, tid);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* sched_process_fork(struct task_struct *parent, struct task_struct *child) */
SEC("raw_tp/sched_process_fork")
int ctrace_sched_fork(struct bpf_raw_tracepoint_args *ctx)
{
	if (!(cfg_lifecycle & CTRACE_LC_FORK))
		return 0;
	__u64 cgid = current_cgroup_id();
	if (!in_container(cgid))
		return 0;
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_fork_rec *r = (void *)s->buf;

	fill_header(&r->hdr, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_FORK, 0);
	r->child_pid = BPF_CORE_READ(child, tgid);
	r->child_tid = BPF_CORE_READ(child, pid);
	BPF_CORE_READ_STR_INTO(&r->child_comm, child, comm);
	submit(r, sizeof(*r));
	return 0;
}

/* sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) */
SEC("raw_tp/sched_process_exec")
int ctrace_sched_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = current_cgroup_id();
	if (!in_container(cgid))
		return 0;
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	__u32 old_tid = (__u32)ctx->args[1];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* A non-leader thread that execs takes the leader's id: move its pending execve. */
	if (old_tid != tid) {
		struct pending *p = bpf_map_lookup_elem(&pending, &old_tid);
		if (p) {
			bpf_map_update_elem(&pending, &tid, p, BPF_ANY);
			bpf_map_delete_elem(&pending, &old_tid);
		}
		struct exec_capture *ec = bpf_map_lookup_elem(&pending_exec, &old_tid);
		if (ec) {
			bpf_map_update_elem(&pending_exec, &tid, ec, BPF_ANY);
			bpf_map_delete_elem(&pending_exec, &old_tid);
		}
	}

	if (!(cfg_lifecycle & CTRACE_LC_EXEC))
		return 0;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_exec_rec *r = (void *)s->buf;
	fill_header(&r->hdr, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_EXEC, 0);
	r->old_tid = old_tid;
	r->mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	__u32 off = put_str(s->buf, sizeof(*r), 0, CTRACE_ARG_STR, BPF_CORE_READ(bprm, filename), false,
			    CTRACE_PATH_MAX);
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	submit(r, off);
	return 0;
}

/* sched_process_exit(struct task_struct *p[, bool group_dead]) */
SEC("raw_tp/sched_process_exit")
int ctrace_sched_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 cgid = current_cgroup_id();
	if (!in_container(cgid))
		return 0;
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* A syscall this thread never returned from (killed while blocked). */
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (p) {
		emit_syscall(p, 0, CTRACE_F_UNFINISHED, tid);
		bpf_map_delete_elem(&pending, &tid);
		bpf_map_delete_elem(&pending_exec, &tid);
	}

	if (!(cfg_lifecycle & CTRACE_LC_EXIT))
		return 0;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_exit_rec *r = (void *)s->buf;
	fill_header(&r->hdr, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_EXIT, 0);
	r->exit_code = BPF_CORE_READ(t, exit_code);
	r->group_dead = BPF_CORE_READ(t, pid) == BPF_CORE_READ(t, tgid);
	submit(r, sizeof(*r));
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
		if (pi && pi->state == CTRACE_CG_CONTAINER)
			info.state = CTRACE_CG_CONTAINER; /* a container's child cgroup is the container's */
		bpf_map_update_elem(&containers, &id, &info, BPF_ANY);
	} else {
		bpf_map_delete_elem(&containers, &id);
	}

	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct ctrace_cgroup_rec *r = (void *)s->buf;
	fill_header(&r->hdr, bpf_ktime_get_boot_ns(), bpf_get_current_cgroup_id(), kind, 0);
	r->id = id;
	r->parent_id = parent_id;
	r->hierarchy_id = cfg_hierarchy_id;
	r->state = info.state;
	__u32 off = put_str(s->buf, sizeof(*r), 0, CTRACE_ARG_STR, path, false, CTRACE_PATH_MAX);
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
