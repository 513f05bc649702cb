// Package filter selects events by event name, event set and process name.
// It is built from the event catalogue, so unknown names are caught with a
// suggestion. (Today it runs in user space; the kernel-side event bitmap and
// comm map of the roadmap will be filled from the same Filter.)
package filter

import (
	"errors"
	"sort"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/suggest"
)

// Spec is what the user asked for.
type Spec struct {
	Events, ExcludeEvents []string
	Sets, ExcludeSets     []string
	Comms, ExcludeComms   []string
}

// Filter is a compiled Spec.
type Filter struct {
	all          bool // no event or set selected: everything not excluded
	selected     map[string]bool
	excluded     map[string]bool
	selectedSets map[string]bool
	excludedSets map[string]bool
	comms        map[string]bool
	xcomms       map[string]bool
}

// New compiles spec against the catalogue.
func New(cat *events.Catalog, spec Spec) (*Filter, error) {
	f := &Filter{}
	known := setIndex(cat)
	var err error
	sets := func(names []string) map[string]bool {
		m := map[string]bool{}
		for _, n := range splitAll(names) {
			if _, ok := known[n]; !ok && err == nil {
				names := sortedKeys(known)
				err = errors.New(suggest.Unknown("event set", n, names, "sets: "+strings.Join(names, ", ")))
			}
			m[n] = true
		}
		return m
	}
	evs := func(names []string) map[string]bool {
		m := map[string]bool{}
		for _, n := range splitAll(names) {
			d, ok := cat.ByName(n)
			if ok {
				n = d.Name // an alias selects its event
			}
			if !ok && err == nil {
				err = errors.New(suggest.Unknown("event", n, cat.Names(), "ctrace list shows all events"))
			}
			m[n] = true
		}
		return m
	}
	f.selected, f.excluded = evs(spec.Events), evs(spec.ExcludeEvents)
	f.selectedSets, f.excludedSets = sets(spec.Sets), sets(spec.ExcludeSets)
	if err != nil {
		return nil, err
	}
	f.all = len(f.selected) == 0 && len(f.selectedSets) == 0
	f.comms = toSet(splitAll(spec.Comms))
	f.xcomms = toSet(splitAll(spec.ExcludeComms))
	return f, nil
}

// EventEnabled reports whether events of definition d are wanted at all,
// whatever their process: this part of the filter runs in the kernel.
func (f *Filter) EventEnabled(d *events.Def) bool {
	if f.excluded[d.Name] || anyIn(d.Sets, f.excludedSets) {
		return false
	}
	return (f.all && !d.OptIn) || f.selected[d.Name] || anyIn(d.Sets, f.selectedSets)
}

// Match reports whether ev passes the filter.
func (f *Filter) Match(ev *events.Event) bool {
	return f.EventEnabled(ev.Def) && f.MatchProcess(ev)
}

// ProcessFilter reports whether the filter selects by process (comm), the
// part MatchProcess checks.
func (f *Filter) ProcessFilter() bool { return len(f.comms) > 0 || len(f.xcomms) > 0 }

// MatchProcess reports whether ev's process passes the filter: the part of
// Match that is left once the kernel has selected the events (see
// EventEnabled).
func (f *Filter) MatchProcess(ev *events.Event) bool {
	if len(f.comms) > 0 && !f.comms[string(ev.Comm)] {
		return false
	}
	if len(f.xcomms) > 0 && f.xcomms[string(ev.Comm)] {
		return false
	}
	return true
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

func toSet(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
