package containers

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Mountinfo excerpts of the three cgroup layouts (plus unrelated mounts).
const (
	mountinfoV2 = `22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
28 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
29 25 0:27 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:5 - bpf bpf rw,mode=700
`
	mountinfoHybrid = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	mountinfoV1 = `25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
29 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
30 25 0:28 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
32 25 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpuset,clone_children
`
)

func TestDetectHierarchy(t *testing.T) {
	tests := []struct {
		name, mountinfo string
		want            Hierarchy
	}{
		{"pure v2", mountinfoV2, Hierarchy{Version: 2, Mount: "/sys/fs/cgroup"}},
		{"hybrid", mountinfoHybrid, Hierarchy{Version: 2, Mount: "/sys/fs/cgroup/unified"}},
		{"v1 memory", mountinfoV1, Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/memory", Controller: "memory"}},
		{"v1 pids", without(mountinfoV1, "memory"), Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/pids", Controller: "pids"}},
		{"v1 cpuset", without(without(mountinfoV1, "memory"), "pids"),
			Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/cpuset", Controller: "cpuset"}},
		{"v1 other controller", without(without(without(mountinfoV1, "memory"), "pids"), "cpuset"),
			Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/cpu,cpuacct", Controller: "cpu"}},
		{"v2 elsewhere", "40 30 0:37 / /run/my\\040cgroup rw - cgroup2 none rw\n",
			Hierarchy{Version: 2, Mount: "/run/my cgroup"}},
		{"v2 preferred over v1", mountinfoV1 + "40 30 0:37 / /mnt/cg2 rw - cgroup2 none rw\n",
			Hierarchy{Version: 2, Mount: "/mnt/cg2"}},
		{"malformed lines skipped", "garbage\n\n1 2 3 - cgroup2\n" + mountinfoV2, Hierarchy{Version: 2, Mount: "/sys/fs/cgroup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectHierarchy(writeFile(t, tt.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDetectHierarchyErrors(t *testing.T) {
	onlyNamed := "26 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	for name, content := range map[string]string{"no cgroup": "22 1 259:1 / / rw - ext4 /dev/root rw\n", "named only": onlyNamed, "empty": ""} {
		p := writeFile(t, content)
		_, err := DetectHierarchy(p)
		if err == nil || err.Error() != "detect cgroup hierarchy: no cgroup mount in "+p {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	_, err := DetectHierarchy(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestDetectHierarchyReal(t *testing.T) {
	h, err := DetectHierarchy("/proc/self/mountinfo")
	if err != nil {
		t.Skipf("no cgroup mounted: %v", err)
	}
	if (h.Version != 1 && h.Version != 2) || h.Mount == "" || (h.Version == 1) != (h.Controller != "") {
		t.Fatalf("bad hierarchy %+v", h)
	}
	p, err := PathOfPID(h, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CgroupID(h.Dir(p)); err != nil {
		t.Fatal(err)
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/tab\011x`: "/tab\tx", `/back\134slash`: `/back\slash`,
		`/plain`: "/plain", `/trail\04`: `/trail\04`, `/bad\09x`: `/bad\09x`, `\`: `\`,
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

const procCgroupHybrid = `9:name=systemd:/docker/` + id1 + `
8:pids:/docker/` + id1 + `
4:memory:/docker/` + id1 + `
2:cpu,cpuacct:/docker/` + id1 + `/sub
0::/docker/` + id1 + `
`

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		content string
		h       Hierarchy
		want    string
	}{
		{procCgroupHybrid, Hierarchy{Version: 2}, "/docker/" + id1},
		{procCgroupHybrid, Hierarchy{Version: 1, Controller: "memory"}, "/docker/" + id1},
		{procCgroupHybrid, Hierarchy{Version: 1, Controller: "cpuacct"}, "/docker/" + id1 + "/sub"},
		{"0::/system.slice/docker-" + id1 + ".scope\n", Hierarchy{Version: 2}, "/system.slice/docker-" + id1 + ".scope"},
		{"0::/\n", Hierarchy{Version: 2}, "/"},
		{"0::/a:b\n", Hierarchy{Version: 2}, "/a:b"}, // colons in the path survive
	}
	for _, tt := range tests {
		got, err := parseProcCgroup(strings.NewReader(tt.content), tt.h)
		if err != nil || got != tt.want {
			t.Errorf("parse(%+v) = %q, %v; want %q", tt.h, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		content string
		h       Hierarchy
	}{
		{"4:memory:/x\n", Hierarchy{Version: 2}},
		{"0::/x\n", Hierarchy{Version: 1, Controller: "memory"}},
		{"1:name=systemd:/x\n", Hierarchy{Version: 1, Controller: ""}},
		{"garbage\n", Hierarchy{Version: 2}},
		{"", Hierarchy{Version: 1, Controller: "pids"}},
	} {
		if got, err := parseProcCgroup(strings.NewReader(tt.content), tt.h); !errors.Is(err, errNoCgroupLine) {
			t.Errorf("parse(%q, %+v) = %q, %v; want no line", tt.content, tt.h, got, err)
		}
	}
}

func TestPathOfPIDErrors(t *testing.T) {
	_, err := PathOfPID(Hierarchy{Version: 2}, -1)
	if err == nil || !strings.HasPrefix(err.Error(), "cgroup of pid -1: ") {
		t.Errorf("err = %v", err)
	}
}

func TestCgroupID(t *testing.T) {
	dir := t.TempDir()
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	id, err := CgroupID(dir)
	if err != nil || id != st.Ino {
		t.Errorf("CgroupID = %d, %v; want inode %d", id, err, st.Ino)
	}
	if _, err := CgroupID(writeFile(t, "x")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file: err = %v", err)
	}
	if _, err := CgroupID(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: err = %v", err)
	}
}

// TestCgroupIDIsKernfsID checks on the real cgroup2 hierarchy that the
// inode equals the kernfs id the kernel hands out as the cgroup's file
// handle, which is the value of bpf_get_current_cgroup_id.
func TestCgroupIDIsKernfsID(t *testing.T) {
	h, err := DetectHierarchy("/proc/self/mountinfo")
	if err != nil || h.Version != 2 {
		t.Skipf("no cgroup2 hierarchy (%+v, %v)", h, err)
	}
	p, err := PathOfPID(h, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	dir := h.Dir(p)
	id, err := CgroupID(dir)
	if err != nil {
		t.Fatal(err)
	}
	handle, _, err := unix.NameToHandleAt(unix.AT_FDCWD, dir, 0)
	if err != nil {
		t.Skipf("name_to_handle_at: %v", err)
	}
	b := handle.Bytes()
	if len(b) != 8 {
		t.Fatalf("kernfs handle is %d bytes", len(b))
	}
	if kid := binary.NativeEndian.Uint64(b); kid != id {
		t.Errorf("inode %d != kernfs id %d for %s", id, kid, dir)
	}
}

func without(mountinfo, fsMountSuffix string) string {
	var keep []string
	for _, l := range strings.SplitAfter(mountinfo, "\n") {
		if !strings.Contains(l, "/sys/fs/cgroup/"+fsMountSuffix+" ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDetectHierarchyVersion(t *testing.T) {
	hybrid := `24 23 0:21 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
25 24 0:22 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
26 24 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
27 24 0:24 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
`
	pureV2 := "25 24 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	h, hv2 := write("hybrid", hybrid), write("v2", pureV2)
	cases := []struct {
		path    string
		version int
		want    Hierarchy
		err     bool
	}{
		{h, 0, Hierarchy{Version: 2, Mount: "/sys/fs/cgroup/unified"}, false},
		{h, 2, Hierarchy{Version: 2, Mount: "/sys/fs/cgroup/unified"}, false},
		{h, 1, Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/memory", Controller: "memory"}, false},
		{hv2, 1, Hierarchy{}, true},
	}
	for _, c := range cases {
		got, err := DetectHierarchyVersion(c.path, c.version)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s v%d: %+v, %v; want %+v (error %v)", filepath.Base(c.path), c.version, got, err, c.want, c.err)
		}
	}
}
