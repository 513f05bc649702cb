package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/report"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

func newReportCmd(e *env) *cobra.Command {
	var format, container string
	var top int
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Summarise a JSON trace file per container: syscalls, files, programs, network peers, errors",
		Long: `Summarise a trace written by 'ctrace trace --output-format json' (events-path,
or standard output saved to a file). For each container: its syscalls by
count, the files it touched, the programs it executed, its network peers and
its failed syscalls by errno. A partial last line (left by a killed trace) is
skipped with a warning; a malformed line elsewhere is an error.`,
		Example: `  ctrace report ~/ctrace_output/events.json
  ctrace report --top 0 --output-format json events.json | jq '.containers[0].syscalls'
  ctrace report --container web events.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := output.ParseFormat(format)
			if err != nil {
				return err
			}
			if top < 0 {
				return fmt.Errorf("--top %d: give 0 (everything) or more", top)
			}
			path := args[0]
			file, err := os.Open(path)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			defer file.Close()
			warn := func(w tracefile.Warning) { e.logf("warning: %s: %s", path, w) }
			rep, err := report.Build(file, path, report.Options{Top: top, Container: container}, warn)
			if err != nil {
				return err
			}
			if f == output.FormatJSON {
				return rep.WriteJSON(e.stdout)
			}
			return rep.WriteText(e.stdout)
		},
	}
	cmd.Flags().StringVarP(&format, "output-format", "o", "table", "table or json")
	cmd.Flags().IntVar(&top, "top", 10, "longest list per section (0: all)")
	cmd.Flags().StringVar(&container, "container", "", "only this container (name, or id of at least 4 characters)")
	return cmd
}
