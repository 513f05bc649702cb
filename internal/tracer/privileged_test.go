package tracer

import (
	"os"
	"testing"
)

// requirePrivileged skips (locally) or fails (CI, CTRACE_REQUIRE_PRIVILEGED=1)
// when the test cannot load BPF programs.
func requirePrivileged(t *testing.T) {
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
