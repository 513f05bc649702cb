// Package filter compiles the user's selection — events and event sets,
// process names, containers and images, process and user ids — against the
// event catalogue, checks that it can match something, and answers the
// questions the rest of ctrace asks of it: which events the kernel records
// (EventEnabled, RawEnabled), which tasks it records (Task: checked in the
// kernel before anything is copied), which containers are kept
// (KeepContainer: decided per container, then pushed into the kernel).
//
// The rule: includes of one kind are ORed, kinds are ANDed, excludes always
// win. The kinds are: events (--event and --set together), process names,
// containers (--container, including `new`), images, process ids, user ids.
package filter

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/suggest"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Rule states the selection rule (for --help and docs).
const Rule = `Includes of one kind are ORed (--event openat --event execve: either),
different kinds are ANDed (--set fs --comm bash: fs events of bash), and
excludes always win. The kinds: events (--event and --set together), process
names (--comm), containers (--container), images (--image), process ids
(--pid), user ids (--uid).`

// NewContainers is the --container value that selects the containers
// started after ctrace (whose cgroup appeared after the start-up scan).
const NewContainers = "new"

// Spec is what the user asked for. Every list accepts repeated flags and
// comma-separated values. Event and set names may be globs (`open*`).
type Spec struct {
	Events, ExcludeEvents []string
	Sets, ExcludeSets     []string
	Comms, ExcludeComms   []string
	// Containers, ExcludeContainers: name, full id, id prefix,
	// POD/CONTAINER or NAMESPACE/POD/CONTAINER (containers.Matches);
	// NewContainers in Containers.
	Containers, ExcludeContainers []string
	// Images, ExcludeImages: globs on the image reference (ImageMatches).
	Images, ExcludeImages []string
	// PIDs, ExcludePIDs: host process ids; descendants included.
	PIDs, ExcludePIDs []string
	// UIDs, ExcludeUIDs: numeric real user ids (initial user namespace).
	UIDs, ExcludeUIDs []string
}

// Filter is a compiled Spec.
type Filter struct {
	all          bool // no event or set selected: everything not excluded (and not opt-in)
	selected     map[string]bool
	excluded     map[string]bool
	selectedSets map[string]bool
	excludedSets map[string]bool

	// globs: each --event pattern with the events it matched (each must
	// leave one); the other selected events were named one by one.
	globs map[string][]string

	comms, xcomms  map[string]bool
	uids, xuids    map[uint32]bool
	pids, xpids    []uint32
	ctrs, xctrs    []string
	ctrNew         bool
	images, ximage []string
	empty          bool // the excludes leave no event (no include was given)
}

// Empty reports that the excludes leave no event to trace (a note, not an
// error: an include that can never match is an error).
func (f *Filter) Empty() bool { return f.empty }

