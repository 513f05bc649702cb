package seccomp

import (
	"fmt"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/recording"
)

// CapAdvice is the minimal capability set of a workload: every capability
// whose check passed (the workload used it), none of the others.
type CapAdvice struct {
	Add    []string // without the CAP_ prefix, as docker and Kubernetes take them
	Denied []string // checked, refused, and not needed for the run recorded
}

// AdviseCaps derives the advice from recorded checks; nil when none were recorded.
func AdviseCaps(c *recording.Capabilities) *CapAdvice {
	if c == nil {
		return nil
	}
	a := &CapAdvice{Add: []string{}, Denied: []string{}}
	for _, n := range c.Granted {
		a.Add = append(a.Add, strings.TrimPrefix(n, "CAP_"))
	}
	for _, n := range c.Denied {
		a.Denied = append(a.Denied, strings.TrimPrefix(n, "CAP_"))
	}
	a.Add, a.Denied = uniq(a.Add), uniq(a.Denied)
	return a
}

// DockerFlags returns "--cap-drop ALL --cap-add X …".
func (a *CapAdvice) DockerFlags() string {
	var b strings.Builder
	b.WriteString("--cap-drop ALL")
	for _, c := range a.Add {
		b.WriteString(" --cap-add ")
		b.WriteString(c)
	}
	return b.String()
}

// CapsWithPrefix returns the advised set as CAP_ names (for resolving profiles).
func (a *CapAdvice) CapsWithPrefix() []string {
	var out []string
	for _, c := range a.Add {
		out = append(out, "CAP_"+c)
	}
	return out
}

// Text is the advice as printed: docker flags and the Kubernetes securityContext.
func (a *CapAdvice) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "capabilities: the workload used %d: %s\n", len(a.Add), orNone(a.Add))
	fmt.Fprintf(&b, "  docker run %s …\n", a.DockerFlags())
	b.WriteString("  Kubernetes:\n    securityContext:\n      capabilities:\n        drop: [\"ALL\"]\n")
	if len(a.Add) > 0 {
		fmt.Fprintf(&b, "        add: [%s]\n", quoteJoin(a.Add))
	}
	if len(a.Denied) > 0 {
		fmt.Fprintf(&b, "  checked but refused (the run did without them): %s\n", strings.Join(a.Denied, ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = `"` + v + `"`
	}
	return strings.Join(q, ", ")
}
