package main

import (
	"context"
	"sort"
	"time"

	"github.com/spf13/cobra"
)

// completeContainers completes --container/--exclude-container with the
// names of the running containers (and "new" for --container), and
// --image/--exclude-image with their images, from the runtimes' APIs
// (default sockets and ctrace config; a runtime that does not answer
// within two seconds is left out).
func completeContainers(e *env, what string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		var out []string
		if what == "container" {
			out = append(out, "new")
		}
		cfg, err := e.config()
		if err != nil {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var none runtimeFlags
		rts := openRuntimes(ctx, none.specs(cfg), false, func(string, ...any) {})
		defer rts.Close()
		seen := map[string]bool{}
		var found []string
		for _, rc := range rts.clients {
			list, err := rc.client.List(ctx, false)
			if err != nil {
				continue
			}
			for _, in := range list {
				v := in.Name
				if what == "image" {
					v = in.Image
				}
				if v != "" && !seen[v] {
					seen[v] = true
					found = append(found, v)
				}
			}
		}
		sort.Strings(found)
		return append(out, found...), cobra.ShellCompDirectiveNoFileComp
	}
}
