// Package seccomp turns recordings into seccomp profiles: the allow-list
// of what a container used, intersected with a base profile (Docker's
// default by default) whose argument conditions are kept, optionally
// narrowed further by observed argument values, rendered for Docker/Podman,
// OCI runtimes, Kubernetes and the Security Profiles Operator. It also
// merges and compares profiles, and advises on capabilities.
package seccomp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	mseccomp "github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// Profile is a seccomp profile in Docker's format (what `docker run
// --security-opt seccomp=FILE` takes): runtime-spec's LinuxSeccomp with
// rules that may carry includes/excludes conditions.
type Profile = mseccomp.Seccomp

// Rule is one rule of a Profile.
type Rule = mseccomp.Syscall

// Base is the profile generation never widens.
type Base struct {
	Name    string
	Profile *Profile
}

// DockerDefault is Docker's default profile, from moby's profiles module.
func DockerDefault() *Base {
	return &Base{Name: "docker-default", Profile: mseccomp.DefaultProfile()}
}

// LoadBase reads a base profile in Docker's format.
func LoadBase(path string) (*Base, error) {
	p, err := ReadProfile(path)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	return &Base{Name: path, Profile: p}, nil
}

// ReadProfile reads a profile in Docker's (or OCI's) JSON format, with a
// one-line error for anything malformed.
func ReadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if ok := asPathError(err, &pe); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("read %s: %v", path, err)
	}
	return ParseProfile(path, data)
}

// ParseProfile parses a profile; name labels errors.
func ParseProfile(name string, data []byte) (*Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s is not a seccomp profile: %v", name, firstLine(err.Error()))
	}
	if p.DefaultAction == "" {
		return nil, fmt.Errorf("%s is not a seccomp profile: no defaultAction", name)
	}
	for i, r := range p.Syscalls {
		if r == nil || (len(r.Names) == 0 && r.Name == "") || r.Action == "" {
			return nil, fmt.Errorf("%s: rule %d has no names or no action", name, i+1)
		}
		if r.Name != "" {
			r.Names, r.Name = append(r.Names, r.Name), ""
		}
	}
	if len(p.ArchMap) > 0 && len(p.Architectures) == 0 {
		for _, a := range p.ArchMap {
			p.Architectures = append(p.Architectures, a.Arch)
			p.Architectures = append(p.Architectures, a.SubArches...)
		}
		p.ArchMap = nil
	}
	return &p, nil
}

// Options steer Generate.
type Options struct {
	Base *Base // nil: no base
	// Args narrows socket, personality, clone, prctl and ioctl by the
	// recorded argument values.
	Args bool
	// Log makes the default action SCMP_ACT_LOG (complain mode) instead of
	// SCMP_ACT_ERRNO.
	Log bool
}

// Result is a generated profile and what the summary line says about it.
type Result struct {
	Profile *Profile
	Arch    syscalls.Arch
	// Allowed are the names the profile allows (under some condition).
	Allowed []string
	// Dropped were used but the base does not allow them.
	Dropped []string
	// Unnamed are call numbers ctrace cannot name (not in the profile).
	Unnamed []string
	// Narrowed names the calls --args added conditions to.
	Narrowed []string
	// Always are calls allowed although the recording did not show them:
	// signal returns (alwaysAllowed) and, for runc, its Go runtime's
	// timing-dependent calls (goRuntimeCalls).
	Always []string
	// Total is how many syscalls the architecture has; DockerAllowed and
	// AllowedNative how many of them Docker's default and this profile
	// allow (for the summary line).
	Total, DockerAllowed, AllowedNative int
	Notes                               []string
}

// seccompArch maps an ABI of a recording to libseccomp's architecture.
var seccompArch = map[string]specs.Arch{
	"x86_64": specs.ArchX86_64, "i386": specs.ArchX86, "x32": specs.ArchX32,
	"arm64": specs.ArchAARCH64, "arm": specs.ArchARM,
}

