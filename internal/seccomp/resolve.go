package seccomp

import (
	"errors"
	"os"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// DefaultCapabilities are the capabilities Docker, containerd and CRI-O
// give a container by default.
var DefaultCapabilities = []string{
	"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD",
	"CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
}

// Resolve turns a Docker-format profile into the plain runtime-spec form
// that OCI runtimes, the kubelet and the Security Profiles Operator take:
// includes/excludes are decided for arch and the capability set caps;
// minimum kernel versions count as met (ctrace needs a newer kernel than
// any the default profile names). Deterministic: it depends on nothing of
// the host.
func Resolve(p *Profile, arch syscalls.Arch, caps []string) *specs.LinuxSeccomp {
	out := p.LinuxSeccomp
	out.Syscalls = nil
	ga := goArch[arch]
	for _, r := range p.Syscalls {
		if r.Excludes != nil {
			if slices.Contains(r.Excludes.Arches, ga) || anyIn(r.Excludes.Caps, caps) {
				continue
			}
		}
		if r.Includes != nil {
			if len(r.Includes.Arches) > 0 && !slices.Contains(r.Includes.Arches, ga) {
				continue
			}
			if !allIn(r.Includes.Caps, caps) {
				continue
			}
		}
		out.Syscalls = append(out.Syscalls, r.LinuxSyscall)
	}
	return &out
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func asPathError(err error, pe **os.PathError) bool { return errors.As(err, pe) }