// New compiles spec against the catalogue. Unknown names, malformed ids and
// a selection that can never match are one-line errors.
func New(cat *events.Catalog, spec Spec) (*Filter, error) {
	f := &Filter{}
	known := setIndex(cat)
	setNames := sortedKeys(known)
	var err error
	fail := func(e error) {
		if err == nil {
			err = e
		}
	}
	// expand checks names against candidates and expands globs (globs
	// records each pattern's matches when not nil).
	expand := func(flag string, in []string, valid func(string) (string, bool), candidates []string, what, hint string, globs map[string][]string) map[string]bool {
		m := map[string]bool{}
		for _, n := range splitAll(in) {
			if isGlob(n) {
				if _, e := path.Match(n, ""); e != nil {
					fail(fmt.Errorf("--%s %q: malformed pattern (%v)", flag, n, e))
					continue
				}
				hit := false
				for _, c := range candidates {
					if ok, _ := path.Match(n, c); ok {
						name, _ := valid(c)
						m[name] = true
						hit = true
						if globs != nil {
							globs[n] = append(globs[n], name)
						}
					}
				}
				if !hit {
					fail(fmt.Errorf("--%s %q: no %s matches the pattern (%s)", flag, n, what, hint))
				}
				continue
			}
			name, ok := valid(n)
			if !ok {
				fail(errors.New(suggest.Unknown(what, n, candidates, hint)))
				continue
			}
			m[name] = true
		}
		return m
	}
	eventName := func(n string) (string, bool) {
		d, ok := cat.ByName(n)
		if !ok {
			return n, false
		}
		return d.Name, true // an alias selects its event
	}
	setName := func(n string) (string, bool) { _, ok := known[n]; return n, ok }
	names, setHint := cat.Names(), "sets: "+strings.Join(setNames, ", ")
	f.globs = map[string][]string{}
	f.selected = expand("event", spec.Events, eventName, names, "event", "ctrace list shows all events", f.globs)
	f.excluded = expand("exclude-event", spec.ExcludeEvents, eventName, names, "event", "ctrace list shows all events", nil)
	f.selectedSets = expand("set", spec.Sets, setName, setNames, "event set", setHint, nil)
	f.excludedSets = expand("exclude-set", spec.ExcludeSets, setName, setNames, "event set", setHint, nil)
	if err != nil {
		return nil, err
	}
	f.all = len(f.selected) == 0 && len(f.selectedSets) == 0

	if f.comms, err = commSet("comm", spec.Comms); err != nil {
		return nil, err
	}
	if f.xcomms, err = commSet("exclude-comm", spec.ExcludeComms); err != nil {
		return nil, err
	}
	var pids, xpids, uids, xuids map[uint32]bool
	if pids, err = idSet("pid", spec.PIDs, 1, "a process id"); err != nil {
		return nil, err
	}
	if xpids, err = idSet("exclude-pid", spec.ExcludePIDs, 1, "a process id"); err != nil {
		return nil, err
	}
	if uids, err = idSet("uid", spec.UIDs, 0, "a numeric user id"); err != nil {
		return nil, err
	}
	if xuids, err = idSet("exclude-uid", spec.ExcludeUIDs, 0, "a numeric user id"); err != nil {
		return nil, err
	}
	f.pids, f.xpids, f.uids, f.xuids = sortedIDs(pids), sortedIDs(xpids), uids, xuids

	for _, c := range splitComma(spec.Containers) {
		if c == NewContainers {
			f.ctrNew = true
		} else if !contains(f.ctrs, c) {
			f.ctrs = append(f.ctrs, c)
		}
	}
	for _, c := range splitComma(spec.ExcludeContainers) {
		if c == NewContainers {
			return nil, fmt.Errorf("--exclude-container %s: to trace only the containers running now, name them with --container (%q only selects)", c, NewContainers)
		}
		if !contains(f.xctrs, c) {
			f.xctrs = append(f.xctrs, c)
		}
	}
	if f.images, err = patterns("image", spec.Images); err != nil {
		return nil, err
	}
	if f.ximage, err = patterns("exclude-image", spec.ExcludeImages); err != nil {
		return nil, err
	}
	if err := f.never(cat); err != nil {
		return nil, err
	}
	return f, nil
}