// goArch is the name profiles' includes.arches use for a native arch.
var goArch = map[syscalls.Arch]string{syscalls.X86_64: "amd64", syscalls.ARM64: "arm64"}

// alwaysAllowed are allowed on every ABI a container used (see Generate).
var alwaysAllowed = map[string][]string{
	"x86_64": {"restart_syscall", "rt_sigreturn"}, "x32": {"restart_syscall", "rt_sigreturn"},
	"arm64": {"restart_syscall", "rt_sigreturn"},
	"i386":  {"restart_syscall", "rt_sigreturn", "sigreturn"}, "arm": {"restart_syscall", "rt_sigreturn", "sigreturn"},
}

// goRuntimeCalls are what runc's Go runtime may do at any moment while it
// runs under the container's filter (scheduler, wake-ups, preemption,
// heap): futex, nanosleep, sched_yield, epoll_pwait, epoll_ctl, tgkill and
// getpid (preemption signals), mmap, munmap, madvise.
var goRuntimeCalls = []string{"epoll_ctl", "epoll_pwait", "futex", "getpid", "madvise", "mmap", "munmap", "nanosleep", "sched_yield", "tgkill"}

// goRuntime: the container's OCI runtime is runc (written in Go) or not
// known; crun (C) does not need goRuntimeCalls.
func goRuntime(c *recording.Container) bool {
	switch c.OCIRuntime {
	case "crun", "youki", "runsc":
		return false
	}
	return true
}

// nsFlags are the clone flags that create namespaces.
const nsFlags = 0x7E020000 // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

const (
	errnoEPERM  = 1
	errnoENOSYS = 38
)

// Generate builds the profile of one container's recording.
func Generate(c *recording.Container, arch syscalls.Arch, opts Options) (*Result, error) {
	res := &Result{Arch: arch, Total: countSyscalls(arch)}
	// Architectures as observed; names over every ABI.
	var arches []specs.Arch
	var used []string
	abiNames := map[string][]string{}
	for abi, names := range c.Syscalls {
		if len(names) == 0 {
			continue
		}
		a, ok := seccompArch[abi]
		if !ok {
			return nil, fmt.Errorf("recording has calls of ABI %q, which has no seccomp architecture", abi)
		}
		arches = append(arches, a)
		used = append(used, names...)
		abiNames[abi] = names
	}
	if len(used) == 0 {
		return nil, fmt.Errorf("container %s made no syscalls in the recording: no profile to generate", c.Label())
	}
	slices.Sort(arches)
	// The kernel's returns from signal handlers and its restarts of
	// interrupted calls happen whenever a signal arrives (the Go runtime of
	// runc preempts its threads with signals while it installs the filter):
	// a run may not show them, any run may need them, and denying them
	// kills the process.
	for abi, names := range abiNames {
		for _, n := range alwaysAllowed[abi] {
			if !slices.Contains(names, n) {
				used = append(used, n)
				res.Always = append(res.Always, n)
			}
		}
	}
	// The Go runtime of runc keeps scheduling, waking and preempting its
	// threads after it installed the filter (with no-new-privileges off,
	// long before the container's process starts): which of these calls a
	// run shows depends on timing, and any run may need them.
	if c.Confined && goRuntime(c) {
		native := string(arch)
		for _, n := range goRuntimeCalls {
			if _, ok := syscalls.ByName(arch, n); ok && !slices.Contains(abiNames[native], n) {
				used = append(used, n)
				res.Always = append(res.Always, n)
			}
		}
	}
	used = uniq(used)
	res.Always = uniq(res.Always)
	for abi, nrs := range c.Unnamed {
		for _, nr := range nrs {
			res.Unnamed = append(res.Unnamed, fmt.Sprintf("%s:%d", abi, nr))
		}
	}
	sort.Strings(res.Unnamed)

	var rules []*Rule
	if opts.Base != nil {
		var dropped []string
		rules, dropped = intersect(used, opts.Base.Profile, arch)
		res.Dropped = dropped
	} else {
		for _, n := range used {
			rules = append(rules, allowRule(n, nil))
		}
	}
	if opts.Args && c.Args != nil {
		rules, res.Narrowed, res.Notes = narrow(rules, c, abiNames, arch)
	}
	// Calls the profile denies answer EPERM; clone3 must answer ENOSYS so
	// that libc falls back to clone (Docker's default does the same).
	if !hasAllow(rules, "clone3") && !hasRule(rules, "clone3") {
		en := uint(errnoENOSYS)
		rules = append(rules, &Rule{LinuxSyscall: specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: &en}})
	}
	rules = normalize(rules)
	for _, r := range rules {
		if r.Action == specs.ActAllow {
			res.Allowed = append(res.Allowed, r.Names...)
		}
	}
	res.Allowed = uniq(res.Allowed)
	eperm := uint(errnoEPERM)
	p := &Profile{Syscalls: rules}
	p.DefaultAction = specs.ActErrno
	p.DefaultErrnoRet = &eperm
	if opts.Log {
		p.DefaultAction, p.DefaultErrnoRet = specs.ActLog, nil
	}
	p.Architectures = arches
	res.Profile = p
	res.DockerAllowed = len(nativeOnly(arch, allowedNames(Resolve(DockerDefault().Profile, arch, DefaultCapabilities))))
	res.AllowedNative = len(nativeOnly(arch, res.Allowed))
	return res, nil
}

