// Package containers maps cgroups to containers: it finds the cgroup
// hierarchy to track, recognises container cgroup paths, asks container
// runtimes for names and images, and keeps a cgroup-id → container table
// cheap enough to consult for every traced event.
package containers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Hierarchy is the cgroup hierarchy ctrace tracks.
type Hierarchy struct {
	// Version is 2 for the unified hierarchy, 1 for a legacy one.
	Version int
	// Mount is where the hierarchy is mounted, e.g. /sys/fs/cgroup.
	Mount string
	// Controller names the v1 controller of the hierarchy (e.g. "memory");
	// the BPF side reads task->cgroups->subsys[<Controller>_cgrp_id].
	// Empty for v2.
	Controller string
}

// Dir returns the directory of the cgroup at path (as found in
// /proc/PID/cgroup, e.g. "/docker/<id>") inside the hierarchy mount.
func (h Hierarchy) Dir(path string) string {
	return filepath.Join(h.Mount, filepath.FromSlash(path))
}

// mount is the part of a mountinfo line DetectHierarchy needs.
type mount struct {
	point  string
	fstype string
	super  []string // super options: "rw", controller names, "name=systemd"
}

// DetectHierarchy reads a mountinfo file (normally /proc/self/mountinfo)
// and returns the cgroup hierarchy to track: cgroup2 when mounted (pure
// v2 at /sys/fs/cgroup, or the hybrid "unified" mount), otherwise the v1
// hierarchy of the memory, pids or cpuset controller, otherwise any v1
// controller hierarchy.
func DetectHierarchy(mountinfoPath string) (Hierarchy, error) {
	return DetectHierarchyVersion(mountinfoPath, 0)
}

// DetectHierarchyVersion is DetectHierarchy restricted to one cgroup
// version (1 or 2); 0 means either, preferring v2. Forcing v1 serves hybrid
// hosts whose runtime does not place containers in the unified hierarchy.
func DetectHierarchyVersion(mountinfoPath string, version int) (Hierarchy, error) {
	f, err := os.Open(mountinfoPath)
	if err != nil {
		return Hierarchy{}, fmt.Errorf("detect cgroup hierarchy: %w", err)
	}
	defer f.Close()
	mounts, err := parseMountinfo(f)
	if err != nil {
		return Hierarchy{}, fmt.Errorf("detect cgroup hierarchy: %s: %w", mountinfoPath, err)
	}
	h, ok := chooseHierarchy(mounts, version)
	if !ok {
		if version != 0 {
			return Hierarchy{}, fmt.Errorf("detect cgroup hierarchy: no cgroup v%d mount in %s", version, mountinfoPath)
		}
		return Hierarchy{}, fmt.Errorf("detect cgroup hierarchy: no cgroup mount in %s", mountinfoPath)
	}
	return h, nil
}

// parseMountinfo returns the cgroup and cgroup2 mounts listed in r, in
// order. Malformed lines are skipped.
func parseMountinfo(r io.Reader) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
		fields := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+3 {
			continue
		}
		fstype := fields[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		out = append(out, mount{
			point:  unescapeMountinfo(fields[4]),
			fstype: fstype,
			super:  strings.Split(fields[sep+3], ","),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// unescapeMountinfo undoes the octal escaping (\040 for space, etc.) the
// kernel applies to paths in mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// chooseHierarchy applies the preference order of DetectHierarchy, within
// one version when version is 1 or 2.
func chooseHierarchy(mounts []mount, version int) (Hierarchy, bool) {
	var v2 []string
	for _, m := range mounts {
		if m.fstype == "cgroup2" && version != 1 {
			v2 = append(v2, m.point)
		}
	}
	for _, want := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		for _, p := range v2 {
			if p == want {
				return Hierarchy{Version: 2, Mount: p}, true
			}
		}
	}
	if len(v2) > 0 {
		return Hierarchy{Version: 2, Mount: v2[0]}, true
	}

	byController := map[string]string{}
	var first, firstCtrl string
	for _, m := range mounts {
		if m.fstype != "cgroup" || version == 2 {
			continue
		}
		for _, opt := range m.super {
			if !isController(opt) {
				continue
			}
			if _, seen := byController[opt]; !seen {
				byController[opt] = m.point
			}
			if first == "" {
				first, firstCtrl = m.point, opt
			}
		}
	}
	// Controllers every container runtime configures, in order of choice.
	for _, c := range []string{"memory", "pids", "cpuset"} {
		if p, ok := byController[c]; ok {
			return Hierarchy{Version: 1, Mount: p, Controller: c}, true
		}
	}
	if first != "" {
		return Hierarchy{Version: 1, Mount: first, Controller: firstCtrl}, true
	}
	return Hierarchy{}, false
}

// isController reports whether a v1 super option names a controller
// rather than a generic option or a named (controller-less) hierarchy.
func isController(opt string) bool {
	switch opt {
	case "", "rw", "ro", "none", "noprefix", "clone_children", "xattr",
		"cpuset_v2_mode", "favordynmods":
		return false
	}
	return !strings.Contains(opt, "=")
}

// CgroupID returns the id of the cgroup whose directory is path: the
// directory's inode number, which on 64-bit kernels ≥ 5.5 equals the
// kernfs node id returned by bpf_get_current_cgroup_id (v2) and stored in
// cgroup->kn->id (v1).
func CgroupID(path string) (uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("cgroup id: %w", err)
	}
	if !fi.IsDir() {
		return 0, fmt.Errorf("cgroup id: %s is not a directory", path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("cgroup id: %s: no inode information", path)
	}
	return st.Ino, nil
}

// PathOfPID returns the cgroup path of process pid in hierarchy h, as
// listed in /proc/PID/cgroup (e.g. "/docker/<id>"): the "0::" line for
// v2, the line of h.Controller for v1.
func PathOfPID(h Hierarchy, pid int) (string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", fmt.Errorf("cgroup of pid %d: %w", pid, err)
	}
	defer f.Close()
	p, err := parseProcCgroup(f, h)
	if err != nil {
		return "", fmt.Errorf("cgroup of pid %d: %w", pid, err)
	}
	return p, nil
}

// errNoCgroupLine is returned when /proc/PID/cgroup has no line for the
// tracked hierarchy.
var errNoCgroupLine = errors.New("no line for the tracked hierarchy")

// parseProcCgroup finds the path of hierarchy h in the /proc/PID/cgroup
// content r ("hierarchy-id:controllers:path" lines).
func parseProcCgroup(r io.Reader, h Hierarchy) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1024*1024)
	for sc.Scan() {
		id, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		ctrls, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if h.Version == 2 {
			if id == "0" && ctrls == "" {
				return path, nil
			}
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == h.Controller && c != "" {
				return path, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if h.Version == 2 {
		return "", fmt.Errorf("%w (cgroup v2)", errNoCgroupLine)
	}
	return "", fmt.Errorf("%w (cgroup v1 %q)", errNoCgroupLine, h.Controller)
}
