package seccomp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// Format is an output format of `ctrace seccomp generate`.
type Format string

const (
	FormatDocker     Format = "docker"     // Docker/Podman: --security-opt seccomp=FILE
	FormatOCI        Format = "oci"        // runtime-spec linux.seccomp
	FormatKubernetes Format = "kubernetes" // a file for the kubelet's seccomp directory
	FormatSPO        Format = "spo"        // Security Profiles Operator SeccompProfile
)

// Formats lists the formats in help order.
var Formats = []Format{FormatDocker, FormatOCI, FormatKubernetes, FormatSPO}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("--format %q: use docker, oci, kubernetes or spo", s)
}

// Render returns the profile in format f. name names the profile (SPO
// object, kubelet file); caps decide capability-dependent rules for the
// formats that cannot carry conditions.
func Render(res *Result, f Format, name string, caps []string) ([]byte, error) {
	var v any
	switch f {
	case FormatDocker:
		v = res.Profile
	case FormatOCI, FormatKubernetes:
		v = Resolve(res.Profile, res.Arch, caps)
	case FormatSPO:
		b, err := yaml.Marshal(SPOProfile(Resolve(res.Profile, res.Arch, caps), name))
		if err != nil {
			return nil, err
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unknown format %q", f)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var badName = regexp.MustCompile(`[^a-z0-9-]+`)

// ProfileName turns a container name into a Kubernetes object and file
// name (DNS-1123: lowercase letters, digits, '-').
func ProfileName(s string) string {
	s = badName.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-")
	}
	if s == "" {
		s = "workload"
	}
	return "ctrace-" + s
}

// Summary is the one line printed with every profile.
func Summary(res *Result, baseName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "allows %d of %d syscalls", len(res.Allowed), res.Total)
	switch d := res.DockerAllowed - res.AllowedNative; {
	case d > 0:
		fmt.Fprintf(&b, "; %d fewer than Docker's default", d)
	case d < 0:
		fmt.Fprintf(&b, "; %d more than Docker's default", -d)
	default:
		b.WriteString("; as many as Docker's default")
	}
	if len(res.Narrowed) > 0 {
		fmt.Fprintf(&b, "; argument conditions on %s", strings.Join(res.Narrowed, ", "))
	}
	if baseName != "" {
		if len(res.Dropped) > 0 {
			fmt.Fprintf(&b, "; the base %s dropped %d used: %s", baseName, len(res.Dropped), strings.Join(res.Dropped, ", "))
		} else {
			fmt.Fprintf(&b, "; within the base %s", baseName)
		}
	}
	return b.String()
}

// HowTo tells how to apply a profile written to file (stdout when "").
func HowTo(f Format, file, name string) string {
	save := ""
	if file == "" {
		file = name + ".json"
		if f == FormatSPO {
			file = name + ".yaml"
		}
		save = "save the profile as " + file + ", then "
	}
	return save + howTo(f, file, name)
}

func howTo(f Format, file, name string) string {
	switch f {
	case FormatDocker:
		return fmt.Sprintf(`apply it:
  docker run --security-opt seccomp=%[1]s …     (podman run takes the same option)
  compose:  security_opt: ["seccomp=%[1]s"]`, file)
	case FormatOCI:
		return fmt.Sprintf(`apply it: put the object in %s under "linux": {"seccomp": …} of the bundle's config.json (runc, crun)`, file)
	case FormatKubernetes:
		return fmt.Sprintf(`apply it: copy %s to /var/lib/kubelet/seccomp/profiles/%s.json on every node, then in the pod or container spec:
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: profiles/%s.json`, file, name, name)
	case FormatSPO:
		return fmt.Sprintf(`apply it: kubectl apply -n NAMESPACE -f %s, then in the pod or container spec:
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: operator/NAMESPACE/%s.json`, file, name)
	}
	return ""
}

// SPO types: a faithful copy of the Security Profiles Operator's
// SeccompProfile (security-profiles-operator.x-k8s.io/v1beta1) fields that
// a profile uses, with its CRD's validation in ValidateSPO.
type SPOSeccompProfile struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   SPOMetadata `json:"metadata"`
	Spec       SPOSpec     `json:"spec"`
}

type SPOMetadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type SPOSpec struct {
	BaseProfileName  string        `json:"baseProfileName,omitempty"`
	DefaultAction    string        `json:"defaultAction"`
	Architectures    []string      `json:"architectures,omitempty"`
	ListenerPath     string        `json:"listenerPath,omitempty"`
	ListenerMetadata string        `json:"listenerMetadata,omitempty"`
	Syscalls         []*SPOSyscall `json:"syscalls,omitempty"`
	Flags            []string      `json:"flags,omitempty"`
}

type SPOSyscall struct {
	Names    []string  `json:"names"`
	Action   string    `json:"action"`
	ErrnoRet uint      `json:"errnoRet,omitempty"`
	Args     []*SPOArg `json:"args,omitempty"`
}

type SPOArg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value,omitempty"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// SPOProfile converts a resolved profile to a SeccompProfile object.
func SPOProfile(p *specs.LinuxSeccomp, name string) *SPOSeccompProfile {
	out := &SPOSeccompProfile{
		APIVersion: "security-profiles-operator.x-k8s.io/v1beta1",
		Kind:       "SeccompProfile",
		Metadata:   SPOMetadata{Name: name, Annotations: map[string]string{"ctrace.dev/generated-by": "ctrace seccomp generate"}},
		Spec:       SPOSpec{DefaultAction: string(p.DefaultAction)},
	}
	for _, a := range p.Architectures {
		out.Spec.Architectures = append(out.Spec.Architectures, string(a))
	}
	for _, r := range p.Syscalls {
		s := &SPOSyscall{Names: r.Names, Action: string(r.Action)}
		if r.ErrnoRet != nil {
			s.ErrnoRet = *r.ErrnoRet
		}
		for _, a := range r.Args {
			s.Args = append(s.Args, &SPOArg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: string(a.Op)})
		}
		out.Spec.Syscalls = append(out.Spec.Syscalls, s)
	}
	return out
}

var (
	spoActions = []string{"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}
	spoArches  = []string{"SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64"}
	spoOps     = []string{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
	dnsName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// ValidateSPO applies the SeccompProfile CRD's schema (enums, required
// fields, at most 6 args, non-negative values, DNS-1123 name).
func ValidateSPO(p *SPOSeccompProfile) error {
	in := func(v string, set []string) bool {
		for _, s := range set {
			if s == v {
				return true
			}
		}
		return false
	}
	if p.APIVersion != "security-profiles-operator.x-k8s.io/v1beta1" || p.Kind != "SeccompProfile" {
		return fmt.Errorf("apiVersion/kind %s/%s", p.APIVersion, p.Kind)
	}
	if !dnsName.MatchString(p.Metadata.Name) || len(p.Metadata.Name) > 253 {
		return fmt.Errorf("metadata.name %q is not a DNS-1123 subdomain", p.Metadata.Name)
	}
	if !in(p.Spec.DefaultAction, spoActions) {
		return fmt.Errorf("spec.defaultAction %q", p.Spec.DefaultAction)
	}
	for _, a := range p.Spec.Architectures {
		if !in(a, spoArches) {
			return fmt.Errorf("spec.architectures: %q", a)
		}
	}
	for i, s := range p.Spec.Syscalls {
		if s == nil || s.Names == nil || s.Action == "" {
			return fmt.Errorf("spec.syscalls[%d]: names and action are required", i)
		}
		if !in(s.Action, spoActions) {
			return fmt.Errorf("spec.syscalls[%d].action %q", i, s.Action)
		}
		if len(s.Args) > 6 {
			return fmt.Errorf("spec.syscalls[%d]: %d args, at most 6", i, len(s.Args))
		}
		for j, a := range s.Args {
			if !in(a.Op, spoOps) {
				return fmt.Errorf("spec.syscalls[%d].args[%d].op %q", i, j, a.Op)
			}
			if a.Value > 1<<63-1 || a.ValueTwo > 1<<63-1 {
				return fmt.Errorf("spec.syscalls[%d].args[%d]: value beyond int64", i, j)
			}
		}
	}
	return nil
}

var _ = syscalls.Native
