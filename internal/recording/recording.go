// Package recording is what `ctrace seccomp record` writes and `ctrace
// seccomp generate` reads: per container, the syscalls (by ABI) its tasks
// made while running under a seccomp filter, a few argument values, and the
// capability checks of its workload. It also builds recordings from the
// JSON output of `ctrace trace` and merges them.
package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// FormatVersion is the version of the recording file format.
const FormatVersion = 1

// Sources of a recording.
const (
	SourceKernel = "kernel" // ctrace seccomp record
	SourceTrace  = "trace"  // a ctrace trace JSON file
	SourceMerge  = "merge"
)

// Recording is one recording file.
type Recording struct {
	Format int    `json:"ctraceRecording"`
	Source string `json:"source"`
	// Arch is the native syscall ABI of the host (x86_64, arm64).
	Arch string `json:"arch"`
	// CapabilityHook says how capability checks were seen: "tracepoint",
	// "kprobe", or "none" (not recorded).
	CapabilityHook string      `json:"capabilityHook,omitempty"`
	Containers     []Container `json:"containers"`
}

// Container is what one container did. Syscall lists are sorted and keyed by
// ABI ("x86_64", "i386", "arm64", "arm").
type Container struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	Image      string `json:"image,omitempty"`
	Runtime    string `json:"runtime,omitempty"`
	OCIRuntime string `json:"ociRuntime,omitempty"`
	// Confined: some of its tasks ran under a seccomp filter. Syscalls then
	// holds the calls made under the filter (the container's own, and the
	// runtime's after it installed the filter). An unconfined container is
	// recorded from its first syscall and Syscalls holds every call.
	Confined bool                `json:"confined"`
	Syscalls map[string][]string `json:"syscalls"`
	// BeforeFilter holds the calls made by its tasks before the filter was
	// installed (the runtime's setup): not needed by the profile, kept for
	// reference. Empty for unconfined containers.
	BeforeFilter map[string][]string `json:"beforeFilter,omitempty"`
	// Unnamed holds syscall numbers no table of ctrace names (a newer
	// kernel): they cannot be put in a profile by name.
	Unnamed map[string][]int `json:"unnamedSyscalls,omitempty"`
	// Args are argument values of a few calls (native ABI), for --args.
	Args *Args `json:"args,omitempty"`
	// Capabilities are the capability checks of the container's workload
	// (its processes from their first execve inside the container on);
	// nil when they were not recorded.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Denied holds calls that returned without entering the kernel's
	// syscall code: refused by the seccomp filter (verify only).
	Denied map[string][]string `json:"denied,omitempty"`
}

// Args are the argument values seen for a few calls. A call named in
// Incomplete had values that were not kept: no condition may be derived.
type Args struct {
	SocketFamilies []uint64 `json:"socketFamilies,omitempty"`
	// CloneFlags is the OR of every clone flags value seen (nil: none).
	CloneFlags    *uint64  `json:"cloneFlags,omitempty"`
	Personality   []uint64 `json:"personality,omitempty"`
	PrctlOptions  []uint64 `json:"prctlOptions,omitempty"`
	IoctlRequests []uint64 `json:"ioctlRequests,omitempty"`
	Incomplete    []string `json:"incomplete,omitempty"`
}

// Capabilities are capability names ("CAP_CHOWN") whose checks passed or failed.
type Capabilities struct {
	Granted []string `json:"granted"`
	Denied  []string `json:"denied"`
}

// Names returns the sorted union of the syscall names of every ABI.
func (c *Container) Names() []string {
	var all []string
	for _, ns := range c.Syscalls {
		all = append(all, ns...)
	}
	return sortUnique(all)
}

