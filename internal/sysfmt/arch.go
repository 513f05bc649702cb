package sysfmt

// Architecture variants. Most of the ABI that sysfmt renders is the same on
// x86_64 and arm64 (asm-generic: errnos, signals, ioctls, socket and fcntl
// constants), and the plain Kinds hold those values. A few tables differ;
// for them a Kind has an arm64 variant, the Kind with the archARM64 bit set,
// which the event catalogue picks with ForArch when it is built for arm64:
//
//   - open flags (OpenFlags, OFlags, and FcntlArg through F_SETFL): arm64
//     swaps O_DIRECTORY/O_NOFOLLOW with O_DIRECT/O_LARGEFILE
//     (arch/arm64/include/uapi/asm/fcntl.h), so O_TMPFILE differs too;
//   - mmap prot: arm64 adds PROT_BTI and PROT_MTE;
//   - mmap flags: MAP_32BIT exists only on x86_64;
//   - ptrace requests: x86_64's register, thread-area and SYSEMU requests do
//     not exist on arm64, which has PTRACE_PEEKMTETAGS/POKEMTETAGS instead.
//
// Every other Kind has no variant: ForArch returns it unchanged.

// archARM64 marks the arm64 variant of a Kind.
const archARM64 Kind = 0x80

// The plain Kinds must stay below the variant bit (a compile-time check).
var _ [archARM64 - numKinds]struct{}

// Architecture names, as syscalls.Arch spells them.
const (
	ArchX86_64 = "x86_64"
	ArchARM64  = "arm64"
)

// arm64Spec returns the arm64 variant of a table-driven Kind.
func arm64Spec(k Kind) (spec, bool) {
	switch k {
	case OFlags:
		return spec{flags, w32, openFlagTabARM64[:], "O_???"}, true
	case MmapProt:
		return spec{flags, w64, mmapProtTabARM64[:], "PROT_???"}, true
	case PtraceRequest:
		return spec{enum, w64, ptraceRequestTabARM64[:], "PTRACE_???"}, true
	}
	return spec{}, false
}

// hasARM64 reports the Kinds with an arm64 variant (table-driven or special).
func hasARM64(k Kind) bool {
	switch k {
	case OpenFlags, FcntlArg, MmapFlags:
		return true
	}
	_, ok := arm64Spec(k)
	return ok
}

// ForArch returns the Kind that renders k's values on arch ("x86_64",
// "arm64"): k itself unless the architecture's constants differ.
func (k Kind) ForArch(arch string) Kind {
	base := k &^ archARM64
	if arch == ArchARM64 && hasARM64(base) {
		return base | archARM64
	}
	return base
}

// Arch returns the architecture k renders for: "arm64" for an arm64
// variant, "" for a Kind that is the same everywhere or x86_64's.
func (k Kind) Arch() string {
	if k&archARM64 != 0 {
		return ArchARM64
	}
	return ""
}

// appendARM64 renders v with the arm64 variant of base.
func appendARM64(dst []byte, base Kind, v uint64) []byte {
	if s, ok := arm64Spec(base); ok {
		v &= s.mask
		if s.style == enum {
			return appendEnum(dst, s.tab, v, s.dflt)
		}
		return appendFlags(dst, s.tab, v, s.dflt)
	}
	switch base {
	case OpenFlags:
		v &= w32
		dst = append(dst, openAccessTab[v&3].s...)
		dst, rest, _ := appendFlagBits(dst, openFlagTabARM64[:], v&^3, true)
		return appendRest(dst, rest, true, "")
	case MmapFlags:
		return appendMmapFlagsTab(dst, v&w32, mmapFlagTabARM64[:])
	}
	return Append(dst, base, v) // FcntlArg: a number; its variant matters to Resolve

}