func allowRule(name string, args []specs.LinuxSeccompArg) *Rule {
	return &Rule{LinuxSyscall: specs.LinuxSyscall{Names: []string{name}, Action: specs.ActAllow, Args: args}}
}

// ruleApplies: includes/excludes arches are satisfiable on this arch.
func ruleApplies(r *Rule, arch syscalls.Arch) bool {
	ga := goArch[arch]
	if r.Includes != nil && len(r.Includes.Arches) > 0 && !slices.Contains(r.Includes.Arches, ga) {
		return false
	}
	if r.Excludes != nil && slices.Contains(r.Excludes.Arches, ga) {
		return false
	}
	return true
}

// intersect keeps, for every used name, the base's allow rules for it
// (with their argument conditions and includes/excludes), and the base's
// other rules (errno answers) as they are. Names the base never allows are
// dropped.
func intersect(used []string, base *Profile, arch syscalls.Arch) (rules []*Rule, dropped []string) {
	for _, n := range used {
		found := false
		for _, b := range base.Syscalls {
			if b.Action != specs.ActAllow || !ruleApplies(b, arch) || !slices.Contains(b.Names, n) {
				continue
			}
			r := cloneRule(b)
			r.Names = []string{n}
			r.Comment = ""
			rules = append(rules, r)
			found = true
		}
		if !found {
			dropped = append(dropped, n)
		}
	}
	for _, b := range base.Syscalls {
		if b.Action == specs.ActAllow || !ruleApplies(b, arch) {
			continue
		}
		r := cloneRule(b)
		r.Comment = ""
		rules = append(rules, r)
	}
	return rules, dropped
}

func cloneRule(r *Rule) *Rule {
	c := *r
	c.Names = slices.Clone(r.Names)
	c.Args = slices.Clone(r.Args)
	if r.ErrnoRet != nil {
		v := *r.ErrnoRet
		c.ErrnoRet = &v
	}
	if r.Includes != nil {
		f := *r.Includes
		f.Caps, f.Arches = slices.Clone(f.Caps), slices.Clone(f.Arches)
		c.Includes = &f
	}
	if r.Excludes != nil {
		f := *r.Excludes
		f.Caps, f.Arches = slices.Clone(f.Caps), slices.Clone(f.Arches)
		c.Excludes = &f
	}
	return &c
}

