package tracer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"
)

// CheckKernel verifies what ctrace cannot work without, with one-line errors.
func CheckKernel() error {
	if _, err := btf.LoadKernelSpec(); err != nil {
		return fmt.Errorf("kernel BTF not available (%v): ctrace needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (/sys/kernel/btf/vmlinux)", err)
	}
	if err := features.HaveMapType(ebpf.RingBuf); err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) {
			return fmt.Errorf("kernel lacks BPF ring buffers (needs Linux 5.8 or later)")
		}
		return explainLoadError(err)
	}
	if err := features.HaveProgramType(ebpf.RawTracepoint); err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) {
			return fmt.Errorf("kernel lacks BPF raw tracepoints")
		}
		return explainLoadError(err)
	}
	return nil
}

// explainLoadError turns permission errors into a one-line hint naming the capability.
func explainLoadError(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		if os.Getenv("CTRACE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "%+v\n", ve)
		}
		return fmt.Errorf("the kernel's verifier rejected a ctrace program: %v (set CTRACE_DEBUG=1 for the full log)", firstLine(err))
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("loading BPF programs was refused: ctrace needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run it as root (%v)", firstLine(err))
	}
	return fmt.Errorf("load BPF programs: %v", firstLine(err))
}

func explainAttachError(err error) error {
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("permission denied: needs CAP_PERFMON or CAP_SYS_ADMIN")
	}
	if errors.Is(err, unix.ENOENT) || errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the kernel has no such tracepoint")
	}
	return err
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
