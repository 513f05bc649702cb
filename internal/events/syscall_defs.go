package events

import (
	"strings"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// traits are per-syscall properties the prototype does not tell.
type traits struct {
	noReturn       bool
	captureAtEntry bool
}

var syscallTraits = map[string]traits{
	"exit":       {noReturn: true},
	"exit_group": {noReturn: true},
	"execve":     {captureAtEntry: true},
	"execveat":   {captureAtEntry: true},
}

// notStrings are `const char *` parameters that are byte buffers, not strings.
var notStrings = map[string]bool{"buf": true, "u_msg_ptr": true}

// notCaptured are string arrays ctrace does not read, with the reason:
// environments routinely hold secrets.
var notCaptured = map[string]bool{"envp": true}

// fdNames are integer parameters that are file descriptors.
var fdNames = map[string]bool{
	"fd": true, "dfd": true, "olddfd": true, "newdfd": true, "oldfd": true, "newfd": true, "epfd": true,
	"fd_in": true, "fd_out": true, "out_fd": true, "in_fd": true, "ufd": true, "pidfd": true, "from_dfd": true,
	"to_dfd": true, "dirfd": true, "mountfd": true, "fs_fd": true, "tfd": true, "fildes": true, "mountdirfd": true,
}

// 8-byte and signed integer C types of the kernel's prototypes.
var (
	wideTypes   = map[string]bool{"long": true, "unsigned long": true, "size_t": true, "loff_t": true, "off_t": true, "u64": true, "__u64": true, "aio_context_t": true}
	signedTypes = map[string]bool{"int": true, "long": true, "pid_t": true, "loff_t": true, "off_t": true, "key_serial_t": true, "clockid_t": true, "timer_t": true, "mqd_t": true, "key_t": true}
)

// bufferNames are pointer parameters that are data buffers (read, write, send, recv).
var bufferNames = map[string]bool{"buf": true, "ubuf": true, "buff": true}

// fdPairNames are int[2] outputs holding two new file descriptors.
var fdPairNames = map[string]bool{"fildes": true, "usockvec": true}

// structTypes maps pointed-to kernel structs ctrace decodes to their types.
var structTypes = map[string]ParamType{
	"struct sockaddr *":             TypeSockaddr,
	"struct __kernel_timespec *":    TypeTimespec,
	"struct __kernel_old_timeval *": TypeTimeval,
	"struct stat *":                 TypeStat,
}

func syscallDef(arch syscalls.Arch, sc syscalls.Syscall) Def {
	sets := append(append([]string(nil), syscallSets[sc.Name]...), SetSyscalls)
	d := Def{ID: ID(sc.Nr), Name: sc.Name, Syscall: true, Sets: sets}
	tr := syscallTraits[sc.Name]
	d.NoReturn, d.CaptureAtEntry = tr.noReturn, tr.captureAtEntry
	formats, controls := paramFormats[sc.Name], paramControls[sc.Name]
	for i, p := range sc.Params {
		param := paramOf(p)
		param.Fmt = formats[p.Name].ForArch(string(arch)) // open flags differ on arm64
		param.Control = -1
		if ctl, ok := controls[p.Name]; ok {
			for j, q := range sc.Params {
				if q.Name == ctl {
					param.Control = j
				}
			}
		}
		if param.Type == TypeStat && arch != syscalls.X86_64 {
			param.Type = TypePtr // struct stat is only decoded for x86_64's layout
		}
		if param.Type == TypeSockaddr && i+1 < len(sc.Params) {
			// accept/getsockname/recvfrom pass the length by pointer and
			// receive an address; connect/bind/sendto pass one in.
			param.LenByPointer = strings.HasSuffix(sc.Params[i+1].CType, "*")
			param.Out = param.LenByPointer
		}
		d.Params = append(d.Params, param)
	}
	return d
}

// paramOf types one prototype parameter from its C type and name.
func paramOf(p syscalls.Param) Param {
	ct := strings.TrimSpace(strings.TrimPrefix(p.CType, "const "))
	out := Param{Name: p.Name, CType: p.CType, Size: 8}
	isPtr := strings.HasSuffix(ct, "*")
	out.Out = isPtr && !strings.HasPrefix(p.CType, "const ")
	switch {
	case isPtr && bufferNames[p.Name]:
		out.Type = TypeBuf
	case structTypes[ct] != 0:
		out.Type = structTypes[ct]
	case ct == "int *" && fdPairNames[p.Name]:
		out.Type = TypeFdPair
	case p.CType == "const char *const *" && !notCaptured[p.Name]:
		out.Type = TypeStrArr
	case p.CType == "const char *" && !notStrings[p.Name]:
		out.Type = TypeStr
	case ct == "cap_user_header_t":
		out.Type = TypeCapHeader
	case ct == "cap_user_data_t":
		out.Type = TypeCapData
		out.Out = !strings.HasPrefix(p.CType, "const ") // capget fills it, capset reads it
	case isPtr:
		out.Type = TypePtr
	case fdNames[p.Name]:
		out.Type, out.Size = TypeFd, 4
	default:
		if !wideTypes[ct] {
			out.Size = 4
		}
		out.Type = TypeUint
		if signedTypes[ct] {
			out.Type = TypeInt
		}
	}
	return out
}
