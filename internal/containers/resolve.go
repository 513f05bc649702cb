package containers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/suggest"
)

// ErrUnknownContainer is wrapped by Resolve's error for a reference that
// names no known container.
var ErrUnknownContainer = errors.New("unknown container")

// Matches reports whether a user-given reference names the container: its
// name, its full id, a prefix of its id (like docker's short ids), or for
// a pod's container "POD/CONTAINER" or "NAMESPACE/POD/CONTAINER". It
// never fails, so a filter can hold a reference to a container that does
// not exist yet.
func Matches(ref string, info Info) bool {
	if ref == "" {
		return false
	}
	if ref == info.Name || ref == info.ID {
		return true
	}
	if isIDPrefix(ref) && strings.HasPrefix(info.ID, ref) {
		return true
	}
	if info.Pod != nil && strings.Contains(ref, "/") {
		return ref == info.Pod.Name+"/"+info.Name || ref == info.Pod.Namespace+"/"+info.Pod.Name+"/"+info.Name
	}
	return false
}

// isIDPrefix accepts lowercase hex of 1 to 64 digits.
func isIDPrefix(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// Resolve finds the one container that ref names among known (the same
// container listed twice counts once): an exact name, full id or pod form
// wins over id prefixes, and an id prefix must be unique. An unknown
// reference is an error wrapping ErrUnknownContainer that suggests the
// nearest names; an ambiguous prefix lists the containers it matches.
func Resolve(ref string, known []Info) (Info, error) {
	byID := map[string]Info{}
	var ids []string
	for _, in := range known {
		if _, dup := byID[in.ID]; !dup && in.ID != "" {
			byID[in.ID] = in
			ids = append(ids, in.ID)
		}
	}
	sort.Strings(ids)
	var exact, prefix []Info
	for _, id := range ids {
		in := byID[id]
		switch {
		case ref != "" && (ref == in.Name || ref == in.ID || in.Pod != nil && Matches(ref, in) && strings.Contains(ref, "/")):
			exact = append(exact, in)
		case Matches(ref, in):
			prefix = append(prefix, in)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return Info{}, fmt.Errorf("container %q is ambiguous: it names %s", ref, describeAll(exact))
	case len(prefix) == 1:
		return prefix[0], nil
	case len(prefix) > 1:
		return Info{}, fmt.Errorf("container id prefix %q is ambiguous: it matches %s", ref, describeAll(prefix))
	}
	var names []string
	for _, id := range ids {
		in := byID[id]
		names = append(names, in.Name)
		if in.Pod != nil {
			names = append(names, in.Pod.Name+"/"+in.Name)
		}
	}
	return Info{}, fmt.Errorf("%w%s", ErrUnknownContainer, strings.TrimPrefix(suggest.Unknown("container", ref, names, "ctrace ls lists the containers"), "unknown container"))
}

// describeAll lists containers as "3f4b1c2d3f4b (web), …".
func describeAll(infos []Info) string {
	parts := make([]string, 0, len(infos))
	for _, in := range infos {
		if in.Name != "" {
			parts = append(parts, fmt.Sprintf("%s (%s)", shortID(in.ID), in.Name))
		} else {
			parts = append(parts, shortID(in.ID))
		}
	}
	return strings.Join(parts, ", ")
}

// Infos returns the distinct containers of a collection's live cgroups.
func (c *Collection) Infos() []Info {
	seen := map[string]bool{}
	var out []Info
	for _, ctr := range c.Containers() {
		if !seen[ctr.Info.ID] {
			seen[ctr.Info.ID] = true
			out = append(out, ctr.Info)
		}
	}
	return out
}
