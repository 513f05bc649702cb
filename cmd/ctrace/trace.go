package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/diag"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/session"
	"github.com/ctrace-dev/ctrace/internal/status"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

type traceFlags struct {
	// What to trace.
	filter      filter.Spec
	dataBytes   int
	aggregate   time.Duration // file events (issue 9)
	udpInterval time.Duration // network events (issue 9)
	// How: kernel buffer, cgroup hierarchy, runtime API sockets.
	bufferMiB    int
	cgroup       string
	runtimeFlags runtimeFlags
	// Where the output goes.
	format    string
	overwrite bool
	quiet     bool
	// For performance reports (hidden).
	cpuProfile string
}

// maxBufferMiB is the largest ring buffer the kernel takes (its size is a
// 32-bit power of two).
const maxBufferMiB = 2048

func newTraceCmd(e *env, ls *cobra.Command) *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Trace all containers (running and new) until Ctrl-C",
		Long: `Trace every container on this host — those already running and those started
later, from their first syscall. Prints one line (table) or one JSON object
(--output-format json) per event to standard output, or to the events-path of
'ctrace config' (appended to; --overwrite replaces it). Prints "ready" on
standard error once tracing, a live status while events go to a file (not
with --quiet), and a summary (events written, events lost) when stopped with
SIGINT or SIGTERM. ctrace's own errors and notices (lost events, runtime API
failures, skipped hooks) go to errors-path as JSON lines, or to standard
error when it is not set (docs/errors.md).

Selection. ` + filter.Rule + `
Event and set names take globs ('open*'). sys_enter and sys_exit are the
raw syscall events (name and six raw arguments; name and return value):
selected by name or by their set raw_syscalls, they cover every syscall
that no --exclude-event/--exclude-set removes. --container takes a name, an
id, an id prefix or POD/CONTAINER, or "new" for the containers started
after ctrace; a name no running container has yet is a note, not an error:
a container started later under it is traced from its first syscall.
--pid includes the process's descendants (running ones and children forked
later); pids and uids are the host's, as events show them. Process names,
pids and uids are checked in the kernel when a syscall starts (names again
on the event: an execve shows the new program's name); containers are
decided once their runtime names them. A filter that can never match is an
error that says why.`,
		Example: `  sudo ctrace trace
  sudo ctrace trace --output-format json
  sudo ctrace trace --event openat,execve
  sudo ctrace trace --event 'open*' --exclude-event openat2
  sudo ctrace trace --set fs --exclude-event read
  sudo ctrace trace --event sys_enter --exclude-set fs
  sudo ctrace trace --exclude-set fs --comm bash
  sudo ctrace trace --container web --container db
  sudo ctrace trace --container new --image 'nginx*'
  sudo ctrace trace --pid 4242 --exclude-comm sleep
  sudo ctrace trace ls -c`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTrace(cmd, e, f)
		},
	}
	fl := cmd.Flags()
	// What to trace.
	fl.StringSliceVarP(&f.filter.Events, "event", "e", nil, "trace only these events (repeat or comma-separate)")
	fl.StringSliceVar(&f.filter.ExcludeEvents, "exclude-event", nil, "do not trace these events")
	fl.StringSliceVarP(&f.filter.Sets, "set", "s", nil, "trace only events of these sets (see 'ctrace list')")
	fl.StringSliceVar(&f.filter.ExcludeSets, "exclude-set", nil, "do not trace events of these sets")
	fl.StringSliceVarP(&f.filter.Comms, "comm", "c", nil, "trace only processes with these names")
	fl.StringSliceVar(&f.filter.ExcludeComms, "exclude-comm", nil, "do not trace processes with these names")
	fl.StringSliceVar(&f.filter.Containers, "container", nil, `trace only these containers: name, id, id prefix, POD/CONTAINER, or "new" (started after ctrace)`)
	fl.StringSliceVar(&f.filter.ExcludeContainers, "exclude-container", nil, "do not trace these containers (name, id, id prefix, POD/CONTAINER)")
	fl.StringSliceVar(&f.filter.Images, "image", nil, "trace only containers whose image matches these globs ('nginx*', 'docker.io/library/redis:7')")
	fl.StringSliceVar(&f.filter.ExcludeImages, "exclude-image", nil, "do not trace containers whose image matches these globs")
	fl.StringSliceVar(&f.filter.PIDs, "pid", nil, "trace only these processes (host pids) and their descendants")
	fl.StringSliceVar(&f.filter.ExcludePIDs, "exclude-pid", nil, "do not trace these processes (host pids) and their descendants")
	fl.StringSliceVar(&f.filter.UIDs, "uid", nil, "trace only processes of these user ids (numeric, as events show them)")
	fl.StringSliceVar(&f.filter.ExcludeUIDs, "exclude-uid", nil, "do not trace processes of these user ids")
	fl.IntVar(&f.dataBytes, "capture-data", 0, "capture up to N bytes (max 256) of read/write/send/recv data buffers; off by default: data may be secret")
	fl.DurationVar(&f.aggregate, "aggregate", 0, "fold repeated reads/writes of one file by one thread within this time into one file_read/file_write event with counts (e.g. 1s; file set)")
	fl.DurationVar(&f.udpInterval, "udp-interval", 10*time.Second, "report each UDP peer of a process at most once per interval (udp_send, udp_recv)")
	// How: kernel buffer, cgroup hierarchy, runtime API sockets.
	fl.IntVar(&f.bufferMiB, "buffer-size", tracer.DefaultRingBufferBytes>>20, fmt.Sprintf("kernel ring buffer size in MiB (a power of two, 1 to %d)", maxBufferMiB))
	fl.StringVar(&f.cgroup, "cgroup", "auto", "cgroup hierarchy that identifies containers: auto (v2 when mounted), v2, or v1 (hybrid hosts whose runtime leaves the unified tree empty)")
	addRuntimeFlags(fl, &f.runtimeFlags)
	// Where the output goes.
	fl.StringVarP(&f.format, "output-format", "o", "", "output format: table or json (default: config output-format, else table)")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace the events-path file instead of appending to it")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no live status on standard error while events go to a file")
	// For performance reports.
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
	for flag, fn := range map[string]cobra.CompletionFunc{"event": events, "exclude-event": events, "set": sets, "exclude-set": sets, "output-format": formats,
		"container": completeContainers(e, "container"), "exclude-container": completeContainers(e, "exclude-container"),
		"image": completeContainers(e, "image"), "exclude-image": completeContainers(e, "image")} {
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
	if err := checkNames(cmd, f.filter); err != nil {
		return err
	}
	flt, err := filter.New(cat, f.filter)
	if err != nil {
		return err
	}
	if err := checkPIDs(flt); err != nil {
		return err
	}
	if f.bufferMiB <= 0 || f.bufferMiB > maxBufferMiB || f.bufferMiB&(f.bufferMiB-1) != 0 {
		return fmt.Errorf("--buffer-size %d: must be a power of two between 1 and %d (MiB)", f.bufferMiB, maxBufferMiB)
	}
	cgroupV, err := cgroupVersion(f.cgroup)
	if err != nil {
		return err
	}
	if f.dataBytes < 0 || f.dataBytes > 256 {
		return fmt.Errorf("--capture-data %d: must be between 0 and 256 bytes", f.dataBytes)
	}
	if f.aggregate < 0 || f.udpInterval <= 0 {
		return fmt.Errorf("--aggregate must not be negative and --udp-interval must be positive")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("tracing needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (to read other processes' cgroups): run as root (sudo ctrace trace)")
	}
	sinks, err := openSinks(e, cfg, f.overwrite, f.quiet)
	if err != nil {
		return err
	}
	defer sinks.Close()
	say := func(format string, args ...any) { fmt.Fprintf(sinks.stderr, "ctrace: "+format+"\n", args...) }
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
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", cgroupV)
	if err != nil {
		return err
	}
	opts := tracer.DefaultOptions()
	opts.RingBufferBytes = f.bufferMiB << 20
	opts.Logf = sinks.diag.Logf(diag.KindHookSkipped)
	runtimeLog := sinks.diag.Logf(diag.KindRuntimeAPI)
	rts := openRuntimes(cmd.Context(), f.runtimeFlags.specs(cfg), false, runtimeLog)
	defer rts.Close()
	var collOpts []containers.Option
	if cfg.ErrorsPath != "" {
		// Each container left with its id only gets an entry naming it in
		// the errors file; standard error keeps one line per runtime.
		collOpts = append(collOpts, containers.WithReport(func(c containers.Info, msg string) {
			sinks.diag.Write(diag.Entry{Kind: diag.KindRuntimeAPI, Message: msg,
				Container: &diag.Container{ID: c.ID, Name: c.Name, Image: c.Image, Runtime: c.Runtime}})
		}))
	}
	// Asynchronous resolution: the reading loop never waits for a runtime;
	// the session holds a new container's records until it is named.
	collOpts = append(collOpts, containers.WithAsync())
	coll := containers.NewCollection(rts.list(), runtimeLog, collOpts...)
	defer coll.Close()
	coll.Watch() // names containers from the runtimes' event streams
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	// A write error (disk full) stops the trace, not the program: the
	// summary still says what was written and what was not.
	guard := &output.Guard{P: output.NewTerminal(fmtv, sinks.events, sinks.term), OnError: func(error) { stop() }}
	losses := diag.NewLosses(sinks.diag)
	reportLosses := func(sum session.Summary) {
		losses.Update(diag.CauseRingBuffer, sum.Kernel.LostRingbuf)
		losses.Update(diag.CausePending, sum.Kernel.LostPending)
		losses.Update(diag.CauseUndecodable, sum.DecodeErrors)
		losses.Update(diag.CauseHoldQueue, sum.HoldDropped)
	}
	started := time.Now()
	var keep func(*containers.Container, bool) bool
	if flt.ContainerFilter() {
		keep = func(c *containers.Container, isNew bool) bool { return flt.KeepContainer(c.Info, isNew) }
	}
	var sum session.Summary
	if ctx.Err() == nil { // a signal during start-up: nothing to trace
		sum, err = session.Run(ctx, session.Config{
			Keep:       keep,
			Catalog:    cat,
			Containers: coll,
			Hierarchy:  h,
			Filter:     flt,
			Printer:    guard,
			TracerOpts: opts,
			Capture:    events.CaptureOptions{BufferBytes: f.dataBytes},
			NetFile:    netFileConfig(f, rts.list()),
			Logf:       sinks.diag.Logf(diag.KindDecode),
			OnReady: func(r session.Ready) {
				if ctx.Err() != nil {
					return // stopped while starting: not tracing
				}
				skipped := ""
				if len(r.Skipped) > 0 {
					var names []string
					for n := range r.Skipped {
						names = append(names, n)
					}
					sort.Strings(names)
					skipped = fmt.Sprintf(" (optional hooks unavailable: %s)", strings.Join(names, ", "))
				}
				if r.FileSource != "" {
					skipped += "; " + r.FileSource
				}
				// Container filters that match no running container: a
				// note each (a container may start later under the name).
				// (Only when every running container is named: an
				// unnamed one may be the one a filter names.)
				named := true
				for _, c := range coll.Containers() {
					named = named && c.Resolved
				}
				if named {
					for _, n := range flt.ContainerNotes(coll.Infos()) {
						say("note: %s", n)
					}
				}
				if flt.Empty() {
					say("note: the excludes leave no event: nothing will be printed (ctrace list shows the events and sets)")
				}
				say("ready: tracing %d running containers and any started from now on, cgroup v%d%s; Ctrl-C to stop", r.Containers, h.Version, skipped)
			},
			Progress: func(s session.Summary) {
				reportLosses(s)
				if sinks.status != nil {
					sinks.status.Update(status.Snapshot{Elapsed: time.Since(started), Written: uint64(eventLines(sinks.events, fmtv)),
						Lost: s.Lost(), Containers: coll.Count(), FileBytes: sinks.fileSize()})
				}
			},
		})
		if err != nil {
			sinks.diag.Report(diag.KindProbe, nil, "%v", err)
			return explainTraceError(err, f.bufferMiB)
		}
	}
	if guard.Err == nil {
		if err := guard.P.Flush(); err != nil { // the session flushed; this catches a late failure
			guard.Fail(err)
		}
	}
	reportLosses(sum)
	written := eventLines(sinks.events, fmtv)
	notWritten := int64(sum.Events) - written
	summary := fmt.Sprintf("events: %d, lost: %d (ring buffer full: %d, in-flight syscall table full: %d, undecodable: %d, hold queue full: %d); exec arguments truncated: %d; filtered out: %d",
		written, sum.Lost(), sum.Kernel.LostRingbuf, sum.Kernel.LostPending, sum.DecodeErrors, sum.HoldDropped, sum.Kernel.ExecTruncated, sum.Filtered)
	if guard.Err != nil {
		summary += fmt.Sprintf("; not written: %d", notWritten)
	}
	if sinks.status != nil {
		sinks.status.Clear()
	}
	if sum.Kernel.PIDFollowFull > 0 {
		say("warning: %d children of --pid/--exclude-pid processes could not be followed (more than %d processes at once): their events were filtered as those of other processes", sum.Kernel.PIDFollowFull, tracer.MaxFollowedPIDs)
	}
	say("%s", summary)
	if cfg.ErrorsPath != "" {
		sinks.diag.Write(diag.Entry{Kind: diag.KindSummary, Count: sum.Lost(), Message: summary})
	}
	if guard.Err != nil {
		where := "standard output"
		if sinks.eventsPath != "" {
			where = sinks.eventsPath
		}
		msg := fmt.Sprintf("writing events to %s failed: %v; tracing stopped, %d events not written", where, guard.Err, notWritten)
		sinks.diag.Write(diag.Entry{Kind: diag.KindOutput, Count: uint64(max(notWritten, 0)), Message: msg})
		return errors.New(msg)
	}
	return nil
}

