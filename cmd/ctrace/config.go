package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/config"
)

func newConfigCmd(e *env) *cobra.Command {
	var set, get, unset []string
	var list, path bool
	var help strings.Builder
	for _, k := range config.Keys() {
		fmt.Fprintf(&help, "  %-18s %s\n", k[0], k[1])
	}
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show or change persistent settings",
		Long:  "Show or change ctrace's persistent settings, kept in " + e.configPath + " ($CTRACE_CONFIG overrides).\n\nKeys:\n" + help.String(),
		Example: `  sudo ctrace config --set output-format=json
  sudo ctrace config --set events-path=~/ctrace_output/events.json
  sudo ctrace config --set errors-path=~/ctrace_output/error.json
  sudo ctrace config --list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.config()
			if err != nil {
				return err
			}
			for _, s := range set {
				if err := config.Set(&c, s); err != nil {
					return err
				}
			}
			for _, k := range unset {
				if err := config.Unset(&c, k); err != nil {
					return err
				}
			}
			if len(set)+len(unset) > 0 {
				if err := config.Save(e.configPath, c); err != nil {
					return err
				}
			}
			for _, k := range get {
				v, err := config.Get(&c, k)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, v)
			}
			if path {
				fmt.Fprintln(e.stdout, e.configPath)
			}
			if list || (len(set)+len(unset)+len(get) == 0 && !path) {
				for _, l := range config.List(&c) {
					fmt.Fprintln(e.stdout, l)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&set, "set", nil, "set key=value (repeatable)")
	cmd.Flags().StringArrayVar(&get, "get", nil, "print the value of a key")
	cmd.Flags().StringArrayVar(&unset, "unset", nil, "remove a key")
	cmd.Flags().BoolVar(&list, "list", false, "print all keys and values")
	cmd.Flags().BoolVar(&path, "path", false, "print the config file's path")
	return cmd
}
