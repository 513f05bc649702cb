package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/filter"
)

func newListCmd(e *env) *cobra.Command {
	var sets []string
	var listSets bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the events ctrace can trace, with their sets and parameters",
		Example: `  ctrace list
  ctrace list --set net
  ctrace list --sets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			if listSets {
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SET\tDESCRIPTION")
				for _, s := range filter.SetNames(cat) {
					fmt.Fprintf(tw, "%s\t%s\n", s, events.SetDoc(s))
				}
				return tw.Flush()
			}
			want := map[string]bool{}
			for _, s := range sets {
				want[s] = true
			}
			known := filter.SetNames(cat)
			for s := range want {
				if !contains(known, s) {
					return fmt.Errorf("unknown event set %q (sets: %s)", s, strings.Join(known, ", "))
				}
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EVENT\tID\tSETS\tPARAMETERS")
			for _, d := range cat.All() {
				if len(want) > 0 && !anyIn(d.Sets, want) {
					continue
				}
				var ps []string
				for _, p := range d.Params {
					ps = append(ps, p.Type.String()+" "+p.Name)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", d.Name, d.ID, strings.Join(d.Sets, ","), strings.Join(ps, ", "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringSliceVarP(&sets, "set", "s", nil, "only events of these sets")
	cmd.Flags().BoolVar(&listSets, "sets", false, "list the event sets instead")
	return cmd
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func anyIn(xs []string, want map[string]bool) bool {
	for _, x := range xs {
		if want[x] {
			return true
		}
	}
	return false
}
