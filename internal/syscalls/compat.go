package syscalls

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// I386 is the 32-bit x86 ABI that x86_64 kernels run under ia32 emulation.
// Its table holds names only (no prototypes): it names 32-bit calls in
// seccomp recordings.
const I386 Arch = "i386"

// ARM is the 32-bit ARM (AArch32) ABI that arm64 kernels run as compat.
// ctrace has no table for it yet: its calls are kept by number.
const ARM Arch = "arm"

// CompatArch returns the 32-bit compat ABI of a native architecture
// (i386 for x86_64, arm for arm64), or "".
func CompatArch(native Arch) Arch {
	switch native {
	case X86_64:
		return I386
	case ARM64:
		return ARM
	}
	return ""
}

//go:embed tables/i386.tsv
var i386TSV string

var (
	i386Once  sync.Once
	i386Names map[int]string
	i386Nrs   map[string]int
)

func loadI386() {
	i386Names, i386Nrs = map[int]string{}, map[string]int{}
	for _, l := range strings.Split(i386TSV, "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		nrs, name, ok := strings.Cut(l, "\t")
		nr, err := strconv.Atoi(nrs)
		if !ok || err != nil {
			panic("syscalls: malformed tables/i386.tsv line " + strconv.Quote(l))
		}
		i386Names[nr], i386Nrs[name] = name, nr
	}
}

// NameOf returns the name of syscall nr on any ABI ctrace knows, including
// the names-only compat tables; false when the ABI has no name for nr.
func NameOf(a Arch, nr int) (string, bool) {
	if a == I386 {
		i386Once.Do(loadI386)
		n, ok := i386Names[nr]
		return n, ok
	}
	sc, ok := ByNr(a, nr)
	if !ok {
		return "", false
	}
	return sc.Name, true
}

// NrOf returns the number of the syscall called name on any ABI ctrace
// knows, including the names-only compat tables.
func NrOf(a Arch, name string) (int, bool) {
	if a == I386 {
		i386Once.Do(loadI386)
		nr, ok := i386Nrs[name]
		return nr, ok
	}
	sc, ok := ByName(a, name)
	if !ok {
		return 0, false
	}
	return sc.Nr, true
}
