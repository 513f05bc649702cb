/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cgroup_id.h — the cgroup id of a task in the tracked hierarchy, the one
 * implementation shared by ctrace's BPF objects (ctrace.bpf.c and the hooks
 * object that includes it, record.bpf.c). The caller passes its load-time
 * constant cfg_v1_subsys_id: -1 for cgroup v2 ids, else the v1 controller's
 * subsys id.
 */
#ifndef CTRACE_CGROUP_ID_H
#define CTRACE_CGROUP_ID_H

/*
 * Cgroup id of task t. btf: t is a BTF pointer (bpf_get_current_task_btf or
 * a BTF-typed argument) read with plain loads; else t is read with probe
 * reads. Pass btf as a load-time constant: the verifier drops the other
 * branch, so kernels without BTF task pointers never see it.
 */
static __always_inline __u64 ctrace_task_cgroup_id(struct task_struct *t, __s32 v1_subsys_id, bool btf)
{
	int idx = v1_subsys_id & 15; /* a load-time constant: a fixed offset for the verifier */

	if (btf) {
		if (v1_subsys_id < 0)
			return t->cgroups->dfl_cgrp->kn->id;
		return t->cgroups->subsys[idx]->cgroup->kn->id;
	}
	if (v1_subsys_id < 0)
		return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = 0;
	bpf_core_read(&css, sizeof(css), &cs->subsys[idx]);
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/*
 * Cgroup id of the current task t (its BTF pointer when btf, else from
 * bpf_get_current_task). Without BTF the v2 id comes from the helper.
 */
static __always_inline __u64 ctrace_current_task_cgroup_id(struct task_struct *t, __s32 v1_subsys_id, bool btf)
{
	if (btf)
		return ctrace_task_cgroup_id(t, v1_subsys_id, true);
	if (v1_subsys_id < 0)
		return bpf_get_current_cgroup_id();
	return ctrace_task_cgroup_id(t, v1_subsys_id, false);
}

/* Cgroup id of the current task, for programs that do not hold its task pointer. */
static __always_inline __u64 ctrace_current_cgroup_id(__s32 v1_subsys_id)
{
	if (v1_subsys_id < 0)
		return bpf_get_current_cgroup_id();
	return ctrace_task_cgroup_id((struct task_struct *)bpf_get_current_task(), v1_subsys_id, false);
}

#endif /* CTRACE_CGROUP_ID_H */
