package filter

import (
	"strings"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

func ev(cat *events.Catalog, name, comm string) *events.Event {
	d, ok := cat.ByName(name)
	if !ok {
		panic(name)
	}
	return &events.Event{Def: d, Comm: []byte(comm)}
}

func TestFilter(t *testing.T) {
	cat := events.NewCatalog(syscalls.X86_64)
	cases := []struct {
		spec Spec
		pass []string // event/comm pairs that pass
		drop []string
	}{
		{Spec{}, []string{"openat/cat", "execve/sh"}, nil},
		{Spec{Events: []string{"openat,execve"}}, []string{"openat/cat", "execve/sh"}, []string{"read/cat"}},
		{Spec{ExcludeEvents: []string{"read"}}, []string{"openat/cat"}, []string{"read/cat"}},
		{Spec{Sets: []string{"proc_life"}}, []string{"sched_process_exec/cat"}, []string{"openat/cat"}},
		{Spec{Sets: []string{"proc_life"}, ExcludeEvents: []string{"sched_process_fork"}}, []string{"sched_process_exec/cat"}, []string{"sched_process_fork/sh"}},
		{Spec{Comms: []string{"bash/cat"}}, []string{"openat/cat", "read/bash"}, []string{"openat/sh"}},
		{Spec{ExcludeComms: []string{"sh"}}, []string{"openat/cat"}, []string{"openat/sh"}},
	}
	for i, c := range cases {
		f, err := New(cat, c.spec)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		for _, p := range c.pass {
			name, comm, _ := strings.Cut(p, "/")
			if !f.Match(ev(cat, name, comm)) {
				t.Errorf("case %d: %s dropped", i, p)
			}
		}
		for _, p := range c.drop {
			name, comm, _ := strings.Cut(p, "/")
			if f.Match(ev(cat, name, comm)) {
				t.Errorf("case %d: %s passed", i, p)
			}
		}
	}
}

func TestUnknownNames(t *testing.T) {
	cat := events.NewCatalog(syscalls.X86_64)
	_, err := New(cat, Spec{Events: []string{"opnat"}})
	if err == nil || !strings.Contains(err.Error(), `did you mean "openat"`) {
		t.Errorf("unknown event: %v", err)
	}
	_, err = New(cat, Spec{ExcludeSets: []string{"nosuchset"}})
	if err == nil || !strings.Contains(err.Error(), "unknown event set") {
		t.Errorf("unknown set: %v", err)
	}
	_, err = New(cat, Spec{Sets: []string{"nett"}})
	if err == nil || !strings.HasPrefix(err.Error(), `unknown event set "nett": did you mean "net"`) {
		t.Errorf("misspelt set: %v", err)
	}
}
