// Command ctrace traces what containers do with eBPF and turns it into
// least-privilege profiles. This package only wires the CLI; the work is
// done in internal/.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/interrupt" // its init catches SIGINT/SIGTERM first thing
)

// version is set at build time (-X main.version=...).
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the exit code. Every error is printed as
// one line; there are no stack traces.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := interrupt.Context(context.Background())
	defer stop()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if err.Error() == "" { // a status without a message (seccomp diff --exit-code)
			return 1
		}
		fmt.Fprintf(stderr, "ctrace: %v\n", err)
		return 1
	}
	return 0
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ctrace",
		Short: "Trace what containers do with eBPF and derive least-privilege profiles",
		Long: `ctrace traces containers — ones already running and ones started later, from
their first syscall — and reports every syscall with its arguments and return
value, and process lifecycle events, each tagged with its container; and
records what each container uses to generate least-privilege seccomp
profiles and capability sets (ctrace seccomp).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.HiddenDefaultCmd = true
	env := newEnv(stdout, stderr)
	lsCmd := newLsCmd(env)
	root.AddCommand(newTraceCmd(env, newLsCmd(env)), lsCmd, newListCmd(env), newConfigCmd(env), newReportCmd(env))
	root.AddCommand(newSeccompCmd(env))
	root.AddCommand(newNetCmd(env), newVersionCmd(env))
	return root
}
