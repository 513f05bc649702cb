package sysfmt

// capNames are the Linux capabilities by number (include/uapi/linux/capability.h).
var capNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	"CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// CapName returns the name of capability number n ("CAP_SYS_ADMIN"), or "".
func CapName(n int) string {
	if n >= 0 && n < len(capNames) {
		return capNames[n]
	}
	return ""
}

// AppendCapSet renders a capability bit set as strace does:
// 1<<CAP_CHOWN|1<<CAP_KILL, 0 for none, unknown bits as 1<<N.
func AppendCapSet(dst []byte, set uint64) []byte {
	if set == 0 {
		return append(dst, '0')
	}
	first := true
	for n := 0; n < 64; n++ {
		if set&(1<<n) == 0 {
			continue
		}
		if !first {
			dst = append(dst, '|')
		}
		first = false
		dst = append(dst, "1<<"...)
		if name := CapName(n); name != "" {
			dst = append(dst, name...)
		} else {
			dst = appendUint(dst, uint64(n))
		}
	}
	return dst
}

// CapVersion names a capability header version (_LINUX_CAPABILITY_VERSION_3).
func CapVersion(v uint32) string {
	switch v {
	case 0x19980330:
		return "_LINUX_CAPABILITY_VERSION_1"
	case 0x20071026:
		return "_LINUX_CAPABILITY_VERSION_2"
	case 0x20080522:
		return "_LINUX_CAPABILITY_VERSION_3"
	}
	return ""
}
