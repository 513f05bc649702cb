package containers_test

import (
	"encoding/binary"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/containers/docker"
	"github.com/ctrace-dev/ctrace/internal/containers/internal/dockertest"
)

// TestScanRealDocker starts a container on the real engine and checks
// that scanning the real cgroup hierarchies finds it with its Docker
// name, under the cgroup id the kernel uses.
func TestScanRealDocker(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read every cgroup")
	}
	dockertest.Require(t)
	ct := dockertest.Run(t)

	detected, err := containers.DetectHierarchy("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	hierarchies := []containers.Hierarchy{detected}
	// On hybrid and v1 systems also check the legacy memory hierarchy.
	if v1 := (containers.Hierarchy{Version: 1, Mount: "/sys/fs/cgroup/memory", Controller: "memory"}); v1 != detected {
		if _, err := containers.PathOfPID(v1, ct.PID); err == nil {
			hierarchies = append(hierarchies, v1)
		}
	}

	client := docker.New(dockertest.Socket)
	defer client.Close()
	for _, h := range hierarchies {
		t.Run(h.Mount, func(t *testing.T) {
			path, err := containers.PathOfPID(h, ct.PID)
			if err != nil {
				t.Fatal(err)
			}
			ref, ok := containers.ParseCgroupPath(path)
			if !ok || ref.ID != ct.ID || ref.Runtime != containers.RuntimeDocker {
				t.Fatalf("ParseCgroupPath(%q) = %+v, %v", path, ref, ok)
			}
			wantID, err := containers.CgroupID(h.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			if h.Version == 2 {
				checkKernfsID(t, h.Dir(path), wantID)
			}

			c := containers.NewCollection([]containers.Client{client}, t.Logf)
			defer c.Close()
			found, err := c.Scan(h)
			if err != nil {
				t.Fatal(err)
			}
			var got *containers.Container
			for _, ctr := range found {
				if ctr.CgroupPath == path {
					got = ctr
				}
			}
			if got == nil {
				t.Fatalf("Scan of %s (%d containers) misses %s", h.Mount, len(found), path)
			}
			if got.CgroupID != wantID || got.Info.ID != ct.ID || got.Info.Name != ct.Name ||
				got.Info.Image != dockertest.Image || got.Info.PID != ct.PID || got.Info.Runtime != "docker" {
				t.Errorf("Scan found %+v\nwant cgroup id %d, %+v", got, wantID, ct)
			}
			if l, ok := c.Lookup(wantID); !ok || l != got {
				t.Errorf("Lookup(%d) = %+v, %v", wantID, l, ok)
			}
		})
	}
}

// checkKernfsID compares a cgroup2 directory's inode with the kernfs id
// in its file handle (the value bpf_get_current_cgroup_id returns).
func checkKernfsID(t *testing.T, dir string, inode uint64) {
	t.Helper()
	handle, _, err := unix.NameToHandleAt(unix.AT_FDCWD, dir, 0)
	if err != nil {
		t.Logf("name_to_handle_at %s: %v (not checked)", dir, err)
		return
	}
	if b := handle.Bytes(); len(b) != 8 || binary.NativeEndian.Uint64(b) != inode {
		t.Errorf("%s: inode %d, file handle %x", dir, inode, b)
	}
}
