package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/containers/docker"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/session"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

type traceFlags struct {
	format       string
	filter       filter.Spec
	bufferMiB    int
	dataBytes    int
	cpuProfile   string
	cgroup       string
	dockerSocket string
	podmanSocket string
}

func newTraceCmd(e *env, ls *cobra.Command) *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Trace all containers (running and new) until Ctrl-C",
		Long: `Trace every container on this host — those already running and those started
later, from their first syscall. Prints one line (table) or one JSON object
(--output-format json) per event to standard output, or to the events-path of
'ctrace config'. Prints "ready" on standard error once tracing, and a summary
(events written, events lost) when stopped with SIGINT or SIGTERM.`,
		Example: `  sudo ctrace trace
  sudo ctrace trace --output-format json
  sudo ctrace trace --event openat,execve
  sudo ctrace trace --exclude-event openat --comm sh
  sudo ctrace trace ls -c`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTrace(cmd, e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "output-format", "o", "", "output format: table or json (default: config output-format, else table)")
	fl.StringSliceVarP(&f.filter.Events, "event", "e", nil, "trace only these events (repeat or comma-separate)")
	fl.StringSliceVar(&f.filter.ExcludeEvents, "exclude-event", nil, "do not trace these events")
	fl.StringSliceVarP(&f.filter.Sets, "set", "s", nil, "trace only events of these sets (see 'ctrace list')")
	fl.StringSliceVar(&f.filter.ExcludeSets, "exclude-set", nil, "do not trace events of these sets")
	fl.StringSliceVarP(&f.filter.Comms, "comm", "c", nil, "trace only processes with these names")
	fl.StringSliceVar(&f.filter.ExcludeComms, "exclude-comm", nil, "do not trace processes with these names")
	fl.IntVar(&f.bufferMiB, "buffer-size", 32, "kernel ring buffer size in MiB (a power of two)")
	fl.IntVar(&f.dataBytes, "capture-data", 0, "capture up to N bytes (max 256) of read/write/send/recv data buffers; off by default: data may be secret")
	fl.StringVar(&f.dockerSocket, "docker-socket", docker.DefaultSocket, "Docker Engine API socket")
	fl.StringVar(&f.podmanSocket, "podman-socket", docker.PodmanSocket, "Podman's Docker-compatible API socket")
	fl.StringVar(&f.cgroup, "cgroup", "auto", "cgroup hierarchy that identifies containers: auto (v2 when mounted), v2, or v1 (hybrid hosts whose runtime leaves the unified tree empty)")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of ctrace itself to this file (for performance reports)")
	fl.MarkHidden("cpuprofile")
	registerCompletions(cmd, e)
	cmd.AddCommand(ls)
	return cmd
}

// registerCompletions completes event and set names from the catalogue.
func registerCompletions(cmd *cobra.Command, e *env) {
	events := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cat, err := e.catalog()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return cat.Names(), cobra.ShellCompDirectiveNoFileComp
	}
	sets := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cat, err := e.catalog()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return filter.SetNames(cat), cobra.ShellCompDirectiveNoFileComp
	}
	formats := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, f := range output.Formats {
			out = append(out, string(f))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	for flag, fn := range map[string]cobra.CompletionFunc{"event": events, "exclude-event": events, "set": sets, "exclude-set": sets, "output-format": formats} {
		cmd.RegisterFlagCompletionFunc(flag, fn)
	}
}

func runTrace(cmd *cobra.Command, e *env, f traceFlags) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	format := f.format
	if format == "" {
		format = cfg.OutputFormat
	}
	if format == "" {
		format = string(output.FormatTable)
	}
	fmtv, err := output.ParseFormat(format)
	if err != nil {
		return err
	}
	cat, err := e.catalog()
	if err != nil {
		return err
	}
	flt, err := filter.New(cat, f.filter)
	if err != nil {
		return err
	}
	if f.bufferMiB <= 0 || f.bufferMiB&(f.bufferMiB-1) != 0 {
		return fmt.Errorf("--buffer-size %d: must be a power of two (MiB)", f.bufferMiB)
	}
	cgroupVersion, ok := map[string]int{"auto": 0, "v1": 1, "v2": 2}[f.cgroup]
	if !ok {
		return fmt.Errorf("--cgroup %q: use auto, v1 or v2", f.cgroup)
	}
	if f.dataBytes < 0 || f.dataBytes > 256 {
		return fmt.Errorf("--capture-data %d: must be between 0 and 256 bytes", f.dataBytes)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("tracing needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (to read other processes' cgroups): run as root (sudo ctrace trace)")
	}
	out := e.stdout
	if cfg.EventsPath != "" {
		file, err := openOutput(cfg.EventsPath)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	logf := e.logf
	if cfg.ErrorsPath != "" {
		file, err := openOutput(cfg.ErrorsPath)
		if err != nil {
			return err
		}
		defer file.Close()
		logf = func(format string, args ...any) { fmt.Fprintf(file, format+"\n", args...) }
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", cgroupVersion)
	if err != nil {
		return err
	}
	opts := tracer.DefaultOptions()
	opts.RingBufferBytes = f.bufferMiB << 20
	coll := containers.NewCollection(e.runtimeClients(f.dockerSocket, f.podmanSocket), logf)
	sum, err := session.Run(cmd.Context(), session.Config{
		Catalog:    cat,
		Containers: coll,
		Hierarchy:  h,
		Filter:     flt,
		Printer:    output.New(fmtv, out),
		TracerOpts: opts,
		Capture:    events.CaptureOptions{BufferBytes: f.dataBytes},
		Logf:       logf,
		OnReady: func(r session.Ready) {
			skipped := ""
			if len(r.Skipped) > 0 {
				var names []string
				for n := range r.Skipped {
					names = append(names, n)
				}
				skipped = fmt.Sprintf(" (optional hooks unavailable: %s)", strings.Join(names, ", "))
			}
			e.logf("ready: tracing %d running containers and any started from now on, cgroup v%d%s; Ctrl-C to stop", r.Containers, h.Version, skipped)
		},
	})
	if err != nil {
		return err
	}
	e.logf("events: %d, lost: %d (ring buffer full: %d, in-flight syscall table full: %d, undecodable: %d, hold queue full: %d); exec arguments truncated: %d; filtered out: %d",
		sum.Events, sum.Lost(), sum.Kernel.LostRingbuf, sum.Kernel.LostPending, sum.DecodeErrors, sum.HoldDropped, sum.Kernel.ExecTruncated, sum.Filtered)
	return nil
}

// openOutput opens an output file for appending (never truncating what an
// earlier run wrote), creating it 0600 with its directory.
func openOutput(path string) (*os.File, error) {
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	return f, nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		return path[:i]
	}
	return "."
}
