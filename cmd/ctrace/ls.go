package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/containers/docker"
	"github.com/ctrace-dev/ctrace/internal/output"
)

func newLsCmd(e *env) *cobra.Command {
	var containersFlag bool
	var dockerSocket, podmanSocket string
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List running containers (like docker ps), from the runtimes' APIs",
		Long: `List running containers from every runtime API socket found (Docker, Podman).
Without any runtime socket, containers are found from the cgroup hierarchy
(ids only).`,
		Example: "  sudo ctrace ls\n  sudo ctrace trace ls -c",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLs(cmd.Context(), e, e.runtimeClients(dockerSocket, podmanSocket))
		},
	}
	cmd.Flags().BoolVarP(&containersFlag, "containers", "c", true, "list containers (kept for the original 'trace ls -c')")
	cmd.Flags().StringVar(&dockerSocket, "docker-socket", docker.DefaultSocket, "Docker Engine API socket")
	cmd.Flags().StringVar(&podmanSocket, "podman-socket", docker.PodmanSocket, "Podman's Docker-compatible API socket")
	return cmd
}

func runLs(ctx context.Context, e *env, clients []containers.Client) error {
	var infos []containers.Info
	var errs []error
	for _, c := range clients {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := c.List(ctx)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		infos = append(infos, list...)
	}
	if len(clients) == 0 || len(errs) == len(clients) {
		for _, err := range errs {
			e.logf("%v", err)
		}
		found, err := scanCgroups()
		if err != nil {
			return err
		}
		infos = found
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Created.After(infos[j].Created) })
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tIMAGE\tRUNTIME\tPID\tSTATUS\tCREATED")
	for _, in := range infos {
		id := in.ID
		if len(id) > 12 {
			id = id[:12]
		}
		created := ""
		if !in.Created.IsZero() {
			created = in.Created.Local().Format("2006-01-02 15:04:05")
		}
		runtime := in.Runtime
		if in.OCIRuntime != "" {
			runtime += "/" + in.OCIRuntime
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", term(id), term(in.Name), term(in.Image), term(runtime), in.PID, term(in.State), created)
	}
	return tw.Flush()
}

// scanCgroups finds containers from the cgroup hierarchy alone.
func scanCgroups() ([]containers.Info, error) {
	h, err := containers.DetectHierarchy("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	coll := containers.NewCollection(nil, nil)
	found, err := coll.Scan(h)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var infos []containers.Info
	for _, c := range found {
		if !seen[c.Info.ID] {
			seen[c.Info.ID] = true
			infos = append(infos, c.Info)
		}
	}
	return infos, nil
}

func term(s string) string { return string(output.AppendTerminal(nil, []byte(s))) }
