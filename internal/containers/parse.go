package containers

import "strings"

// Runtime names as recognised from cgroup paths (ContainerRef.Runtime).
const (
	RuntimeDocker     = "docker"
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "crio"
	RuntimePodman     = "podman"
	RuntimeLXC        = "lxc"
)

// ContainerRef is what a cgroup path alone tells about a container.
type ContainerRef struct {
	// ID is the 64-hex container id, or the container name for LXC.
	ID string
	// Runtime is RuntimeDocker, RuntimeContainerd, RuntimeCRIO,
	// RuntimePodman, RuntimeLXC, or "" when the path does not tell.
	Runtime string
	// PodUID is the Kubernetes pod UID (dashed form) for kubepods paths.
	PodUID string
}

// ParseCgroupPath recognises a container cgroup path such as
// "/docker/<id>", "/system.slice/docker-<id>.scope" or a kubepods path.
// Components are examined from the leaf upward and the first one naming
// a container wins, so nested cgroups ("/docker/<id>/init.scope") resolve
// to their container. It returns false for anything that is not inside a
// container (services, sessions, runtime parents, monitors, buildkit
// build steps).
func ParseCgroupPath(path string) (ContainerRef, bool) {
	comps := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	for i := len(comps) - 1; i >= 0; i-- {
		parents := comps[:i]
		id, runtime, ok := containerComponent(comps[i], parents)
		if !ok {
			continue
		}
		if b := buildkitParent(parents); b >= 0 {
			// A build step, not a container: resume above "docker/buildkit"
			// in case the builder itself runs in a container.
			i = b
			continue
		}
		ref := ContainerRef{ID: id, Runtime: runtime}
		if runtime != RuntimeLXC {
			ref.PodUID = podUID(parents)
		}
		return ref, true
	}
	return ContainerRef{}, false
}

// scopePrefixes maps the prefix of a systemd-style container cgroup name
// ("<prefix><id>[.scope]") to its runtime. Monitor cgroups
// ("crio-conmon-", "libpod-conmon-") fail the id check and so never match.
var scopePrefixes = [...]struct{ prefix, runtime string }{
	{"docker-", RuntimeDocker},
	{"cri-containerd-", RuntimeContainerd},
	{"crio-", RuntimeCRIO},
	{"libpod-", RuntimePodman},
}

// containerComponent reports whether one path component names a
// container, given the components above it.
func containerComponent(c string, parents []string) (id, runtime string, ok bool) {
	if name, found := strings.CutPrefix(c, "lxc.payload."); found {
		if validLXCName(name) {
			return name, RuntimeLXC, true
		}
		return "", "", false
	}
	if len(parents) > 0 && parents[len(parents)-1] == "lxc.payload" {
		if validLXCName(c) {
			return c, RuntimeLXC, true
		}
		return "", "", false
	}

	base, scoped := strings.CutSuffix(c, ".scope")
	for _, p := range scopePrefixes {
		if rest, found := strings.CutPrefix(base, p.prefix); found {
			if isContainerID(rest) {
				return rest, p.runtime, true
			}
			return "", "", false
		}
	}
	if scoped || !isContainerID(c) {
		return "", "", false
	}
	return c, runtimeOfParent(parents), true
}

// runtimeOfParent guesses the runtime of a bare "<id>" cgroup from the
// directory that holds it (the cgroupfs driver's cgroup parent).
func runtimeOfParent(parents []string) string {
	if len(parents) == 0 {
		return ""
	}
	switch parents[len(parents)-1] {
	case "docker", "actions_job":
		return RuntimeDocker
	case "libpod_parent":
		return RuntimePodman
	case "default":
		// containerd's cgroupfs layout: /<namespace>/<id>.
		return RuntimeContainerd
	}
	return ""
}

// buildkitParent returns the index of "docker" in the deepest
// "docker/buildkit" pair of parents (Docker's cgroup parent for buildkit
// build steps, which are not containers), or -1.
func buildkitParent(parents []string) int {
	for i := len(parents) - 1; i >= 1; i-- {
		if parents[i] == "buildkit" && parents[i-1] == "docker" {
			return i - 1
		}
	}
	return -1
}

// podUID extracts the Kubernetes pod UID from the components above a
// container: "pod<uid>" (cgroupfs driver) or
// "kubepods[-<qos>]-pod<uid_with_underscores>.slice" (systemd driver).
func podUID(parents []string) string {
	inKubepods := false
	uid := ""
	for _, c := range parents {
		if strings.HasPrefix(c, "kubepods") {
			inKubepods = true
			if s, ok := strings.CutSuffix(c, ".slice"); ok {
				if i := strings.LastIndex(s, "-pod"); i >= 0 {
					if u := strings.ReplaceAll(s[i+len("-pod"):], "_", "-"); validPodUID(u) {
						uid = u
					}
				}
			}
			continue
		}
		if u, ok := strings.CutPrefix(c, "pod"); ok && inKubepods && validPodUID(u) {
			uid = u
		}
	}
	if !inKubepods {
		return ""
	}
	return uid
}

// isContainerID reports whether s is exactly 64 lowercase hex digits.
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// validPodUID accepts the pod UID forms the kubelet uses: a dashed UUID
// (36 characters) or a 32-hex hash (static pods).
func validPodUID(s string) bool {
	if len(s) != 36 && len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// validLXCName accepts LXC container names: letters, digits, '.', '_'
// and '-', at most 253 bytes, not "." or "..".
func validLXCName(s string) bool {
	if s == "" || len(s) > 253 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func isLowerHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}
