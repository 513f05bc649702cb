package tracer

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// CgroupModeFor returns how the kernel side identifies cgroups: the v2 id
// (bpf_get_current_cgroup_id) when version is 2, else the id of the cgroup of
// the given v1 controller, whose subsys index comes from the kernel's BTF and
// whose hierarchy id from /proc/cgroups.
func CgroupModeFor(version int, controller string) (CgroupMode, error) {
	if version == 2 {
		return CgroupMode{V1SubsysID: -1, HierarchyID: 0}, nil
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return CgroupMode{}, fmt.Errorf("kernel BTF: %w", err)
	}
	var enum *btf.Enum
	if err := spec.TypeByName("cgroup_subsys_id", &enum); err != nil {
		return CgroupMode{}, fmt.Errorf("kernel BTF lacks enum cgroup_subsys_id: %w", err)
	}
	subsys := int32(-1)
	for _, v := range enum.Values {
		if v.Name == controller+"_cgrp_id" {
			subsys = int32(v.Value)
		}
	}
	if subsys < 0 {
		return CgroupMode{}, fmt.Errorf("kernel has no cgroup controller %q", controller)
	}
	if subsys > 15 {
		return CgroupMode{}, fmt.Errorf("cgroup controller %q has subsys id %d, above what ctrace reads (15)", controller, subsys)
	}
	hid, err := hierarchyID("/proc/cgroups", controller)
	if err != nil {
		return CgroupMode{}, err
	}
	return CgroupMode{V1SubsysID: subsys, HierarchyID: hid}, nil
}

// hierarchyID reads a controller's hierarchy id from /proc/cgroups
// ("#subsys_name hierarchy num_cgroups enabled").
func hierarchyID(path, controller string) (int32, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == controller {
			id, err := strconv.ParseInt(fields[1], 10, 32)
			if err != nil {
				return 0, fmt.Errorf("%s: bad hierarchy id for %s: %w", path, controller, err)
			}
			return int32(id), nil
		}
	}
	return 0, fmt.Errorf("%s: no controller %s", path, controller)
}
