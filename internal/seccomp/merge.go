package seccomp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// MergeProfiles returns a profile that allows what any input allows
// (replicas, several runs): rules are united, a name allowed without
// condition in one input is allowed without condition, architectures are
// united. Inputs must agree on the default action.
func MergeProfiles(ps []*Profile) (*Profile, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("nothing to merge")
	}
	out := &Profile{}
	out.LinuxSeccomp = ps[0].LinuxSeccomp
	out.LinuxSeccomp.Syscalls = nil
	var rules []*Rule
	for i, p := range ps {
		if p.DefaultAction != out.DefaultAction || !sameUint(p.DefaultErrnoRet, out.DefaultErrnoRet) {
			return nil, fmt.Errorf("profile %d has default action %s, profile 1 %s: merge profiles of one kind", i+1, p.DefaultAction, out.DefaultAction)
		}
		for _, a := range p.Architectures {
			if !slices.Contains(out.Architectures, a) {
				out.Architectures = append(out.Architectures, a)
			}
		}
		for _, r := range p.Syscalls {
			rules = append(rules, cloneRule(r))
		}
	}
	slices.Sort(out.Architectures)
	// Names allowed unconditionally need no other rule.
	free := map[string]bool{}
	for _, r := range rules {
		if r.Action == specs.ActAllow && len(r.Args) == 0 && r.Includes == nil && r.Excludes == nil {
			for _, n := range r.Names {
				free[n] = true
			}
		}
	}
	var kept []*Rule
	for _, r := range rules {
		if r.Action == specs.ActAllow && len(r.Args) == 0 && r.Includes == nil && r.Excludes == nil {
			kept = append(kept, r)
			continue
		}
		r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return free[n] })
		if len(r.Names) > 0 {
			kept = append(kept, r)
		}
	}
	out.Syscalls = normalize(kept)
	return out, nil
}

func sameUint(a, b *uint) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Diff is what changed from profile A to profile B.
type Diff struct {
	Added   []string // allowed in B only
	Removed []string // allowed in A only
	Changed []string // in both, with other conditions: "name: A … → B …"
	Other   []string // default action, architectures
}

// Empty reports whether the profiles are the same.
func (d Diff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Other) == 0
}

// String renders the diff, one change per line.
func (d Diff) String() string {
	var b strings.Builder
	for _, o := range d.Other {
		b.WriteString("! " + o + "\n")
	}
	for _, n := range d.Added {
		b.WriteString("+ " + n + "\n")
	}
	for _, n := range d.Removed {
		b.WriteString("- " + n + "\n")
	}
	for _, c := range d.Changed {
		b.WriteString("~ " + c + "\n")
	}
	if d.Empty() {
		return "no differences\n"
	}
	fmt.Fprintf(&b, "%d added, %d removed, %d with changed conditions\n", len(d.Added), len(d.Removed), len(d.Changed))
	return b.String()
}

// DiffProfiles compares two profiles name by name.
func DiffProfiles(a, b *Profile) Diff {
	var d Diff
	if a.DefaultAction != b.DefaultAction || !sameUint(a.DefaultErrnoRet, b.DefaultErrnoRet) {
		d.Other = append(d.Other, fmt.Sprintf("default action: %s → %s", action(a.DefaultAction, a.DefaultErrnoRet), action(b.DefaultAction, b.DefaultErrnoRet)))
	}
	if !slices.Equal(sortedArches(a), sortedArches(b)) {
		d.Other = append(d.Other, fmt.Sprintf("architectures: %v → %v", sortedArches(a), sortedArches(b)))
	}
	ra, rb := rulesByName(a), rulesByName(b)
	names := map[string]bool{}
	for n := range ra {
		names[n] = true
	}
	for n := range rb {
		names[n] = true
	}
	var all []string
	for n := range names {
		all = append(all, n)
	}
	slices.Sort(all)
	for _, n := range all {
		ia, ib := allows(ra[n]), allows(rb[n])
		switch {
		case ib && !ia:
			d.Added = append(d.Added, n+describeIfConditional(rb[n]))
		case ia && !ib:
			d.Removed = append(d.Removed, n)
		case !slices.Equal(ra[n], rb[n]):
			d.Changed = append(d.Changed, fmt.Sprintf("%s: %s → %s", n, strings.Join(ra[n], " | "), strings.Join(rb[n], " | ")))
		}
	}
	return d
}

func action(a specs.LinuxSeccompAction, errno *uint) string {
	if errno != nil {
		return fmt.Sprintf("%s(%d)", a, *errno)
	}
	return string(a)
}

func sortedArches(p *Profile) []string {
	var out []string
	for _, a := range p.Architectures {
		out = append(out, string(a))
	}
	slices.Sort(out)
	return out
}

// rulesByName describes, per name, every rule that mentions it.
func rulesByName(p *Profile) map[string][]string {
	m := map[string][]string{}
	for _, r := range p.Syscalls {
		desc := describeRule(r)
		for _, n := range r.Names {
			m[n] = append(m[n], desc)
		}
		if r.Name != "" {
			m[r.Name] = append(m[r.Name], desc)
		}
	}
	for n := range m {
		slices.Sort(m[n])
		m[n] = slices.Compact(m[n])
	}
	return m
}

func allows(descs []string) bool {
	for _, d := range descs {
		if strings.HasPrefix(d, "allow") {
			return true
		}
	}
	return false
}

func describeIfConditional(descs []string) string {
	if len(descs) == 1 && descs[0] == "allow" {
		return ""
	}
	return " (" + strings.Join(descs, " | ") + ")"
}

var opText = map[specs.LinuxSeccompOperator]string{
	specs.OpEqualTo: "==", specs.OpNotEqual: "!=", specs.OpLessThan: "<", specs.OpLessEqual: "<=",
	specs.OpGreaterThan: ">", specs.OpGreaterEqual: ">=",
}

// describeRule renders a rule without its names: "allow if arg0 == 0x2".
func describeRule(r *Rule) string {
	var b strings.Builder
	switch r.Action {
	case specs.ActAllow:
		b.WriteString("allow")
	default:
		b.WriteString(strings.ToLower(strings.TrimPrefix(string(r.Action), "SCMP_ACT_")))
		if r.ErrnoRet != nil {
			fmt.Fprintf(&b, "(%d)", *r.ErrnoRet)
		}
	}
	var conds []string
	for _, a := range r.Args {
		if a.Op == specs.OpMaskedEqual {
			conds = append(conds, fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Value, a.ValueTwo))
		} else {
			conds = append(conds, fmt.Sprintf("arg%d %s %#x", a.Index, opText[a.Op], a.Value))
		}
	}
	if r.Includes != nil {
		if len(r.Includes.Caps) > 0 {
			conds = append(conds, "with "+strings.Join(r.Includes.Caps, "+"))
		}
		if len(r.Includes.Arches) > 0 {
			conds = append(conds, "on "+strings.Join(r.Includes.Arches, "/"))
		}
		if r.Includes.MinKernel != nil {
			conds = append(conds, "kernel >= "+r.Includes.MinKernel.String())
		}
	}
	if r.Excludes != nil {
		if len(r.Excludes.Caps) > 0 {
			conds = append(conds, "without "+strings.Join(r.Excludes.Caps, "+"))
		}
		if len(r.Excludes.Arches) > 0 {
			conds = append(conds, "not on "+strings.Join(r.Excludes.Arches, "/"))
		}
	}
	if len(conds) > 0 {
		b.WriteString(" if ")
		b.WriteString(strings.Join(conds, " and "))
	}
	return b.String()
}