func hasAllow(rules []*Rule, name string) bool {
	for _, r := range rules {
		if r.Action == specs.ActAllow && slices.Contains(r.Names, name) {
			return true
		}
	}
	return false
}

func hasRule(rules []*Rule, name string) bool {
	for _, r := range rules {
		if slices.Contains(r.Names, name) {
			return true
		}
	}
	return false
}

// narrow replaces the allow rules of socket, personality, prctl, ioctl
// and clone by rules that also require the observed argument values (or,
// for clone, forbid the namespace flags never used), keeping every base
// condition: the result is never wider than the rules it replaces.
func narrow(rules []*Rule, c *recording.Container, abiNames map[string][]string, arch syscalls.Arch) ([]*Rule, []string, []string) {
	a := c.Args
	var narrowed, notes []string
	type cond struct {
		idx  uint
		vals []uint64 // one rule per value (EQ), or
		deny uint64   // clone: MASKED_EQ(deny, 0)
		mask bool     // compare the low 32 bits only
	}
	conds := map[string]cond{}
	if len(a.SocketFamilies) > 0 {
		conds["socket"] = cond{idx: 0, vals: a.SocketFamilies}
	}
	if len(a.Personality) > 0 {
		conds["personality"] = cond{idx: 0, vals: a.Personality}
	}
	if len(a.PrctlOptions) > 0 {
		conds["prctl"] = cond{idx: 0, vals: a.PrctlOptions}
	}
	if len(a.IoctlRequests) > 0 {
		conds["ioctl"] = cond{idx: 1, vals: a.IoctlRequests, mask: true}
	}
	if a.CloneFlags != nil {
		if deny := uint64(nsFlags) &^ *a.CloneFlags; deny != 0 {
			conds["clone"] = cond{idx: 0, deny: deny}
		}
	}
	native := string(arch)
	for name, cd := range conds {
		if slices.Contains(a.Incomplete, name) {
			notes = append(notes, fmt.Sprintf("%s: more values than ctrace keeps, no argument condition", name))
			continue
		}
		if !slices.Contains(abiNames[native], name) {
			continue
		}
		compat := false
		for abi, ns := range abiNames {
			if abi != native && slices.Contains(ns, name) {
				compat = true
			}
		}
		if compat {
			notes = append(notes, fmt.Sprintf("%s: also called through a 32-bit ABI whose values are not kept, no argument condition", name))
			continue
		}
		var ours [][]specs.LinuxSeccompArg
		if cd.deny != 0 {
			ours = append(ours, []specs.LinuxSeccompArg{{Index: cd.idx, Value: cd.deny, ValueTwo: 0, Op: specs.OpMaskedEqual}})
		} else {
			for _, v := range cd.vals {
				if cd.mask {
					ours = append(ours, []specs.LinuxSeccompArg{{Index: cd.idx, Value: 0xffffffff, ValueTwo: v, Op: specs.OpMaskedEqual}})
				} else {
					ours = append(ours, []specs.LinuxSeccompArg{{Index: cd.idx, Value: v, Op: specs.OpEqualTo}})
				}
			}
		}
		var out []*Rule
		changed := false
		for _, r := range rules {
			if r.Action != specs.ActAllow || !slices.Contains(r.Names, name) {
				out = append(out, r)
				continue
			}
			if len(r.Names) > 1 { // split the name off a shared rule
				rest := cloneRule(r)
				rest.Names = slices.DeleteFunc(rest.Names, func(s string) bool { return s == name })
				out = append(out, rest)
			}
			for _, o := range ours {
				args, ok := combine(r.Args, o)
				if !ok {
					continue
				}
				nr := cloneRule(r)
				nr.Names, nr.Args = []string{name}, args
				out = append(out, nr)
				changed = true
			}
		}
		rules = out
		if changed {
			narrowed = append(narrowed, name)
		}
	}
	sort.Strings(narrowed)
	sort.Strings(notes)
	return rules, narrowed, notes
}

