package recorder

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// CapHook is how capability checks are seen.
type CapHook string

const (
	CapTracepoint CapHook = "tracepoint" // capability:cap_capable (Linux 6.14+)
	CapKprobe     CapHook = "kprobe"     // kprobe + kretprobe on cap_capable
	CapNone       CapHook = "none"       // neither: capabilities are not recorded
)

// CapAttacher tries one way of seeing capability checks.
type CapAttacher struct {
	Hook   CapHook
	Attach func() error
}

// ChooseCapHook tries the attachers in order (the tracepoint first, the
// kprobe fallback next) and returns the first that attaches, or CapNone
// with the reasons every one failed.
func ChooseCapHook(ways []CapAttacher) (CapHook, string) {
	var why []string
	for _, w := range ways {
		err := w.Attach()
		if err == nil {
			return w.Hook, strings.Join(why, "; ")
		}
		why = append(why, fmt.Sprintf("%s: %s", w.Hook, describe(w.Hook, err)))
	}
	return CapNone, strings.Join(why, "; ")
}

func describe(h CapHook, err error) string {
	switch {
	case h == CapTracepoint && (errors.Is(err, unix.ENOENT) || errors.Is(err, os.ErrNotExist)):
		return "the kernel has no capability:cap_capable tracepoint (added in Linux 6.14)"
	case h == CapKprobe && (errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL)):
		return "kprobes are not available (CONFIG_KPROBES off, or cap_capable not probeable)"
	}
	return firstLine(err.Error())
}