// never reports the parts of the filter that can never match: an event,
// set, name or id that is both included and excluded, or a selection that
// leaves nothing at all.
func (f *Filter) never(cat *events.Catalog) error {
	fromGlob := map[string]bool{}
	for _, ns := range f.globs {
		for _, n := range ns {
			fromGlob[n] = true
		}
	}
	for _, p := range sortedKeys(f.globs) {
		var whys []string
		for _, n := range f.globs[p] {
			d, _ := cat.ByName(n)
			why := f.whyNever(cat, d)
			if why == "" {
				whys = nil
				break
			}
			whys = append(whys, why)
		}
		if whys != nil {
			return fmt.Errorf("--event %s can never match: every event it matches is excluded (%s)", p, strings.Join(whys, "; "))
		}
	}
	for _, n := range sortedKeys(f.selected) {
		d, _ := cat.ByName(n)
		if why := f.whyNever(cat, d); why != "" && !fromGlob[n] {
			return fmt.Errorf("--event %s can never match: %s", n, why)
		}
	}
	all := cat.All()
	for _, s := range sortedKeys(f.selectedSets) {
		var whys []string
		left := false
		for i := range all {
			d := &all[i]
			if !contains(d.Sets, s) {
				continue
			}
			why := f.whyNever(cat, d)
			if why == "" {
				left = true
				break
			}
			if !contains(whys, why) {
				whys = append(whys, why)
			}
		}
		if !left {
			return fmt.Errorf("--set %s can never match: every event of the set is excluded (%s)", s, strings.Join(whys, "; "))
		}
	}
	anyEnabled := false
	for i := range all {
		if f.EventEnabled(&all[i]) && f.whyNever(cat, &all[i]) == "" {
			anyEnabled = true
			break
		}
	}
	// Excludes alone that leave no event are allowed (the kernel's cheapest
	// mode, which the benchmarks measure): Empty says so for a note.
	f.empty = !anyEnabled
	for c := range f.comms {
		if f.xcomms[c] {
			return fmt.Errorf("--comm %s can never match: --exclude-comm excludes it too", c)
		}
	}
	for _, p := range f.pids {
		if contains(f.xpids, p) {
			return fmt.Errorf("--pid %d can never match: --exclude-pid excludes it too", p)
		}
	}
	for u := range f.uids {
		if f.xuids[u] {
			return fmt.Errorf("--uid %d can never match: --exclude-uid excludes it too", u)
		}
	}
	for _, c := range f.ctrs {
		if contains(f.xctrs, c) {
			return fmt.Errorf("--container %s can never match: --exclude-container excludes it too", c)
		}
	}
	for _, p := range f.images {
		if contains(f.ximage, p) {
			return fmt.Errorf("--image %s can never match: --exclude-image excludes it too", p)
		}
	}
	return nil
}

// whyNever says which exclude removes d ("" when none does): an exclude of
// d, or, for the raw events, of every syscall.
func (f *Filter) whyNever(cat *events.Catalog, d *events.Def) string {
	if f.excluded[d.Name] {
		return "--exclude-event excludes " + d.Name
	}
	for _, s := range d.Sets {
		if f.excludedSets[s] {
			return fmt.Sprintf("%s is in set %s, which --exclude-set excludes", d.Name, s)
		}
	}
	if d.ID == events.IDSysEnter || d.ID == events.IDSysExit {
		return f.everySyscallExcluded(cat)
	}
	return ""
}

// everySyscallExcluded says why no syscall is left for the raw events ("" when some is).
func (f *Filter) everySyscallExcluded(cat *events.Catalog) string {
	for nr := range uint32(bpf.MaxSyscalls) {
		if !f.syscallExcluded(cat.Syscall(nr)) {
			return ""
		}
	}
	if !f.syscallExcluded(cat.Beyond()) {
		return ""
	}
	return "every syscall is excluded, and the raw events record only syscalls that are not"
}

// EventEnabled reports whether events of definition d are wanted at all,
// whatever their process: this part of the filter runs in the kernel.
func (f *Filter) EventEnabled(d *events.Def) bool {
	if f.excluded[d.Name] || anyIn(d.Sets, f.excludedSets) {
		return false
	}
	return (f.all && !d.OptIn) || f.selected[d.Name] || anyIn(d.Sets, f.selectedSets)
}

// syscallExcluded: an exclude names syscall sc (by name or by one of its sets).
func (f *Filter) syscallExcluded(sc *events.Def) bool {
	return f.excluded[sc.Name] || anyIn(sc.Sets, f.excludedSets)
}

// RawEnabled reports whether the raw event raw (sys_enter or sys_exit) is
// wanted for syscall sc. The raw events are selected like any event; a
// syscall-level exclude (--exclude-event SYSCALL, or --exclude-set of a set
// the syscall is in) also removes that syscall's raw events, while
// syscall-level includes never narrow them: `--event sys_enter
// --exclude-set fs` is the raw entry of every syscall but the fs set's.
func (f *Filter) RawEnabled(raw, sc *events.Def) bool {
	return f.EventEnabled(raw) && !f.syscallExcluded(sc)
}

// Match reports whether ev passes the filter (its event and its process;
// not its container: see KeepContainer).
func (f *Filter) Match(ev *events.Event) bool {
	return f.EventEnabled(ev.Def) && f.MatchProcess(ev)
}

// ProcessFilter reports whether MatchProcess can reject an event.
func (f *Filter) ProcessFilter() bool {
	return len(f.comms)+len(f.xcomms)+len(f.uids)+len(f.xuids) > 0
}

