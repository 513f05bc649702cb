package syscalls

import (
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// Arch names a syscall ABI.
type Arch string

const (
	// X86_64 is the native 64-bit x86 ABI (not x32, not ia32).
	X86_64 Arch = "x86_64"
	// ARM64 is the native AArch64 ABI (not compat AArch32).
	ARM64 Arch = "arm64"
)

// Native returns the Arch of the running program (by runtime.GOARCH), or ""
// if the architecture has no table.
func Native() Arch {
	switch runtime.GOARCH {
	case "amd64":
		return X86_64
	case "arm64":
		return ARM64
	}
	return ""
}

// Param is one syscall parameter as declared in the kernel prototype.
type Param struct {
	Name  string // e.g. "filename"
	CType string // C type without __user, e.g. "const char *"
}

// Syscall describes one syscall number of an architecture.
type Syscall struct {
	Nr    int    // syscall number
	Name  string // conventional name, e.g. "stat", "umount2"
	Entry string // kernel entry point, e.g. "sys_newstat"; "" for a reserved, never implemented number; "sys_ni_syscall" if explicitly unimplemented
	// Params are the parameters in prototype order; nil when the syscall
	// takes none or is unimplemented. The slice is shared: do not modify it.
	Params []Param
}

// archData holds the generated tables of one architecture.
type archData struct {
	table  []Syscall // ordered by Nr
	index  []int16   // Nr -> position in table, -1 if unknown
	byName []int16   // positions in table, sorted by Name
}

func data(a Arch) *archData {
	switch a {
	case X86_64:
		return &dataX86_64
	case ARM64:
		return &dataARM64
	}
	return nil
}

// Table returns the syscalls of a, ordered by number: every implemented or
// reserved number that exists in the ABI, and no others. It returns nil for
// an unknown Arch. The result is a fresh copy, but the Params slices in it
// are shared and must not be modified.
func Table(a Arch) []Syscall {
	d := data(a)
	if d == nil {
		return nil
	}
	return slices.Clone(d.table)
}

// ByNr returns the syscall with number nr on a. It is O(1).
func ByNr(a Arch, nr int) (Syscall, bool) {
	d := data(a)
	if d == nil || uint(nr) >= uint(len(d.index)) {
		return Syscall{}, false
	}
	i := d.index[nr]
	if i < 0 {
		return Syscall{}, false
	}
	return d.table[i], true
}

// ByName returns the syscall called name on a (e.g. "openat", "umount2").
func ByName(a Arch, name string) (Syscall, bool) {
	d := data(a)
	if d == nil {
		return Syscall{}, false
	}
	i, ok := slices.BinarySearchFunc(d.byName, name, func(pos int16, name string) int {
		n := d.table[pos].Name
		switch {
		case n < name:
			return -1
		case n > name:
			return 1
		}
		return 0
	})
	if !ok {
		return Syscall{}, false
	}
	return d.table[d.byName[i]], true
}

// Name returns the name of syscall nr on a, or "syscall_<nr>" if a has no
// such number. It does not allocate for known numbers, nor for unknown
// numbers in [0, 1024).
func Name(a Arch, nr int) string {
	if d := data(a); d != nil && uint(nr) < uint(len(d.index)) {
		if i := d.index[nr]; i >= 0 {
			return d.table[i].Name
		}
	}
	if uint(nr) < uint(numUnknownNames) {
		return unknownNames()[nr]
	}
	return "syscall_" + strconv.Itoa(nr)
}

// MaxNr returns the highest syscall number in a's table, or -1 for an
// unknown Arch.
func MaxNr(a Arch) int {
	d := data(a)
	if d == nil {
		return -1
	}
	return d.table[len(d.table)-1].Nr
}

const numUnknownNames = 1024

var (
	unknownOnce sync.Once
	unknownTab  []string
)

// unknownNames returns "syscall_0" ... "syscall_1023", built on first use.
func unknownNames() []string {
	unknownOnce.Do(func() {
		unknownTab = make([]string, numUnknownNames)
		for i := range unknownTab {
			unknownTab[i] = "syscall_" + strconv.Itoa(i)
		}
	})
	return unknownTab
}
