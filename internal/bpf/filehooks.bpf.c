//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * File events from VFS/LSM hooks (included by hooks.bpf.c): the same four
 * events three ways, one of which user space attaches per event when the
 * kernel allows it (see internal/filesource):
 *
 *   event       fentry/fexit                 kprobe/kretprobe          BPF LSM
 *   file_open   fentry/security_file_open    kprobe/security_file_open lsm/file_open
 *   file_read   fexit/vfs_read               kprobe+kretprobe/vfs_read -
 *   file_write  fexit/vfs_write              kprobe+kretprobe/vfs_write -
 *   file_exec   fentry/security_bprm_check   kprobe/security_bprm_check lsm/bprm_check_security
 *
 * Unlike the events derived from syscalls these also see io_uring and
 * mmap'd executables. The path is rebuilt from the dentry chain up to the
 * task's root, so it is the path as the container sees it.
 */

#define FH_PATH_END 4096   /* the path is written backwards, ending here */
#define FH_NAME_MAX 255
#define FH_DEPTH 40

#define CT_S_IFMT 00170000
#define CT_S_IFREG 0100000
#define CT_S_IFCHR 0020000
#define CT_S_IFBLK 0060000

struct fh_path_buf {
	__u8 buf[FH_PATH_END * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fh_path_buf);
} fh_path SEC(".maps");

/* file * of a vfs_read/vfs_write in progress (kprobe variant), by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} fh_rw SEC(".maps");

static __always_inline struct mount *real_mount(struct vfsmount *m)
{
	return (struct mount *)((void *)m - bpf_core_field_offset(struct mount, mnt));
}

/*
 * Write the path of (dentry, vfsmnt) relative to the task's root backwards
 * into pb, ending at FH_PATH_END; return its start offset.
 */
static __noinline __u32 fh_build_path(struct fh_path_buf *pb, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	struct task_struct___nf *task = (void *)bpf_get_current_task();
	struct dentry *root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct mount *mnt = real_mount(vfsmnt);
	__u32 cur = FH_PATH_END;
	int i;

	if (!pb)
		return FH_PATH_END;
	for (i = 0; i < FH_DEPTH; i++) {
		if (dentry == root_dentry && vfsmnt == root_mnt)
			break;
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == mnt_root || dentry == parent) {
			struct mount *mparent = BPF_CORE_READ(mnt, mnt_parent);
			if (mparent == mnt)
				break; /* the global root */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mparent;
			vfsmnt = (struct vfsmount *)((void *)mnt + bpf_core_field_offset(struct mount, mnt));
			continue;
		}
		__u32 len = BPF_CORE_READ(dentry, d_name.len);
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		if (len > FH_NAME_MAX)
			len = FH_NAME_MAX;
		if (len + 1 > cur)
			break; /* too long: keep the tail */
		__u32 off = cur - len - 1;
		off &= FH_PATH_END - 1;
		pb->buf[off] = '/';
		if (len > 0)
			bpf_probe_read_kernel(&pb->buf[off + 1], len & FH_NAME_MAX, name);
		cur = off;
		dentry = parent;
	}
	if (cur == FH_PATH_END) {
		cur = FH_PATH_END - 1;
		pb->buf[cur] = '/';
	}
	return cur;
}

static __always_inline bool fh_wanted_type(struct file *f)
{
	unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode) & CT_S_IFMT;
	return mode == CT_S_IFREG || mode == CT_S_IFCHR || mode == CT_S_IFBLK;
}

