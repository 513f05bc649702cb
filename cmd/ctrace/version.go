package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/derive"
	"github.com/ctrace-dev/ctrace/internal/filesource"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

func newVersionCmd(e *env) *cobra.Command {
	var features bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version; with --features, which optional kernel hooks load here",
		Long: `Print ctrace's version. With --features (as root), load ctrace's programs
and try every optional hook once — the network tracepoints, the cgroup UDP
hooks, and the VFS/LSM file hooks as fentry, BPF LSM and kprobes — and list
whether each loaded, and where file events come from on this kernel.`,
		Example: `  ctrace version
  sudo ctrace version --features`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(e.stdout, "ctrace %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if !features {
				return nil
			}
			if os.Geteuid() != 0 {
				return fmt.Errorf("probing kernel hooks loads BPF programs: it needs CAP_BPF and CAP_PERFMON; run as root (sudo ctrace version --features)")
			}
			return printFeatures(e)
		},
	}
	cmd.Flags().BoolVar(&features, "features", false, "probe and list every optional kernel hook and whether it loads (root)")
	return cmd
}

func printFeatures(e *env) error {
	opts := tracer.DefaultOptions()
	opts.RingBufferBytes = 1 << 20
	f, err := tracer.Probe(opts)
	if err != nil {
		return err
	}
	var uts unix.Utsname
	release := "?"
	if unix.Uname(&uts) == nil {
		release = unix.ByteSliceToString(uts.Release[:])
	}
	fmt.Fprintf(e.stdout, "kernel %s\n\n", release)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOOK\tTYPE\tSTATUS")
	for _, h := range f.Hooks {
		status := "loaded"
		if h.Err != nil {
			status = "unavailable: " + h.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Name, h.Type, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	cat, err := e.catalog()
	if err != nil {
		return err
	}
	var always []string
	for _, d := range cat.All() {
		if _, hooked := filesource.Hooks[d.Name]; !hooked && derive.Derivable(d.ID) && strings.HasPrefix(d.Name, "file_") {
			always = append(always, d.Name)
		}
	}
	fmt.Fprintf(e.stdout, "\n%s\n", filesource.Summary(f.FileSources, always))
	return nil
}
