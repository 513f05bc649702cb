package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/netgraph"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/session"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

type netFlags struct {
	from     string
	graph    string
	duration time.Duration
	cgroup   string
	runtimes runtimeFlags
}

func newNetCmd(e *env) *cobra.Command {
	var f netFlags
	cmd := &cobra.Command{
		Use:   "net [FILE]",
		Short: "Show who talks to whom: connections between containers, live or from a trace file",
		Long: `Fold network events into edges — client, server, port, protocol, connections,
failed connects and bytes — and print them as a table, or as a graph with
--graph: dot (Graphviz), mermaid, or svg (a picture drawn by ctrace itself;
no Graphviz needed). Graphs go to FILE if given, else to standard output;
svg needs FILE.

Live (as root), ctrace traces the connection events (set net_conn) of all
containers until Ctrl-C or --duration. With --from it reads the events of
'ctrace trace --output-format json' (other events are skipped; - is standard
input). A connection between two traced containers is counted once, from
the client's side; loopback inside one container is marked as such.`,
		Example: `  sudo ctrace net --duration 30s
  sudo ctrace trace -o json --set net > events.json; ctrace net --from events.json
  ctrace net --from events.json --graph dot | dot -Tpng > net.png
  ctrace net --from events.json --graph svg net.svg`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := ""
			if len(args) == 1 {
				out = args[0]
			}
			return runNet(cmd.Context(), e, f, out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "read events from this JSON-lines trace file (- for standard input) instead of tracing")
	fl.StringVar(&f.graph, "graph", "", "print a graph instead of the table: dot, mermaid or svg (svg needs FILE)")
	fl.DurationVar(&f.duration, "duration", 0, "live: stop after this long (default: until Ctrl-C)")
	fl.StringVar(&f.cgroup, "cgroup", "auto", "live: cgroup hierarchy that identifies containers: auto, v2 or v1")
	addRuntimeFlags(fl, &f.runtimes)
	cmd.RegisterFlagCompletionFunc("graph", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"dot", "mermaid", "svg"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runNet(ctx context.Context, e *env, f netFlags, outPath string) error {
	render := map[string]func(*netgraph.Graph, io.Writer) error{
		"":        (*netgraph.Graph).WriteTable,
		"dot":     (*netgraph.Graph).WriteDOT,
		"mermaid": (*netgraph.Graph).WriteMermaid,
		"svg":     (*netgraph.Graph).WriteSVG,
	}[f.graph]
	if render == nil {
		return fmt.Errorf("--graph %q: use dot, mermaid or svg", f.graph)
	}
	if f.graph == "svg" && outPath == "" {
		return fmt.Errorf("--graph svg needs an output file: ctrace net --graph svg FILE")
	}
	if f.graph == "" && outPath != "" {
		return fmt.Errorf("FILE is for --graph output; the table goes to standard output")
	}
	if f.duration < 0 {
		return fmt.Errorf("--duration must not be negative")
	}
	g := netgraph.New()
	if f.from != "" {
		if err := readEvents(g, f.from, e); err != nil {
			return err
		}
	} else if err := traceNet(ctx, e, f, g); err != nil {
		return err
	}
	if outPath == "" {
		return render(g, e.stdout)
	}
	file, err := os.Create(outPath)
	if err != nil {
		return fmt.Errorf("output %s: %w", outPath, err)
	}
	if err := render(g, file); err != nil {
		file.Close()
		return fmt.Errorf("output %s: %w", outPath, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("output %s: %w", outPath, err)
	}
	return nil
}

func readEvents(g *netgraph.Graph, path string, e *env) error {
	var r io.Reader = os.Stdin
	name := "standard input"
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("--from: %w", err)
		}
		defer file.Close()
		r, name = file, path
	}
	return g.ReadEvents(r, name)
}

// graphPrinter feeds live events to the graph through their JSON form, so
// that live and replayed traces are folded by the same code.
type graphPrinter struct {
	g   *netgraph.Graph
	buf []byte
}

func (p *graphPrinter) Write(ev *events.Event, c *containers.Container) error {
	p.buf = output.AppendJSON(p.buf[:0], ev, output.AppendContainerJSON(nil, c))
	return p.g.AddJSON(p.buf)
}

func (p *graphPrinter) Flush() error { return nil }

func traceNet(ctx context.Context, e *env, f netFlags, g *netgraph.Graph) error {
	cat, err := e.catalog()
	if err != nil {
		return err
	}
	flt, err := filter.New(cat, filter.Spec{Sets: []string{events.SetNetConn}})
	if err != nil {
		return err
	}
	version, err := cgroupVersion(f.cgroup)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("tracing needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: run as root (sudo ctrace net), or read a trace with --from")
	}
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", version)
	if err != nil {
		return err
	}
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	rts := openRuntimes(ctx, f.runtimes.specs(cfg), false, e.logf)
	defer rts.Close()
	clients := rts.list()
	// Asynchronous resolution, as in trace: the session holds a new
	// container's records until it is named.
	coll := containers.NewCollection(clients, e.logf, containers.WithAsync())
	defer coll.Close()
	coll.Watch() // names containers from the runtimes' event streams
	opts := tracer.DefaultOptions()
	opts.RingBufferBytes = 8 << 20
	sum, err := session.Run(ctx, session.Config{
		Catalog:    cat,
		Containers: coll,
		Hierarchy:  h,
		Filter:     flt,
		Printer:    &graphPrinter{g: g},
		TracerOpts: opts,
		NetFile:    netFileConfig(traceFlags{udpInterval: 10 * time.Second}, clients),
		Logf:       e.logf,
		OnReady: func(r session.Ready) {
			e.logf("ready: watching connections of %d running containers and any started from now on; Ctrl-C to stop", r.Containers)
		},
	})
	if err != nil {
		return err
	}
	e.logf("events: %d, lost: %d", sum.Events, sum.Lost())
	return nil
}