// openFlagTabARM64 is openFlagTab with arm64's values, in strace's order.
var openFlagTabARM64 = [...]xent{
	{0o100, "O_CREAT"},
	{0o200, "O_EXCL"},
	{0o400, "O_NOCTTY"},
	{0o1000, "O_TRUNC"},
	{0o2000, "O_APPEND"},
	{0o4000, "O_NONBLOCK"},
	{0o4010000, "O_SYNC"},
	{0o4000000, "__O_SYNC"},
	{0o10000, "O_DSYNC"},
	{0o200000, "O_DIRECT"},
	{0o400000, "O_LARGEFILE"},
	{0o100000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"},
	{0o2000000, "O_CLOEXEC"},
	{0o10000000, "O_PATH"},
	{0o20040000, "O_TMPFILE"},
	{0o20000000, "__O_TMPFILE"},
	{0o40000, "O_DIRECTORY"},
	{0o20000, "FASYNC"},
}

var mmapProtTabARM64 = [...]xent{
	{0x0, "PROT_NONE"},
	{0x1, "PROT_READ"},
	{0x2, "PROT_WRITE"},
	{0x4, "PROT_EXEC"},
	{0x8, "PROT_SEM"},
	{0x1000000, "PROT_GROWSDOWN"},
	{0x2000000, "PROT_GROWSUP"},
	{0x10, "PROT_BTI"},
	{0x20, "PROT_MTE"},
}

// mmapFlagTabARM64 is mmapFlagTab without x86_64's MAP_32BIT.
var mmapFlagTabARM64 = [...]xent{
	{0x10, "MAP_FIXED"},
	{0x20, "MAP_ANONYMOUS"},
	{0x4000, "MAP_NORESERVE"},
	{0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"},
	{0x100, "MAP_GROWSDOWN"},
	{0x800, "MAP_DENYWRITE"},
	{0x1000, "MAP_EXECUTABLE"},
	{0x2000, "MAP_LOCKED"},
	{0x20000, "MAP_STACK"},
	{0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"},
	{0x100000, "MAP_FIXED_NOREPLACE"},
}

// ptraceRequestTabARM64: the generic requests (include/uapi/linux/ptrace.h)
// and arm64's own (arch/arm64/include/uapi/asm/ptrace.h).
var ptraceRequestTabARM64 = [...]xent{
	{0x0, "PTRACE_TRACEME"},
	{0x1, "PTRACE_PEEKTEXT"},
	{0x2, "PTRACE_PEEKDATA"},
	{0x3, "PTRACE_PEEKUSER"},
	{0x4, "PTRACE_POKETEXT"},
	{0x5, "PTRACE_POKEDATA"},
	{0x6, "PTRACE_POKEUSER"},
	{0x7, "PTRACE_CONT"},
	{0x8, "PTRACE_KILL"},
	{0x9, "PTRACE_SINGLESTEP"},
	{0x10, "PTRACE_ATTACH"},
	{0x11, "PTRACE_DETACH"},
	{0x18, "PTRACE_SYSCALL"},
	{0x21, "PTRACE_PEEKMTETAGS"},
	{0x22, "PTRACE_POKEMTETAGS"},
	{0x4200, "PTRACE_SETOPTIONS"},
	{0x4201, "PTRACE_GETEVENTMSG"},
	{0x4202, "PTRACE_GETSIGINFO"},
	{0x4203, "PTRACE_SETSIGINFO"},
	{0x4204, "PTRACE_GETREGSET"},
	{0x4205, "PTRACE_SETREGSET"},
	{0x4206, "PTRACE_SEIZE"},
	{0x4207, "PTRACE_INTERRUPT"},
	{0x4208, "PTRACE_LISTEN"},
	{0x4209, "PTRACE_PEEKSIGINFO"},
	{0x420a, "PTRACE_GETSIGMASK"},
	{0x420b, "PTRACE_SETSIGMASK"},
	{0x420c, "PTRACE_SECCOMP_GET_FILTER"},
	{0x420d, "PTRACE_SECCOMP_GET_METADATA"},
	{0x420e, "PTRACE_GET_SYSCALL_INFO"},
	{0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"},
}
