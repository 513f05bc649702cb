package recorder

import (
	"math/bits"
	"sort"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// mergeRaw ORs what the kernel kept for one cgroup into acc (a container
// may have several cgroups, nested or one after another).
func mergeRaw(acc *bpf.RecCgroup, v *bpf.RecCgroup) {
	for vw := range acc.Calls {
		for a := range acc.Calls[vw] {
			for w := range acc.Calls[vw][a] {
				acc.Calls[vw][a][w] |= v.Calls[vw][a][w]
			}
		}
	}
	for a := range acc.Denied {
		for w := range acc.Denied[a] {
			acc.Denied[a][w] |= v.Denied[a][w]
		}
	}
	for vw := range acc.Args {
		d, s := &acc.Args[vw], &v.Args[vw]
		d.SocketFamilies |= s.SocketFamilies
		d.CloneFlags |= s.CloneFlags
		d.Overflow |= s.Overflow
		for k := range d.Sets {
			for _, x := range s.Sets[k] {
				if x == 0 {
					continue
				}
				placed := false
				for i := range d.Sets[k] {
					if d.Sets[k][i] == x {
						placed = true
						break
					}
					if d.Sets[k][i] == 0 {
						d.Sets[k][i] = x
						placed = true
						break
					}
				}
				if !placed {
					d.Overflow |= []uint64{bpf.RecOvfPersonality, bpf.RecOvfPrctl, bpf.RecOvfIoctl}[k]
				}
			}
		}
	}
	acc.CapsGranted |= v.CapsGranted
	acc.CapsDenied |= v.CapsDenied
	acc.OutOfRange += v.OutOfRange
}

// abiArch names the syscall table of each kernel ABI slot for a native arch.
func abiArch(native syscalls.Arch, abi int) syscalls.Arch {
	switch abi {
	case bpf.AbiCompat:
		return syscalls.CompatArch(native)
	case bpf.AbiX32:
		return "x32"
	}
	return native
}

// names turns the bitmaps of one view into syscall names per ABI, and
// numbers without a name.
func names(native syscalls.Arch, calls *[bpf.AbiMax][bpf.RecNrMax / 64]uint64) (map[string][]string, map[string][]int) {
	named, unnamed := map[string][]string{}, map[string][]int{}
	for abi := 0; abi < bpf.AbiMax; abi++ {
		key := abiArch(native, abi)
		table := key
		if abi == bpf.AbiX32 {
			table = native // x32 uses the x86_64 names (its own numbers are 512+)
		}
		for w, word := range calls[abi] {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &^= 1 << b
				nr := w*64 + b
				if n, ok := syscalls.NameOf(table, nr); ok {
					named[string(key)] = append(named[string(key)], n)
				} else {
					unnamed[string(key)] = append(unnamed[string(key)], nr)
				}
			}
		}
	}
	return named, unnamed
}

func anyBit(calls *[bpf.AbiMax][bpf.RecNrMax / 64]uint64) bool {
	for _, a := range calls {
		for _, w := range a {
			if w != 0 {
				return true
			}
		}
	}
	return false
}

// Convert turns what the kernel kept for a container into a recording entry.
func Convert(native syscalls.Arch, info recording.Container, v *bpf.RecCgroup, withCaps bool) recording.Container {
	c := info
	filtered := &v.Calls[bpf.ViewFiltered]
	unfiltered := &v.Calls[bpf.ViewUnfiltered]
	view := bpf.ViewUnfiltered
	c.Confined = anyBit(filtered)
	if c.Confined {
		view = bpf.ViewFiltered
		c.Syscalls, c.Unnamed = names(native, filtered)
		c.BeforeFilter, _ = names(native, unfiltered)
	} else {
		c.Syscalls, c.Unnamed = names(native, unfiltered)
	}
	if len(c.Unnamed) == 0 {
		c.Unnamed = nil
	}
	if len(c.BeforeFilter) == 0 {
		c.BeforeFilter = nil
	}
	if anyBit(&v.Denied) {
		c.Denied, _ = names(native, &v.Denied)
	}
	a := &v.Args[view]
	args := &recording.Args{}
	for f := 0; f < 64; f++ {
		if a.SocketFamilies&(1<<f) != 0 {
			args.SocketFamilies = append(args.SocketFamilies, uint64(f))
		}
	}
	if has(c.Syscalls[string(native)], "clone") {
		cf := a.CloneFlags
		args.CloneFlags = &cf
	}
	set := func(k int) []uint64 {
		var out []uint64
		for _, x := range a.Sets[k] {
			if x != 0 {
				out = append(out, x&0xffffffff)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	args.Personality, args.PrctlOptions, args.IoctlRequests = set(bpf.RecSetPersonality), set(bpf.RecSetPrctl), set(bpf.RecSetIoctl)
	for bit, name := range map[uint64]string{bpf.RecOvfPersonality: "personality", bpf.RecOvfPrctl: "prctl", bpf.RecOvfIoctl: "ioctl", bpf.RecOvfFamily: "socket"} {
		if a.Overflow&bit != 0 {
			args.Incomplete = append(args.Incomplete, name)
		}
	}
	c.Args = args
	if withCaps {
		c.Capabilities = &recording.Capabilities{Granted: capNames(v.CapsGranted), Denied: capNames(v.CapsDenied &^ v.CapsGranted)}
	}
	return c
}

func capNames(set uint64) []string {
	out := []string{}
	for n := 0; n < 64; n++ {
		if set&(1<<n) != 0 {
			name := sysfmt.CapName(n)
			if name == "" {
				continue
			}
			out = append(out, name)
		}
	}
	return out
}

func has(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
