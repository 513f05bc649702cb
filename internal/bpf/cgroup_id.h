/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cgroup_id.h — the cgroup id of the current task in the tracked hierarchy,
 * shared by ctrace's BPF objects. The including object declares
 *   volatile const __s32 cfg_v1_subsys_id;  -1: cgroup v2 ids, else the v1 controller's subsys id
 */
#ifndef CTRACE_CGROUP_ID_H
#define CTRACE_CGROUP_ID_H

static __always_inline __u64 ctrace_task_cgroup_id(struct task_struct *t, __s32 v1_subsys_id)
{
	if (v1_subsys_id < 0)
		return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = 0;
	int idx = v1_subsys_id & 15;
	bpf_core_read(&css, sizeof(css), &cs->subsys[idx]);
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 ctrace_current_cgroup_id(__s32 v1_subsys_id)
{
	if (v1_subsys_id < 0)
		return bpf_get_current_cgroup_id();
	return ctrace_task_cgroup_id((struct task_struct *)bpf_get_current_task(), v1_subsys_id);
}

#endif /* CTRACE_CGROUP_ID_H */