// MatchProcess checks the process name and user id an event's record
// carries. The kernel checks them as the syscall starts (Task); an event
// whose record shows another name or user (an execve writes the new
// program's name, a setuid the new user) is checked again here, so that
// every event printed shows a name and a user the filter selects. Process
// ids are checked in the kernel only (descendants are followed there).
func (f *Filter) MatchProcess(ev *events.Event) bool {
	if len(f.comms) > 0 && !f.comms[string(ev.Comm)] {
		return false
	}
	if len(f.xcomms) > 0 && f.xcomms[string(ev.Comm)] {
		return false
	}
	if len(f.uids) > 0 && !f.uids[ev.UID] {
		return false
	}
	if len(f.xuids) > 0 && f.xuids[ev.UID] {
		return false
	}
	return true
}

// Task returns the per-task part of the filter, which the kernel checks
// before anything of an event is copied.
func (f *Filter) Task() tracer.TaskFilter {
	return tracer.TaskFilter{
		Comms: sortedKeys(f.comms), ExcludeComms: sortedKeys(f.xcomms),
		PIDs: f.pids, ExcludePIDs: f.xpids,
		UIDs: sortedIDs(f.uids), ExcludeUIDs: sortedIDs(f.xuids),
		Containers: f.ContainerFilter(),
	}
}

// PIDs returns the process ids given (included, excluded).
func (f *Filter) PIDs() (in, out []uint32) { return f.pids, f.xpids }

// ContainerFilter reports whether containers are selected (KeepContainer
// can say no).
func (f *Filter) ContainerFilter() bool {
	return f.ctrNew || len(f.ctrs)+len(f.xctrs)+len(f.images)+len(f.ximage) > 0
}

// KeepContainer decides whether a container's events are wanted: its
// runtime identity (name, id, image, pod) and whether it is new (its cgroup
// appeared after ctrace started). Asked once the container is named.
func (f *Filter) KeepContainer(info containers.Info, isNew bool) bool {
	for _, r := range f.xctrs {
		if containers.Matches(r, info) {
			return false
		}
	}
	for _, p := range f.ximage {
		if ImageMatches(p, info.Image) {
			return false
		}
	}
	if f.ctrNew || len(f.ctrs) > 0 {
		in := f.ctrNew && isNew
		for _, r := range f.ctrs {
			in = in || containers.Matches(r, info)
		}
		if !in {
			return false
		}
	}
	if len(f.images) > 0 {
		in := false
		for _, p := range f.images {
			in = in || ImageMatches(p, info.Image)
		}
		if !in {
			return false
		}
	}
	return true
}

// ImageMatches reports whether glob pattern (path.Match syntax) matches an
// image reference: the whole reference, the reference without its tag or
// digest, or its last path component with or without them. So `nginx`,
// `nginx:1.27`, `library/nginx*` and `docker.io/library/nginx:*` all match
// docker.io/library/nginx:1.27.
func ImageMatches(pattern, image string) bool {
	if image == "" {
		return false
	}
	repo := image
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	forms := []string{image, repo, image[strings.LastIndexByte(image, '/')+1:], repo[strings.LastIndexByte(repo, '/')+1:]}
	for _, s := range forms {
		if ok, _ := path.Match(pattern, s); ok {
			return true
		}
	}
	return false
}