// combine ANDs our condition with a rule's conditions, never putting two
// comparisons on one argument (runc would OR them). false: the two
// exclude each other.
func combine(base []specs.LinuxSeccompArg, ours []specs.LinuxSeccompArg) ([]specs.LinuxSeccompArg, bool) {
	out := slices.Clone(base)
	for _, o := range ours {
		i := slices.IndexFunc(out, func(b specs.LinuxSeccompArg) bool { return b.Index == o.Index })
		if i < 0 {
			out = append(out, o)
			continue
		}
		b := out[i]
		switch {
		case o.Op == specs.OpEqualTo:
			if !eval(b, o.Value) {
				return nil, false
			}
			out[i] = o
		case o.Op == specs.OpMaskedEqual && o.ValueTwo == 0 && b.Op == specs.OpMaskedEqual && b.ValueTwo == 0:
			out[i].Value |= o.Value
		case o.Op == specs.OpMaskedEqual && o.Value == 0xffffffff:
			if !eval(b, o.ValueTwo) {
				return nil, false
			}
			out[i] = o
		default:
			// Keep the base's condition only: as strict as the base.
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, true
}

// eval reports whether argument value v satisfies condition c.
func eval(c specs.LinuxSeccompArg, v uint64) bool {
	switch c.Op {
	case specs.OpEqualTo:
		return v == c.Value
	case specs.OpNotEqual:
		return v != c.Value
	case specs.OpLessThan:
		return v < c.Value
	case specs.OpLessEqual:
		return v <= c.Value
	case specs.OpGreaterThan:
		return v > c.Value
	case specs.OpGreaterEqual:
		return v >= c.Value
	case specs.OpMaskedEqual:
		return v&c.Value == c.ValueTwo
	}
	return false
}

// normalize merges rules that differ only in names, orders everything,
// and removes duplicates, so the same input gives the same bytes.
func normalize(rules []*Rule) []*Rule {
	type key struct{ rest string }
	groups := map[string]*Rule{}
	var order []string
	for _, r := range rules {
		if len(r.Names) == 0 {
			continue
		}
		r.Names = uniq(r.Names)
		k := ruleKey(r)
		if g, ok := groups[k]; ok {
			g.Names = uniq(append(g.Names, r.Names...))
			continue
		}
		c := cloneRule(r)
		groups[k] = c
		order = append(order, k)
	}
	out := make([]*Rule, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k])
	}
	// Plain allow rules first, then conditional ones; within, by name.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if a.Names[0] != b.Names[0] {
			return a.Names[0] < b.Names[0]
		}
		return ruleKey(a) < ruleKey(b)
	})
	return out
}

func rank(r *Rule) int {
	n := 0
	if r.Action != specs.ActAllow {
		n += 4
	}
	if len(r.Args) > 0 {
		n += 2
	}
	if r.Includes != nil || r.Excludes != nil {
		n++
	}
	return n
}

// ruleKey is a rule without its names, as text.
func ruleKey(r *Rule) string {
	c := *r
	c.Names = nil
	c.Comment = ""
	b, _ := json.Marshal(&c)
	return string(b)
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// countSyscalls is how many implemented syscalls the architecture has.
func countSyscalls(arch syscalls.Arch) int {
	n := 0
	for _, sc := range syscalls.Table(arch) {
		if sc.Entry != "" && sc.Entry != "sys_ni_syscall" {
			n++
		}
	}
	return n
}

// nativeOnly keeps the names that are syscalls of the native ABI.
func nativeOnly(arch syscalls.Arch, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := syscalls.ByName(arch, n); ok {
			out = append(out, n)
		}
	}
	return out
}

// allowedNames are the names an (OCI) profile allows under some condition.
func allowedNames(p *specs.LinuxSeccomp) []string {
	var out []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow {
			out = append(out, r.Names...)
		}
	}
	return uniq(out)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
