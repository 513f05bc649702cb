// Package privtest holds what the privileged tests (those that load BPF
// programs and make cgroups) share. It is only imported by tests.
package privtest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Require skips the test when it cannot load BPF programs (not root), or
// fails it instead in CI and under CTRACE_REQUIRE_PRIVILEGED=1.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	msg := "needs root (CAP_BPF, CAP_PERFMON) to load BPF programs"
	if os.Getenv("CI") != "" || os.Getenv("CTRACE_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RemoveCgroup removes the cgroup directory dir and its children, waiting
// (up to 10 s) for the kernel to release each once its tasks have exited.
func RemoveCgroup(t testing.TB, dir string) {
	// Children first; a cgroup is removable once its tasks have exited.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			RemoveCgroup(t, filepath.Join(dir, e.Name()))
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("remove cgroup %s: %v", dir, err)
			return
		}
		time.Sleep(20 * time.Millisecond) // polling the kernel's release of the cgroup, bounded by deadline
	}
}