// ContainerNotes checks the container and image filters against the
// containers running now and returns one line per filter that matches none
// (with the nearest names) or whose id prefix matches several. These are
// notes, not errors: a container may start later with that name.
func (f *Filter) ContainerNotes(running []containers.Info) []string {
	var notes []string
	var names, images []string
	for _, in := range running {
		if in.Name != "" {
			names = append(names, in.Name)
		}
		if in.Pod != nil {
			names = append(names, in.Pod.Name+"/"+in.Name)
		}
		if in.Image != "" && !contains(images, in.Image) {
			images = append(images, in.Image)
		}
	}
	sort.Strings(names)
	sort.Strings(images)
	for _, g := range []struct {
		flag, verb string
		refs       []string
	}{{"container", "selected", f.ctrs}, {"exclude-container", "excluded", f.xctrs}} {
		for _, r := range g.refs {
			var hit []containers.Info
			for _, in := range running {
				if containers.Matches(r, in) && !containsInfo(hit, in.ID) {
					hit = append(hit, in)
				}
			}
			switch {
			case len(hit) == 0:
				n := fmt.Sprintf("--%s %s: no running container matches it yet; one started later with this name or id is %s from its first syscall", g.flag, r, g.verb)
				if p := suggest.Phrase(suggest.Nearest(r, names, 3)); p != "" {
					n += " (" + p + ")"
				}
				notes = append(notes, n)
			case len(hit) > 1 && !exactRef(r, hit):
				var ids []string
				for _, in := range hit {
					ids = append(ids, shortID(in.ID)+" ("+in.Name+")")
				}
				notes = append(notes, fmt.Sprintf("--%s %s: the id prefix matches %d containers, all %s: %s", g.flag, r, len(hit), g.verb, strings.Join(ids, ", ")))
			}
		}
	}
	for _, g := range []struct {
		flag, verb string
		pats       []string
	}{{"image", "selected", f.images}, {"exclude-image", "excluded", f.ximage}} {
		for _, p := range g.pats {
			hit := false
			for _, in := range running {
				hit = hit || ImageMatches(p, in.Image)
			}
			if !hit {
				n := fmt.Sprintf("--%s %s: no running container's image matches it yet; containers started later from a matching image are %s", g.flag, p, g.verb)
				if s := suggest.Phrase(suggest.Nearest(p, images, 3)); s != "" {
					n += " (" + s + ")"
				}
				notes = append(notes, n)
			}
		}
	}
	return notes
}

// exactRef: ref names one of infos exactly (name, full id, pod form), so
// that other matches by id prefix are not worth a note.
func exactRef(ref string, infos []containers.Info) bool {
	for _, in := range infos {
		if ref == in.Name || ref == in.ID {
			return true
		}
	}
	return false
}

func containsInfo(infos []containers.Info, id string) bool {
	for _, in := range infos {
		if in.ID == id {
			return true
		}
	}
	return false
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// patterns checks glob patterns (path.Match syntax).
func patterns(flag string, in []string) ([]string, error) {
	var out []string
	for _, p := range splitComma(in) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("--%s %q: malformed pattern (%v)", flag, p, err)
		}
		if !contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// commSet checks process names: the kernel keeps at most 15 bytes.
func commSet(flag string, in []string) (map[string]bool, error) {
	m := map[string]bool{}
	for _, c := range splitAll(in) {
		if len(c) >= bpf.CommLen {
			return nil, fmt.Errorf("--%s %s: process names are at most %d bytes in the kernel (ps shows them so): use %q", flag, c, bpf.CommLen-1, c[:bpf.CommLen-1])
		}
		m[c] = true
	}
	return m, nil
}

// idSet parses decimal ids of at least least.
func idSet(flag string, in []string, least uint64, what string) (map[uint32]bool, error) {
	m := map[uint32]bool{}
	for _, s := range splitAll(in) {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil || v < least || v == 1<<32-1 {
			return nil, fmt.Errorf("--%s %q: not %s", flag, s, what)
		}
		m[uint32(v)] = true
	}
	return m, nil
}

func sortedIDs(m map[uint32]bool) []uint32 {
	out := make([]uint32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	if len(out) == 0 {
		return nil
	}
	return out
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func anyIn(xs []string, m map[string]bool) bool {
	for _, x := range xs {
		if m[x] {
			return true
		}
	}
	return false
}

// setIndex maps each set name to its events.
func setIndex(cat *events.Catalog) map[string][]*events.Def {
	idx := map[string][]*events.Def{}
	all := cat.All()
	for i := range all {
		for _, s := range all[i].Sets {
			idx[s] = append(idx[s], &all[i])
		}
	}
	return idx
}

// SetNames returns the names of all event sets.
func SetNames(cat *events.Catalog) []string { return sortedKeys(setIndex(cat)) }

// splitAll accepts repeated flags and comma- or slash-separated lists
// ("fs,net" and the original tool's "fs/net/proc").
func splitAll(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '/' }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// splitComma accepts repeated flags and comma-separated lists (container
// references and images hold slashes).
func splitComma(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return nil
	}
	return keys
}
