// Package sysfmt renders integer syscall arguments symbolically, in the
// notation of strace (version 6.1, as shipped by Debian 12), so that
// ctrace's output can be compared with `strace -f` textually:
//
//	sysfmt.Append(nil, sysfmt.OpenFlags, 0x80000)  // "O_RDONLY|O_CLOEXEC"
//	sysfmt.Append(nil, sysfmt.MmapProt, 0)          // "PROT_NONE"
//	sysfmt.Append(nil, sysfmt.CloneFlags, 0x1200011) // "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
//
// A value is the raw 64-bit register; each formatter first truncates it to
// the C type of the parameter (int flags are 32-bit). strace's conventions
// are kept exactly:
//
//   - flag sets print known names joined by '|', in strace's order, then the
//     unknown remainder in hex ("O_RDONLY|O_CLOEXEC|0x800000"); a value with
//     no known bit prints as "0x8 /* O_??? */", and zero as "0" unless the
//     set has a name for zero ("PROT_NONE", "F_OK");
//   - enumerations print the name, or "0x5 /* SEEK_??? */" when unknown;
//   - signals print the name or, when unknown, the signed decimal number.
//
// The tables hold names and values only (kernel ABI facts); they were checked
// value by value against strace 6.1 on Linux 6.18 x86_64 (see
// testdata/golden and TestAgainstStrace).
//
// Values are x86_64's where the architectures differ; the few Kinds whose
// constants differ on arm64 (open flags, mmap prot/flags, ptrace requests)
// have arm64 variants, chosen with Kind.ForArch (see arch.go).
//
// Append never allocates beyond growing dst. The package has no mutable
// state: its tables are read-only after compilation.
package sysfmt
