package seccomp

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"

	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func loadWeb(t *testing.T) *recording.Container {
	t.Helper()
	r, err := recording.ReadFile("testdata/web.rec", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &r.Containers[0]
}

func gen(t *testing.T, c *recording.Container, opts Options) *Result {
	t.Helper()
	res, err := Generate(c, syscalls.X86_64, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Every format, with and without --args, against golden files.
func TestGolden(t *testing.T) {
	c := loadWeb(t)
	caps := append(slices.Clone(DefaultCapabilities), AdviseCaps(c.Capabilities).CapsWithPrefix()...)
	for _, args := range []bool{false, true} {
		res := gen(t, c, Options{Base: DockerDefault(), Args: args})
		for _, f := range Formats {
			name := string(f)
			if args {
				name += "-args"
			}
			out, err := Render(res, f, ProfileName(c.Label()), caps)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/seccomp -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("%s differs from %s (run go test ./internal/seccomp -update and review the diff)", name, golden)
			}
		}
	}
	res := gen(t, c, Options{Base: nil, Log: true})
	out, _ := Render(res, FormatDocker, "x", nil)
	golden := filepath.Join("testdata", "golden", "docker-nobase-log.golden")
	if *update {
		os.WriteFile(golden, out, 0o644)
	} else if want, _ := os.ReadFile(golden); !bytes.Equal(out, want) {
		t.Errorf("docker-nobase-log differs from %s", golden)
	}
}

// Same input, same bytes, whatever the order of the recording's lists.
func TestDeterministic(t *testing.T) {
	c := loadWeb(t)
	a, _ := Render(gen(t, c, Options{Base: DockerDefault(), Args: true}), FormatDocker, "x", nil)
	d := *c
	d.Syscalls = map[string][]string{}
	for k, v := range c.Syscalls {
		r := slices.Clone(v)
		slices.Reverse(r)
		d.Syscalls[k] = r
	}
	args := *c.Args
	args.SocketFamilies = []uint64{10, 2, 1}
	d.Args = &args
	b, _ := Render(gen(t, &d, Options{Base: DockerDefault(), Args: true}), FormatDocker, "x", nil)
	if !bytes.Equal(a, b) {
		t.Error("the same recording in another order gave other bytes")
	}
}

// allows evaluates a resolved profile for one call (as libseccomp would:
// any rule of the name whose conditions all hold).
func allowsCall(p *specs.LinuxSeccomp, name string, args [6]uint64) bool {
	for _, r := range p.Syscalls {
		if r.Action != specs.ActAllow || !slices.Contains(r.Names, name) {
			continue
		}
		ok := true
		for _, a := range r.Args {
			if !eval(a, args[a.Index]) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return p.DefaultAction == specs.ActAllow
}

// The profile is never wider than the base on any call and argument value.
func TestNeverWiderThanBase(t *testing.T) {
	c := loadWeb(t)
	base := Resolve(DockerDefault().Profile, syscalls.X86_64, DefaultCapabilities)
	values := []uint64{0, 1, 2, 8, 10, 16, 38, 40, 44, 0x20000, 0x20008, 0x5401, 0x5413, 0xffffffff, 0x10000000, 0x7e020000, 0x1200011, 0x40000000 | 17}
	for _, withArgs := range []bool{false, true} {
		p := Resolve(gen(t, c, Options{Base: DockerDefault(), Args: withArgs}).Profile, syscalls.X86_64, DefaultCapabilities)
		for _, name := range append(c.Names(), "clone3", "unshare", "ptrace") {
			for _, v0 := range values {
				for _, v1 := range values[:6] {
					args := [6]uint64{v0, v1}
					if allowsCall(p, name, args) && !allowsCall(base, name, args) {
						t.Errorf("args=%v: %s(%#x, %#x) allowed, but Docker's default denies it", withArgs, name, v0, v1)
					}
				}
			}
		}
	}
}

func TestBaseIntersection(t *testing.T) {
	c := loadWeb(t)
	res := gen(t, c, Options{Base: DockerDefault()})
	if !slices.Equal(res.Dropped, []string{"kexec_load"}) {
		t.Errorf("dropped %v, want [kexec_load] (never allowed by Docker's default)", res.Dropped)
	}
	oci := Resolve(res.Profile, syscalls.X86_64, DefaultCapabilities)
	if allowsCall(oci, "mount", [6]uint64{}) {
		t.Error("mount allowed without CAP_SYS_ADMIN, unlike the base")
	}
	withAdmin := Resolve(res.Profile, syscalls.X86_64, append(slices.Clone(DefaultCapabilities), "CAP_SYS_ADMIN"))
	if !allowsCall(withAdmin, "mount", [6]uint64{}) {
		t.Error("mount (used) not allowed with CAP_SYS_ADMIN, as the base does")
	}
	if allowsCall(oci, "personality", [6]uint64{0x1}) || !allowsCall(oci, "personality", [6]uint64{0x8}) {
		t.Error("personality lost the base's conditions")
	}
	if res.Total < 300 || res.DockerAllowed < 300 || len(res.Allowed) != len(uniq(append(slices.DeleteFunc(c.Names(), func(n string) bool { return n == "kexec_load" }), res.Always...))) || !slices.Contains(res.Always, "rt_sigreturn") || !slices.Contains(res.Always, "futex") {
		t.Errorf("total %d, docker %d, allowed %d (used %d)", res.Total, res.DockerAllowed, len(res.Allowed), len(c.Names()))
	}
	if !slices.Equal(res.Profile.Architectures, []specs.Arch{specs.ArchX86, specs.ArchX86_64}) {
		t.Errorf("architectures %v, want the two observed", res.Profile.Architectures)
	}
	s := Summary(res, "docker-default")
	if !strings.HasPrefix(s, fmt.Sprintf("allows %d of ", len(res.Allowed))) || !strings.Contains(s, "fewer than Docker's default") || !strings.Contains(s, "kexec_load") {
		t.Errorf("summary %q", s)
	}
}

func TestArgsNarrowing(t *testing.T) {
	c := loadWeb(t)
	p := Resolve(gen(t, c, Options{Base: DockerDefault(), Args: true}).Profile, syscalls.X86_64, DefaultCapabilities)
	for _, tc := range []struct {
		name string
		args [6]uint64
		want bool
	}{
		{"socket", [6]uint64{2}, true}, {"socket", [6]uint64{10}, true}, {"socket", [6]uint64{16}, false}, // AF_NETLINK unused
		{"personality", [6]uint64{0}, true}, {"personality", [6]uint64{8}, false}, // allowed by the base, unused
		{"prctl", [6]uint64{15}, true}, {"prctl", [6]uint64{22}, false},
		{"ioctl", [6]uint64{0, 0x5401}, true}, {"ioctl", [6]uint64{0, 0x5413}, true}, {"ioctl", [6]uint64{0, 0x541b}, false},
		{"clone", [6]uint64{0x1200011}, true}, {"clone", [6]uint64{0x10000000 | 17}, false},
		{"read", [6]uint64{}, true},
	} {
		if got := allowsCall(p, tc.name, tc.args); got != tc.want {
			t.Errorf("%s(%#x, %#x): allowed=%v, want %v", tc.name, tc.args[0], tc.args[1], got, tc.want)
		}
	}
	// A call also made through the 32-bit ABI is not narrowed (its values are not kept).
	d := *c
	d.Syscalls = map[string][]string{"x86_64": c.Syscalls["x86_64"], "i386": {"socketcall", "ioctl"}}
	res := gen(t, &d, Options{Base: DockerDefault(), Args: true})
	if slices.Contains(res.Narrowed, "ioctl") {
		t.Error("ioctl narrowed although it was also called as a 32-bit call")
	}
}

// crun is not written in Go: no allowance for a Go runtime.
func TestRuntimeAllowance(t *testing.T) {
	c := loadWeb(t)
	d := *c
	d.OCIRuntime = "crun"
	if res := gen(t, &d, Options{Base: DockerDefault()}); slices.Contains(res.Allowed, "futex") || !slices.Contains(res.Allowed, "rt_sigreturn") {
		t.Errorf("crun: allowed %v", res.Allowed)
	}
	if res := gen(t, c, Options{Base: DockerDefault()}); !slices.Contains(res.Allowed, "futex") {
		t.Errorf("runc: futex not allowed: %v", res.Allowed)
	}
}

func TestNoBaseClone3(t *testing.T) {
	c := loadWeb(t)
	res := gen(t, c, Options{})
	found := false
	for _, r := range res.Profile.Syscalls {
		if slices.Contains(r.Names, "clone3") {
			found = r.Action == specs.ActErrno && r.ErrnoRet != nil && *r.ErrnoRet == 38
		}
	}
	if !found {
		t.Error("clone3 does not answer ENOSYS: libc would not fall back to clone")
	}
	if !slices.Contains(res.Allowed, "kexec_load") {
		t.Error("--base none dropped a used call")
	}
}

// The OCI output is runtime-spec's LinuxSeccomp, field for field.
func TestOCIValidates(t *testing.T) {
	c := loadWeb(t)
	out, err := Render(gen(t, c, Options{Base: DockerDefault(), Args: true}), FormatOCI, "x", DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	var s specs.LinuxSeccomp
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("not a specs.LinuxSeccomp: %v", err)
	}
	okAct := map[specs.LinuxSeccompAction]bool{specs.ActAllow: true, specs.ActErrno: true, specs.ActLog: true}
	okOp := map[specs.LinuxSeccompOperator]bool{specs.OpEqualTo: true, specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true, specs.OpGreaterThan: true, specs.OpGreaterEqual: true, specs.OpMaskedEqual: true}
	if !okAct[s.DefaultAction] || len(s.Architectures) == 0 || len(s.Syscalls) == 0 {
		t.Fatalf("incomplete: %+v", s)
	}
	for _, r := range s.Syscalls {
		if len(r.Names) == 0 || !okAct[r.Action] {
			t.Errorf("bad rule %+v", r)
		}
		idx := map[uint]bool{}
		for _, a := range r.Args {
			if !okOp[a.Op] || a.Index > 5 || idx[a.Index] {
				t.Errorf("bad or repeated argument condition in %+v", r)
			}
			idx[a.Index] = true
		}
	}
}

// The SPO output is a SeccompProfile the CRD accepts.
func TestSPOValidates(t *testing.T) {
	c := loadWeb(t)
	out, err := Render(gen(t, c, Options{Base: DockerDefault(), Args: true}), FormatSPO, ProfileName("Web_1"), DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	var p SPOSeccompProfile
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("not a SeccompProfile: %v", err)
	}
	if err := ValidateSPO(&p); err != nil {
		t.Fatalf("CRD validation: %v", err)
	}
	if p.Metadata.Name != "ctrace-web-1" {
		t.Errorf("name %q", p.Metadata.Name)
	}
	bad := p
	bad.Spec.DefaultAction = "SCMP_ACT_MAYBE"
	if ValidateSPO(&bad) == nil {
		t.Error("ValidateSPO accepted a bad default action")
	}
}

func TestMergeAndDiff(t *testing.T) {
	c := loadWeb(t)
	a := gen(t, c, Options{Base: DockerDefault()}).Profile
	d := *c
	d.Syscalls = map[string][]string{"x86_64": {"read", "write", "getcwd", "exit_group"}}
	b := gen(t, &d, Options{Base: DockerDefault()}).Profile
	m, err := MergeProfiles([]*Profile{a, b})
	if err != nil {
		t.Fatal(err)
	}
	diff := DiffProfiles(a, m)
	if !slices.Equal(diff.Added, []string{"getcwd"}) || len(diff.Removed) != 0 {
		t.Errorf("merge then diff: %+v", diff)
	}
	diff = DiffProfiles(m, b)
	if !slices.Contains(diff.Removed, "socket") || len(diff.Added) != 0 {
		t.Errorf("diff: %+v", diff)
	}
	withArgs := gen(t, c, Options{Base: DockerDefault(), Args: true}).Profile
	diff = DiffProfiles(a, withArgs)
	if len(diff.Changed) == 0 || !strings.Contains(strings.Join(diff.Changed, "\n"), "socket:") {
		t.Errorf("conditions changed but diff says %+v", diff)
	}
	if !DiffProfiles(a, a).Empty() {
		t.Error("a profile differs from itself")
	}
}

func TestCapAdvice(t *testing.T) {
	a := AdviseCaps(&recording.Capabilities{Granted: []string{"CAP_CHOWN", "CAP_SETUID"}, Denied: []string{"CAP_SYS_ADMIN"}})
	if a.DockerFlags() != "--cap-drop ALL --cap-add CHOWN --cap-add SETUID" {
		t.Errorf("docker flags %q", a.DockerFlags())
	}
	if !strings.Contains(a.Text(), `add: ["CHOWN", "SETUID"]`) || !strings.Contains(a.Text(), `drop: ["ALL"]`) {
		t.Errorf("advice text:\n%s", a.Text())
	}
	if AdviseCaps(nil) != nil {
		t.Error("advice without a recording of capabilities")
	}
}

func TestParseProfileErrors(t *testing.T) {
	for _, bad := range []string{`{`, `{"syscalls":[]}`, `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"action":"SCMP_ACT_ALLOW"}]}`, `{"defaultAction":"X","bogus":1}`} {
		_, err := ParseProfile("p.json", []byte(bad))
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line", bad, err)
		}
	}
}
