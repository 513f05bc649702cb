package recording

// NarrowedCalls are the calls whose argument values a recording keeps.
var NarrowedCalls = []string{"socket", "clone", "personality", "prctl", "ioctl"}

// Merge combines containers (replicas, several runs) into one whose
// profile allows what any of them needed: syscalls are united per ABI,
// argument values united (a call whose values one input lacks becomes
// incomplete), capabilities united.
func Merge(id string, cs ...*Container) Container {
	out := Container{ID: id, Syscalls: map[string][]string{}}
	var args Args
	haveArgs := false
	var caps *Capabilities
	for i, c := range cs {
		if i == 0 {
			out.Name, out.Image, out.Runtime, out.OCIRuntime = c.Name, c.Image, c.Runtime, c.OCIRuntime
		} else {
			if out.Name != c.Name {
				out.Name = ""
			}
			if out.Image != c.Image {
				out.Image = ""
			}
		}
		out.Confined = out.Confined || c.Confined
		unite(&out.Syscalls, c.Syscalls)
		unite(&out.BeforeFilter, c.BeforeFilter)
		unite(&out.Denied, c.Denied)
		for abi, nrs := range c.Unnamed {
			if out.Unnamed == nil {
				out.Unnamed = map[string][]int{}
			}
			out.Unnamed[abi] = append(out.Unnamed[abi], nrs...)
		}
		names := c.Names()
		if c.Args == nil {
			for _, n := range NarrowedCalls {
				if contains(names, n) {
					args.Incomplete = append(args.Incomplete, n)
				}
			}
		} else {
			haveArgs = true
			a := c.Args
			args.SocketFamilies = append(args.SocketFamilies, a.SocketFamilies...)
			args.Personality = append(args.Personality, a.Personality...)
			args.PrctlOptions = append(args.PrctlOptions, a.PrctlOptions...)
			args.IoctlRequests = append(args.IoctlRequests, a.IoctlRequests...)
			args.Incomplete = append(args.Incomplete, a.Incomplete...)
			if a.CloneFlags != nil {
				v := *a.CloneFlags
				if args.CloneFlags != nil {
					v |= *args.CloneFlags
				}
				args.CloneFlags = &v
			}
		}
		if c.Capabilities != nil {
			if caps == nil {
				caps = &Capabilities{}
			}
			caps.Granted = append(caps.Granted, c.Capabilities.Granted...)
			caps.Denied = append(caps.Denied, c.Capabilities.Denied...)
		}
	}
	if haveArgs {
		out.Args = &args
	}
	if caps != nil {
		granted := sortUnique(caps.Granted)
		var denied []string
		for _, d := range sortUnique(caps.Denied) {
			if !contains(granted, d) {
				denied = append(denied, d)
			}
		}
		out.Capabilities = &Capabilities{Granted: granted, Denied: denied}
	}
	return out
}

func unite(dst *map[string][]string, src map[string][]string) {
	for abi, names := range src {
		if *dst == nil {
			*dst = map[string][]string{}
		}
		(*dst)[abi] = sortUnique(append((*dst)[abi], names...))
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