static __always_inline void fh_emit(struct file *f, __u16 event, __s64 result, __u64 bytes)
{
	struct task_struct *t = current_task();
	__u64 cgid = current_cgroup_id(t);
	if (!in_container(cgid) || !f || !fh_wanted_type(f))
		return;
	if (!task_wanted(t, cgid))
		return;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct fh_path_buf *pb = bpf_map_lookup_elem(&fh_path, &zero);
	if (!s || !pb)
		return;
	struct ctrace_file_rec *r = (void *)s->buf;
	fill_header(&r->hdr, t, bpf_ktime_get_boot_ns(), cgid, CTRACE_REC_FILE, 0);
	r->ino = BPF_CORE_READ(f, f_inode, i_ino);
	r->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	r->bytes = bytes;
	r->result = result;
	r->flags = BPF_CORE_READ(f, f_flags);
	r->event = event;
	r->pad[0] = r->pad[1] = r->pad[2] = 0;

	__u32 start = fh_build_path(pb, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
	__u32 len = FH_PATH_END - start;
	if (start >= FH_PATH_END || len > FH_PATH_END)
		return;
	struct ctrace_item *it = (void *)(s->buf + sizeof(*r));
	*it = (struct ctrace_item){ .arg = 0, .kind = CTRACE_ARG_STR };
	len &= FH_PATH_END - 1;
	start &= FH_PATH_END - 1;
	bpf_probe_read_kernel(s->buf + sizeof(*r) + sizeof(*it), len, &pb->buf[start]);
	it->len = len;
	__u32 off = sizeof(*r) + sizeof(*it) + len;
	r->hdr.data_len = (off - sizeof(*r)) & OFF_MASK;
	submit(r, off);
}

/* ---- fentry/fexit ---- */

SEC("fentry/security_file_open")
int ctrace_fentry_file_open(unsigned long long *ctx)
{
	fh_emit((struct file *)ctx[0], CTRACE_FILE_OPEN, 0, 0);
	return 0;
}

SEC("fexit/vfs_read")
int ctrace_fexit_vfs_read(unsigned long long *ctx)
{
	__s64 ret = (__s64)ctx[4];
	fh_emit((struct file *)ctx[0], CTRACE_FILE_READ, ret, ret > 0 ? ret : 0);
	return 0;
}

SEC("fexit/vfs_write")
int ctrace_fexit_vfs_write(unsigned long long *ctx)
{
	__s64 ret = (__s64)ctx[4];
	fh_emit((struct file *)ctx[0], CTRACE_FILE_WRITE, ret, ret > 0 ? ret : 0);
	return 0;
}

SEC("fentry/security_bprm_check")
int ctrace_fentry_bprm_check(unsigned long long *ctx)
{
	struct linux_binprm___nf *bprm = (void *)ctx[0];
	fh_emit(BPF_CORE_READ(bprm, file), CTRACE_FILE_EXEC, 0, 0);
	return 0;
}

/* ---- BPF LSM (open and exec only: LSM hooks run before the operation) ---- */

SEC("lsm/file_open")
int ctrace_lsm_file_open(unsigned long long *ctx)
{
	fh_emit((struct file *)ctx[0], CTRACE_FILE_OPEN, 0, 0);
	return 0;
}

SEC("lsm/bprm_check_security")
int ctrace_lsm_bprm_check(unsigned long long *ctx)
{
	struct linux_binprm___nf *bprm = (void *)ctx[0];
	fh_emit(BPF_CORE_READ(bprm, file), CTRACE_FILE_EXEC, 0, 0);
	return 0;
}

/* ---- kprobes ---- */

#if defined(__TARGET_ARCH_x86)
#define KP_ARG1(r) ((r)->di)
#define KP_RET(r) ((r)->ax)
#elif defined(__TARGET_ARCH_arm64)
#define KP_ARG1(r) ((r)->regs[0])
#define KP_RET(r) ((r)->regs[0])
#endif

SEC("kprobe/security_file_open")
int ctrace_kprobe_file_open(struct pt_regs *regs)
{
	fh_emit((struct file *)KP_ARG1(regs), CTRACE_FILE_OPEN, 0, 0);
	return 0;
}

SEC("kprobe/security_bprm_check")
int ctrace_kprobe_bprm_check(struct pt_regs *regs)
{
	struct linux_binprm___nf *bprm = (void *)KP_ARG1(regs);
	fh_emit(BPF_CORE_READ(bprm, file), CTRACE_FILE_EXEC, 0, 0);
	return 0;
}

static __always_inline void fh_rw_enter(struct pt_regs *regs)
{
	struct task_struct *t = current_task();
	if (!in_container(current_cgroup_id(t)))
		return;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 f = KP_ARG1(regs);
	bpf_map_update_elem(&fh_rw, &tid, &f, BPF_ANY);
}

static __always_inline void fh_rw_exit(struct pt_regs *regs, __u16 event)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *f = bpf_map_lookup_elem(&fh_rw, &tid);
	if (!f)
		return;
	struct file *file = (struct file *)*f;
	bpf_map_delete_elem(&fh_rw, &tid);
	__s64 ret = (__s64)KP_RET(regs);
	fh_emit(file, event, ret, ret > 0 ? ret : 0);
}

SEC("kprobe/vfs_read")
int ctrace_kprobe_vfs_read(struct pt_regs *regs)
{
	fh_rw_enter(regs);
	return 0;
}

SEC("kretprobe/vfs_read")
int ctrace_kretprobe_vfs_read(struct pt_regs *regs)
{
	fh_rw_exit(regs, CTRACE_FILE_READ);
	return 0;
}

SEC("kprobe/vfs_write")
int ctrace_kprobe_vfs_write(struct pt_regs *regs)
{
	fh_rw_enter(regs);
	return 0;
}

SEC("kretprobe/vfs_write")
int ctrace_kretprobe_vfs_write(struct pt_regs *regs)
{
	fh_rw_exit(regs, CTRACE_FILE_WRITE);
	return 0;
}