// eventLines is the number of events that reached the output: its lines,
// less the table's header.
func eventLines(c *tracefile.Counter, f output.Format) int64 {
	n := c.Lines()
	if f == output.FormatTable && n > 0 {
		n--
	}
	return n
}

// checkNames rejects empty names, which would otherwise select everything
// (--event ” or --comm a,).
func checkNames(cmd *cobra.Command, spec filter.Spec) error {
	for flag, names := range map[string][]string{"event": spec.Events, "exclude-event": spec.ExcludeEvents,
		"set": spec.Sets, "exclude-set": spec.ExcludeSets, "comm": spec.Comms, "exclude-comm": spec.ExcludeComms,
		"container": spec.Containers, "exclude-container": spec.ExcludeContainers, "image": spec.Images,
		"exclude-image": spec.ExcludeImages, "pid": spec.PIDs, "exclude-pid": spec.ExcludePIDs,
		"uid": spec.UIDs, "exclude-uid": spec.ExcludeUIDs} {
		empty := cmd.Flags().Changed(flag) && len(names) == 0
		for _, n := range names {
			empty = empty || strings.TrimSpace(n) == ""
		}
		if empty {
			return fmt.Errorf("--%s: empty name (give at least one name; 'ctrace list' shows events and sets)", flag)
		}
	}
	return nil
}

// checkPIDs rejects process ids that name no running process: --pid
// follows a process and its descendants from now on, so a process that
// does not exist can never match.
func checkPIDs(flt *filter.Filter) error {
	in, out := flt.PIDs()
	for flag, pids := range map[string][]uint32{"pid": in, "exclude-pid": out} {
		for _, p := range pids {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", p)); err != nil {
				return fmt.Errorf("--%s %d: no such process (pids are the host's, as 'docker top' and ctrace's events show them)", flag, p)
			}
		}
	}
	return nil
}

// explainTraceError adds what to do to errors whose cause is an option.
func explainTraceError(err error, bufferMiB int) error {
	if strings.Contains(err.Error(), "cannot allocate memory") {
		return fmt.Errorf("%w (the kernel could not allocate the %d MiB ring buffer: use a smaller --buffer-size)", err, bufferMiB)
	}
	return err
}
