package seccomp

import (
	"os"
	"strings"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// FuzzParseProfile: profiles (bases, merge and diff inputs) are checked, not trusted.
func FuzzParseProfile(f *testing.F) {
	if b, err := os.ReadFile("testdata/golden/docker-args.golden"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"name":"read","action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile("fuzz", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		Resolve(p, syscalls.X86_64, DefaultCapabilities)
		DiffProfiles(p, p)
		if _, err := MergeProfiles([]*Profile{p, p}); err != nil {
			t.Fatal(err)
		}
	})
}