// Label names the container for messages: its name, else its short id.
func (c *Container) Label() string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Matches reports whether sel names the container: its name (with or
// without docker's leading "/"), or a prefix of its id.
func (c *Container) Matches(sel string) bool {
	if sel == "" {
		return false
	}
	if c.Name != "" && strings.TrimPrefix(c.Name, "/") == strings.TrimPrefix(sel, "/") {
		return true
	}
	return strings.HasPrefix(c.ID, strings.ToLower(sel))
}

// Find returns the containers matching sel (see Matches).
func (r *Recording) Find(sel string) []*Container {
	var out []*Container
	for i := range r.Containers {
		if r.Containers[i].Matches(sel) {
			out = append(out, &r.Containers[i])
		}
	}
	return out
}

// Sort orders containers (by name, then id) and every list, so that the
// same recording always serialises to the same bytes.
func (r *Recording) Sort() {
	for i := range r.Containers {
		c := &r.Containers[i]
		for _, m := range []map[string][]string{c.Syscalls, c.BeforeFilter, c.Denied} {
			for k, v := range m {
				m[k] = sortUnique(v)
			}
		}
		for k, v := range c.Unnamed {
			slices.Sort(v)
			c.Unnamed[k] = slices.Compact(v)
		}
		if a := c.Args; a != nil {
			for _, p := range []*[]uint64{&a.SocketFamilies, &a.Personality, &a.PrctlOptions, &a.IoctlRequests} {
				slices.Sort(*p)
				*p = slices.Compact(*p)
			}
			a.Incomplete = sortUnique(a.Incomplete)
		}
		if cp := c.Capabilities; cp != nil {
			cp.Granted, cp.Denied = sortUnique(cp.Granted), sortUnique(cp.Denied)
			if cp.Granted == nil {
				cp.Granted = []string{}
			}
			if cp.Denied == nil {
				cp.Denied = []string{}
			}
		}
	}
	sort.SliceStable(r.Containers, func(i, j int) bool {
		a, b := r.Containers[i], r.Containers[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

func sortUnique(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Marshal renders the recording as indented JSON (deterministic).
func (r *Recording) Marshal() ([]byte, error) {
	r.Sort()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteFile writes the recording to path (0644), replacing it atomically.
func (r *Recording) WriteFile(path string) error {
	b, err := r.Marshal()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write recording: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write recording: %w", err)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// ErrNotRecording says the input is not a recording (it may be a trace).
var ErrNotRecording = errors.New("not a ctrace recording")

// Parse reads a recording and checks it; every error is one line.
func Parse(data []byte) (*Recording, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRecording, firstLine(err.Error()))
	}
	if _, ok := probe["ctraceRecording"]; !ok {
		return nil, fmt.Errorf("%w: no \"ctraceRecording\" version field", ErrNotRecording)
	}
	var r Recording
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("malformed recording: %v", firstLine(err.Error()))
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks versions, ABIs and names.
func (r *Recording) Validate() error {
	if r.Format != FormatVersion {
		return fmt.Errorf("recording format version %d is not supported (this ctrace reads version %d)", r.Format, FormatVersion)
	}
	native := syscalls.Arch(r.Arch)
	if syscalls.MaxNr(native) < 0 {
		return fmt.Errorf("recording arch %q is not one ctrace knows (x86_64, arm64)", r.Arch)
	}
	abis := map[string]bool{string(native): true, string(syscalls.CompatArch(native)): true}
	if native == syscalls.X86_64 {
		abis["x32"] = true
	}
	for i := range r.Containers {
		c := &r.Containers[i]
		if c.ID == "" {
			return fmt.Errorf("malformed recording: container %d has no id", i+1)
		}
		for _, m := range []map[string][]string{c.Syscalls, c.BeforeFilter, c.Denied} {
			for abi, names := range m {
				if !abis[abi] {
					return fmt.Errorf("malformed recording: container %s: ABI %q does not belong to arch %s", c.Label(), abi, r.Arch)
				}
				for _, n := range names {
					if !nameRE.MatchString(n) {
						return fmt.Errorf("malformed recording: container %s: bad syscall name %q", c.Label(), n)
					}
				}
			}
		}
		for abi := range c.Unnamed {
			if !abis[abi] {
				return fmt.Errorf("malformed recording: container %s: ABI %q does not belong to arch %s", c.Label(), abi, r.Arch)
			}
		}
	}
	return nil
}

// ReadFile reads a recording or, when the file is not one, a `ctrace
// trace` JSON file (converted with FromTrace; warn receives its warnings).
// A trace is read as a stream, never whole: traces grow large.
func ReadFile(path string, warn func(string)) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	first, err := br.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	if looksLikeTrace(first) {
		return FromTrace(io.MultiReader(bytes.NewReader(first), br), path, string(syscalls.Native()), warn)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	data := append(first, rest...)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty: neither a recording nor a ctrace trace JSON file", path)
	}
	r, err := Parse(data)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, ErrNotRecording) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nil, fmt.Errorf("%s is neither a ctrace recording nor a ctrace trace JSON file", path)
}

// looksLikeTrace: the first line is a JSON object with an "event" field.
func looksLikeTrace(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	var ev struct {
		Event *string `json:"event"`
	}
	return json.Unmarshal(line, &ev) == nil && ev.Event != nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
