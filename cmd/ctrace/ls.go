package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/output"
)

type lsFlags struct {
	containers bool
	all        bool
	format     string
	runtimes   runtimeFlags
}

func newLsCmd(e *env) *cobra.Command {
	var f lsFlags
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List containers (like docker ps), from the runtimes' APIs",
		Long: `List containers from every container runtime API found: Docker, Podman
(its Docker-compatible socket), containerd and CRI-O (through CRI, with the
Kubernetes pod). Sockets are auto-detected at their usual paths; the
--*-socket flags and the config keys docker-socket, podman-socket,
containerd-socket and crio-socket override them ("none" turns one off).
Columns: id, name, image, runtime (engine/OCI runtime), state, created, init
pid, cgroup (in the hierarchy trace uses) and, for Kubernetes, the pod.
With no runtime reachable, containers are found from the cgroup hierarchy
with their ids only, and ls says so on standard error.
'ctrace trace ls -c' is the original tool's spelling of the same listing
(-c, --containers: list containers, the only thing ls lists).`,
		Example: "  sudo ctrace ls\n  sudo ctrace ls --all --output-format json\n  sudo ctrace ls --containerd-socket /run/containerd/containerd.sock\n  sudo ctrace trace ls -c",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !f.containers {
				return fmt.Errorf("ls lists containers; --containers=false leaves nothing to list")
			}
			return runLs(cmd.Context(), e, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.containers, "containers", "c", true, "list containers (the original tool's 'trace ls -c'; the default)")
	fl.BoolVarP(&f.all, "all", "a", false, "also list stopped containers (where the runtime keeps them)")
	fl.StringVarP(&f.format, "output-format", "o", "table", "table or json (a JSON array)")
	addRuntimeFlags(fl, &f.runtimes)
	cmd.RegisterFlagCompletionFunc("output-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// lsEntry is one listed container.
type lsEntry struct {
	containers.Info
	Cgroup string
	// FromCgroup: found in the cgroup hierarchy only (no runtime named it).
	FromCgroup bool
}

func runLs(ctx context.Context, e *env, f lsFlags) error {
	if f.format != "table" && f.format != "json" {
		return fmt.Errorf("--output-format %q: use table or json", f.format)
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	rts := openRuntimes(ctx, f.runtimes.specs(cfg), true, e.logf)
	defer rts.Close()
	if len(rts.failed) > 0 {
		return rts.failed[0]
	}

	var entries []lsEntry
	answered := map[string]bool{} // runtimes that listed
	for _, rc := range rts.clients {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		list, err := rc.client.List(lctx, f.all)
		cancel()
		if err != nil {
			if rc.spec.explicit {
				return fmt.Errorf("runtime %s at %s (%s): %v", rc.spec.name, rc.spec.socket, rc.spec.origin, err)
			}
			e.logf("runtime: %s at %s: %v", rc.spec.name, rc.spec.socket, err)
			continue
		}
		answered[rc.client.Name()] = true
		for _, in := range list {
			entries = append(entries, lsEntry{Info: in})
		}
	}

	cgroups, scanErr := scanContainerCgroups()
	byID := map[string]bool{}
	for i := range entries {
		entries[i].Cgroup = cgroups[entries[i].ID].path
		byID[entries[i].ID] = true
	}
	// Containers no runtime named: every one when no runtime answered,
	// else those of runtimes that have no answering client.
	var idsOnly int
	for id, cg := range cgroups {
		if byID[id] || len(answered) > 0 && (cg.runtime == "" || answered[cg.runtime]) {
			continue
		}
		entries = append(entries, lsEntry{Info: containers.Info{ID: id, Runtime: cg.runtime}, Cgroup: cg.path, FromCgroup: true})
		idsOnly++
	}
	switch {
	case len(answered) == 0 && scanErr != nil:
		return fmt.Errorf("no container runtime answered, and the cgroup hierarchy could not be read: %v", scanErr)
	case len(answered) == 0:
		e.logf("no container runtime API answered: %d containers found from cgroups, with ids only (use --docker-socket, --containerd-socket, … or ctrace config)", idsOnly)
	case idsOnly > 0:
		e.logf("%d containers found from cgroups have no reachable runtime API: listed with ids only", idsOnly)
	case scanErr != nil:
		e.logf("cgroups: %v (the CGROUP column is empty)", scanErr)
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if !a.Created.Equal(b.Created) {
			return a.Created.After(b.Created)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	if f.format == "json" {
		return writeLsJSON(e.stdout, entries)
	}
	return writeLsTable(e.stdout, entries)
}

type cgroupOf struct {
	path    string
	runtime string
}

// scanContainerCgroups maps container ids to their top cgroup path in the
// hierarchy trace would use (and, on hybrid hosts, the v1 one for
// containers absent from it).
func scanContainerCgroups() (map[string]cgroupOf, error) {
	out := map[string]cgroupOf{}
	var firstErr error
	for _, v := range []int{0, 1} {
		h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", v)
		if err != nil {
			if firstErr == nil && v == 0 {
				firstErr = err
			}
			continue
		}
		coll := containers.NewCollection(nil, nil)
		found, err := coll.Scan(h)
		coll.Close()
		if err != nil {
			if firstErr == nil && v == 0 {
				firstErr = err
			}
			continue
		}
		for _, c := range found {
			if prev, ok := out[c.Info.ID]; ok && (len(prev.path) <= len(c.CgroupPath) || v == 1) {
				continue
			}
			out[c.Info.ID] = cgroupOf{path: c.CgroupPath, runtime: c.Info.Runtime}
		}
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func writeLsTable(w io.Writer, entries []lsEntry) error {
	pods := false
	for _, en := range entries {
		pods = pods || en.Pod != nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	header := "CONTAINER ID\tNAME\tIMAGE\tRUNTIME\tSTATE\tCREATED\tPID\tCGROUP"
	if pods {
		header += "\tPOD"
	}
	fmt.Fprintln(tw, header)
	for _, en := range entries {
		created, pid := "", ""
		if !en.Created.IsZero() {
			created = en.Created.Local().Format("2006-01-02 15:04:05")
		}
		if en.PID > 0 {
			pid = fmt.Sprint(en.PID)
		}
		runtime := en.Runtime
		if en.OCIRuntime != "" {
			runtime += "/" + en.OCIRuntime
		}
		cols := []string{shortContainerID(en.ID), en.Name, en.Image, runtime, en.State, created, pid, en.Cgroup}
		if pods {
			p := ""
			if en.Pod != nil {
				p = en.Pod.Namespace + "/" + en.Pod.Name
			}
			cols = append(cols, p)
		}
		for i, c := range cols {
			if c == "" {
				c = "-"
			}
			cols[i] = term(c)
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

// lsJSON is the JSON form of a listed container; every field is always
// present with one type, except pod (only for a Kubernetes pod's
// container).
type lsJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Image      string            `json:"image"`
	Runtime    string            `json:"runtime"`
	OCIRuntime string            `json:"oci_runtime"`
	State      string            `json:"state"`
	Created    string            `json:"created"` // RFC 3339, "" when unknown
	PID        int               `json:"pid"`     // 0 when not running or unknown
	Cgroup     string            `json:"cgroup"`
	Labels     map[string]string `json:"labels"`
	IPs        []string          `json:"ips"`
	Mounts     []lsMount         `json:"mounts"`
	Pod        *lsPod            `json:"pod,omitempty"`
	Source     string            `json:"source"` // "runtime" or "cgroup" (ids only)
}

type lsMount struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	ReadOnly    bool   `json:"read_only"`
}

type lsPod struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
}

func writeLsJSON(w io.Writer, entries []lsEntry) error {
	out := make([]lsJSON, 0, len(entries))
	for _, en := range entries {
		j := lsJSON{
			ID: en.ID, Name: en.Name, Image: en.Image, Runtime: en.Runtime, OCIRuntime: en.OCIRuntime,
			State: en.State, PID: en.PID, Cgroup: en.Cgroup, Labels: en.Labels,
			IPs: []string{}, Mounts: []lsMount{}, Source: "runtime",
		}
		if en.FromCgroup {
			j.Source = "cgroup"
		}
		if j.Labels == nil {
			j.Labels = map[string]string{}
		}
		if !en.Created.IsZero() {
			j.Created = en.Created.UTC().Format(time.RFC3339Nano)
		}
		for _, a := range en.IPs {
			j.IPs = append(j.IPs, netip.Addr.String(a))
		}
		for _, m := range en.Mounts {
			j.Mounts = append(j.Mounts, lsMount{m.Type, m.Name, m.Source, m.Destination, m.ReadOnly})
		}
		if en.Pod != nil {
			j.Pod = &lsPod{en.Pod.Name, en.Pod.Namespace, en.Pod.UID}
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func shortContainerID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}

func term(s string) string { return string(output.AppendTerminal(nil, []byte(s))) }
