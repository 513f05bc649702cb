package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/recorder"
	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/seccomp"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

func newSeccompCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seccomp",
		Short: "Record what containers use and generate least-privilege seccomp profiles",
		Long: `Least privilege for containers: record the syscalls (and capability checks) each
container really makes, generate seccomp profiles that Docker, Podman,
containerd/runc, crun and Kubernetes accept, and prove them by re-running the
workload under the profile. See docs/seccomp.md.`,
		Example: `  sudo ctrace seccomp record --container web --output web.rec
  ctrace seccomp generate --from web.rec --output web.json
  sudo ctrace seccomp verify --profile web.json -- --rm nginx
  ctrace seccomp merge a.rec b.rec --output both.rec
  ctrace seccomp diff old.json new.json`,
	}
	cmd.AddCommand(newSeccompRecordCmd(e), newSeccompGenerateCmd(e), newSeccompVerifyCmd(e), newSeccompMergeCmd(e), newSeccompDiffCmd(e))
	return cmd
}

// ---------------------------------------------------------------------------
// record

type recordFlags struct {
	containers []string
	duration   time.Duration
	output     string
	cgroup     string
	noArgs     bool
	noCaps     bool
	runtimes   runtimeFlags
}

func newSeccompRecordCmd(e *env) *cobra.Command {
	var f recordFlags
	cmd := &cobra.Command{
		Use:   "record [--container NAME|ID]… [--duration D] --output FILE",
		Short: "Record the syscalls and capability checks of containers, in the kernel",
		Long: `Record, per container, the syscalls its tasks make while they run under a seccomp
filter (so the calls the runtime makes after installing the filter count, for
runc and crun, with no-new-privileges on or off), 32-bit compat calls apart
from native ones, a few argument values (socket families, personality, clone
flags, prctl options, ioctl requests) and the capability checks of its
workload. Containers started later are recorded from their first syscall; a
container run unconfined (seccomp=unconfined) is recorded from its first
syscall and the output says so. The kernel keeps one bitmap per container:
no event per syscall leaves it.

Prints a line containing "ready" on standard error once recording; stops when
every --container named has exited, at --duration, or on Ctrl-C, and writes
FILE.`,
		Example: `  sudo ctrace seccomp record --container web --output web.rec &
  docker run --name web nginx
  sudo ctrace seccomp record --duration 10m --output all.rec`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRecord(cmd.Context(), e, f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.containers, "container", nil, "record only this container, by name or id prefix (repeatable; default: every container)")
	fl.DurationVar(&f.duration, "duration", 0, "stop after this long (e.g. 30s, 10m; default: until the named containers exit, or Ctrl-C)")
	fl.StringVarP(&f.output, "output", "o", "", "write the recording to this file (required)")
	fl.StringVar(&f.cgroup, "cgroup", "auto", "cgroup hierarchy that identifies containers: auto, v2 or v1")
	fl.BoolVar(&f.noArgs, "no-args", false, "do not keep argument values (no --args narrowing later)")
	fl.BoolVar(&f.noCaps, "no-capabilities", false, "do not record capability checks")
	addRuntimeFlags(fl, &f.runtimes)
	return cmd
}

func cgroupVersion(s string) (int, error) {
	v, ok := map[string]int{"auto": 0, "v1": 1, "v2": 2}[s]
	if !ok {
		return 0, fmt.Errorf("--cgroup %q: use auto, v1 or v2", s)
	}
	return v, nil
}

func runRecord(ctx context.Context, e *env, f recordFlags) error {
	if f.output == "" {
		return fmt.Errorf("--output FILE is required: where to write the recording")
	}
	if f.duration < 0 {
		return fmt.Errorf("--duration %v: must be positive", f.duration)
	}
	for _, c := range f.containers {
		if strings.TrimSpace(c) == "" {
			return fmt.Errorf("--container needs a container name or id")
		}
	}
	version, err := cgroupVersion(f.cgroup)
	if err != nil {
		return err
	}
	arch := syscalls.Native()
	if arch == "" {
		return fmt.Errorf("this CPU architecture has no syscall table in ctrace (supported: x86_64, arm64)")
	}
	if err := checkWritable(f.output); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("recording needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: run as root (sudo ctrace seccomp record)")
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
	collLog := e.logf
	if len(f.containers) > 0 {
		collLog = nil // other containers' lookups are none of this run's business
	}
	coll := containers.NewCollection(clients, collLog, containers.WithInspectTimeout(5*time.Second))
	rec, sum, err := recorder.Run(ctx, recorder.Config{
		Hierarchy: h, Containers: coll, Arch: arch, Select: f.containers, Clients: clients,
		Args: !f.noArgs, Capabilities: !f.noCaps, UntilExited: len(f.containers) > 0,
		Logf: e.logf,
		OnReady: func(r recorder.Ready) {
			what := fmt.Sprintf("%d running containers and any started from now on", r.Containers)
			if len(f.containers) > 0 {
				what = fmt.Sprintf("%s (%d running now)", strings.Join(f.containers, ", "), r.Containers)
			}
			caps := "capabilities: " + string(r.CapHook)
			if r.CapHook == recorder.CapTracepoint {
				caps = "capabilities: tracepoint capability:cap_capable"
			}
			e.logf("ready: recording %s, cgroup v%d, %s; Ctrl-C to stop", what, h.Version, caps)
			if r.CapHook == recorder.CapNone && !f.noCaps {
				e.logf("capability checks are not recorded: %s", r.CapWhy)
			}
		},
	})
	if err != nil {
		return err
	}
	if err := rec.WriteFile(f.output); err != nil {
		return err
	}
	for _, c := range rec.Containers {
		n := 0
		for _, names := range c.Syscalls {
			n += len(names)
		}
		how := "under its seccomp filter"
		if !c.Confined {
			how = "ran unconfined (no seccomp filter): recorded from its first syscall, the runtime's setup included"
		}
		abis := make([]string, 0, len(c.Syscalls))
		for abi := range c.Syscalls {
			abis = append(abis, abi)
		}
		slices.Sort(abis)
		e.logf("%s: %d syscalls (%s) %s", c.Label(), n, strings.Join(abis, ", "), how)
	}
	lost := sum.Kernel.CgroupFull + sum.Kernel.EventLost
	e.logf("recorded %d containers to %s; lost: %d (cgroups not recordable: %d, cgroup events: %d, workload marks: %d)",
		len(rec.Containers), f.output, lost, sum.Kernel.CgroupFull, sum.Kernel.EventLost, sum.Kernel.MarkFull)
	if len(f.containers) > 0 && len(rec.Containers) == 0 {
		return fmt.Errorf("no container matching %s was seen", strings.Join(f.containers, ", "))
	}
	return nil
}

// checkWritable fails early, with one line, when path cannot be written.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--output %s: directory %s does not exist", path, dir)
	}
	f, err := os.CreateTemp(dir, ".ctrace-write-check-*")
	if err != nil {
		return fmt.Errorf("--output %s: cannot write in %s: %v", path, dir, unwrap(err))
	}
	f.Close()
	os.Remove(f.Name())
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--output %s is a directory", path)
	}
	return nil
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ---------------------------------------------------------------------------
// generate

type generateFlags struct {
	from, container, format, base, defaultAction, output string
	args                                                 bool
}

func newSeccompGenerateCmd(e *env) *cobra.Command {
	var f generateFlags
	cmd := &cobra.Command{
		Use:   "generate --from FILE [--container NAME|ID] [--format docker|oci|kubernetes|spo] [--base docker-default|FILE|none] [--args] [--default-action errno|log] [--output FILE]",
		Short: "Generate a seccomp profile from a recording or a ctrace trace JSON file",
		Long: `Generate the seccomp profile of one container from a recording (ctrace seccomp
record) or from the JSON output of ctrace trace. The profile allows the
syscalls the container used, on the architectures it used — plus the signal
returns, and runc's timing-dependent Go runtime calls under the filter, that any
run may need (named on standard error) — and denies the rest with EPERM
(--default-action log: allows and logs them, a complain mode).

By default the allow-list is intersected with Docker's default profile: calls
it never allows are dropped (and reported), and its argument conditions
(personality, clone flags, socket families, …) are kept, so the profile is at
least as strict as Docker's on every call. --base FILE takes another base
profile (Docker format), --base none disables the intersection. --args adds
conditions from the recorded argument values: the socket families, personality
values, prctl options and ioctl requests used, and the namespace clone flags
never used.

The profile goes to standard output (or --output); a summary line, how to apply
it and the capability advice go to standard error. Same input, same bytes.`,
		Example: `  ctrace seccomp generate --from web.rec --output web.json
  ctrace seccomp generate --from trace.json --container web --format kubernetes
  ctrace seccomp generate --from web.rec --args --format spo --output web.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGenerate(cmd, e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "a recording, or a ctrace trace JSON file (required)")
	fl.StringVar(&f.container, "container", "", "the container to generate for, by name or id prefix (needed when FILE has several)")
	fl.StringVar(&f.format, "format", "docker", "output format: docker, oci, kubernetes or spo")
	fl.StringVar(&f.base, "base", "docker-default", "never allow more than this profile: docker-default, a profile FILE, or none")
	fl.BoolVar(&f.args, "args", false, "add argument conditions from the recorded values")
	fl.StringVar(&f.defaultAction, "default-action", "errno", "action for calls outside the profile: errno (EPERM) or log (complain mode)")
	fl.StringVarP(&f.output, "output", "o", "", "write the profile to this file (default: standard output)")
	cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, f := range seccomp.Formats {
			out = append(out, string(f))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runGenerate(cmd *cobra.Command, e *env, f generateFlags) error {
	if f.from == "" {
		return fmt.Errorf("--from FILE is required: a recording or a ctrace trace JSON file")
	}
	format, err := seccomp.ParseFormat(f.format)
	if err != nil {
		return err
	}
	var logMode bool
	switch f.defaultAction {
	case "errno":
	case "log":
		logMode = true
	default:
		return fmt.Errorf("--default-action %q: use errno or log", f.defaultAction)
	}
	var base *seccomp.Base
	switch f.base {
	case "docker-default", "":
		base = seccomp.DockerDefault()
	case "none":
	default:
		if base, err = seccomp.LoadBase(f.base); err != nil {
			return err
		}
	}
	if f.output != "" {
		if err := checkWritable(f.output); err != nil {
			return err
		}
	}
	rec, err := recording.ReadFile(f.from, func(w string) { e.logf("warning: %s", w) })
	if err != nil {
		return err
	}
	c, err := pickContainer(rec, f.from, f.container)
	if err != nil {
		return err
	}
	res, err := seccomp.Generate(c, syscalls.Arch(rec.Arch), seccomp.Options{Base: base, Args: f.args, Log: logMode})
	if err != nil {
		return err
	}
	advice := seccomp.AdviseCaps(c.Capabilities)
	caps := seccomp.DefaultCapabilities
	if advice != nil {
		caps = append(slices.Clone(caps), advice.CapsWithPrefix()...)
	}
	name := seccomp.ProfileName(c.Label())
	out, err := seccomp.Render(res, format, name, caps)
	if err != nil {
		return err
	}
	if f.output != "" {
		if err := os.WriteFile(f.output, out, 0o644); err != nil {
			return fmt.Errorf("write %s: %v", f.output, unwrap(err))
		}
	} else if _, err := e.stdout.Write(out); err != nil {
		return err
	}
	baseName := ""
	if base != nil {
		baseName = base.Name
	}
	e.logf("%s: %s", c.Label(), seccomp.Summary(res, baseName))
	if !c.Confined && rec.Source == recording.SourceKernel {
		e.logf("%s ran unconfined: the profile includes the runtime's own setup calls", c.Label())
	}
	if len(res.Unnamed) > 0 {
		e.logf("warning: %d calls have numbers ctrace cannot name (a newer kernel?) and are not in the profile: %s", len(res.Unnamed), strings.Join(res.Unnamed, ", "))
	}
	if len(res.Always) > 0 {
		e.logf("note: also allowed, though this run did not show them: %s (signal returns, and the runtime's timing-dependent calls under the filter: any run may need them)", strings.Join(res.Always, ", "))
	}
	for _, n := range res.Notes {
		e.logf("note: --args: %s", n)
	}
	fmt.Fprintln(e.stderr, seccomp.HowTo(format, f.output, name))
	switch {
	case advice != nil:
		fmt.Fprintln(e.stderr, advice.Text())
	case rec.CapabilityHook == "none" || rec.CapabilityHook == "":
		e.logf("capabilities: not in this recording (%s)", map[bool]string{true: "a trace has none", false: "the kernel could not record them"}[rec.Source == recording.SourceTrace])
	}
	return nil
}

// pickContainer selects the container of a recording to generate for.
func pickContainer(rec *recording.Recording, file, sel string) (*recording.Container, error) {
	var labels []string
	for i := range rec.Containers {
		labels = append(labels, rec.Containers[i].Label())
	}
	if len(rec.Containers) == 0 {
		return nil, fmt.Errorf("%s has no containers", file)
	}
	if sel == "" {
		if len(rec.Containers) > 1 {
			return nil, fmt.Errorf("%s has %d containers (%s): choose one with --container, or merge them with ctrace seccomp merge", file, len(rec.Containers), strings.Join(labels, ", "))
		}
		return &rec.Containers[0], nil
	}
	found := rec.Find(sel)
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("--container %q matches none of the containers in %s (%s)", sel, file, strings.Join(labels, ", "))
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("--container %q matches %d containers in %s: give more of the id", sel, len(found), file)
}

// ---------------------------------------------------------------------------
// verify

type verifyFlags struct {
	profile    string
	cgroup     string
	expectExit int
}

func newSeccompVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify --profile FILE -- <docker run arguments…>",
		Short: "Run a workload under a profile and report every call it denied",
		Long: `Run the workload with docker run --security-opt seccomp=FILE <arguments…>
while the kernel notes every call the seccomp filter refused (a syscall that
returns without entering the kernel's syscall code), then report the workload's
exit status, every call denied, by name, and a verdict. Calls the profile
answers with an explicit errno on purpose (clone3 → ENOSYS, as Docker's
default does) are listed apart and do not fail the verdict.

Exit status 0 when the verdict is PASS: the workload exited with
--expect-exit (0) and no call was denied.`,
		Example: `  sudo ctrace seccomp verify --profile web.json -- --rm ctrace-test/busybox sh -c 'echo hi'`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 0 {
				return fmt.Errorf("put the docker run arguments after --: ctrace seccomp verify --profile FILE -- IMAGE …")
			}
			return runVerify(cmd.Context(), e, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.profile, "profile", "", "the seccomp profile to prove (Docker or OCI JSON; required)")
	fl.StringVar(&f.cgroup, "cgroup", "auto", "cgroup hierarchy that identifies containers: auto, v2 or v1")
	fl.IntVar(&f.expectExit, "expect-exit", 0, "the workload's expected exit status")
	return cmd
}

func runVerify(ctx context.Context, e *env, f verifyFlags, dockerArgs []string) error {
	if f.profile == "" {
		return fmt.Errorf("--profile FILE is required")
	}
	profile, err := seccomp.ReadProfile(f.profile)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(f.profile)
	if err != nil {
		return err
	}
	version, err := cgroupVersion(f.cgroup)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("verify needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN to watch the filter: run as root")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("verify runs the workload with docker run: docker CLI not found")
	}
	name := containerNameArg(dockerArgs)
	extra := []string{"run", "--security-opt", "seccomp=" + abs}
	if name == "" {
		b := make([]byte, 4)
		rand.Read(b)
		name = "ctrace-verify-" + hex.EncodeToString(b)
		extra = append(extra, "--name", name)
	}
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", version)
	if err != nil {
		return err
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan recorder.Ready, 1)
	type result struct {
		rec *recording.Recording
		err error
	}
	done := make(chan result, 1)
	go func() {
		cfg, err := e.config()
		if err != nil {
			done <- result{nil, err}
			return
		}
		var auto runtimeFlags // the runtimes of config, else auto-detected
		rts := openRuntimes(rctx, auto.specs(cfg), false, e.logf)
		defer rts.Close()
		clients := rts.list()
		rec, _, err := recorder.Run(rctx, recorder.Config{
			Hierarchy: h, Containers: containers.NewCollection(clients, nil, containers.WithInspectTimeout(5*time.Second)),
			Arch: syscalls.Native(), Select: []string{name}, Clients: clients, WatchDenials: true, Logf: e.logf,
			OnReady: func(r recorder.Ready) { ready <- r },
		})
		done <- result{rec, err}
	}()
	select {
	case <-ready:
	case r := <-done:
		return r.err
	}
	e.logf("ready: running docker %s", shellJoin(append(extra, dockerArgs...)))
	cmd := exec.CommandContext(ctx, "docker", append(extra, dockerArgs...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, e.stdout, e.stderr
	runErr := cmd.Run()
	status := 0
	var ee *exec.ExitError
	switch {
	case errors.As(runErr, &ee):
		status = ee.ExitCode()
	case runErr != nil:
		stop()
		<-done
		return fmt.Errorf("docker run: %v", runErr)
	}
	if slices.Contains(dockerArgs, "-d") || slices.Contains(dockerArgs, "--detach") {
		out, err := exec.CommandContext(ctx, "docker", "wait", name).Output()
		if err != nil {
			stop()
			<-done
			return fmt.Errorf("docker wait %s: %v", name, err)
		}
		fmt.Sscan(strings.TrimSpace(string(out)), &status)
	}
	stop()
	r := <-done
	if r.err != nil {
		return r.err
	}
	var denied []string
	for _, c := range r.rec.Containers {
		for abi, names := range c.Denied {
			for _, n := range names {
				denied = append(denied, abi+":"+n)
			}
		}
	}
	slices.Sort(denied)
	denied = slices.Compact(denied)
	onPurpose := explicitErrno(profile)
	var bad, purposeful []string
	for _, d := range denied {
		_, n, _ := strings.Cut(d, ":")
		if errno, ok := onPurpose[n]; ok {
			purposeful = append(purposeful, fmt.Sprintf("%s (errno %d)", d, errno))
		} else {
			bad = append(bad, d)
		}
	}
	e.logf("workload exit status: %d (expected %d)", status, f.expectExit)
	if len(bad) > 0 {
		e.logf("denied by the profile: %s", strings.Join(bad, ", "))
	} else {
		e.logf("denied by the profile: none")
	}
	if len(purposeful) > 0 {
		e.logf("answered on purpose by an explicit errno rule: %s", strings.Join(purposeful, ", "))
	}
	if len(r.rec.Containers) == 0 {
		e.logf("warning: the container %s was not seen; nothing could be watched", name)
	}
	if status == f.expectExit && len(bad) == 0 && len(r.rec.Containers) > 0 {
		fmt.Fprintln(e.stdout, "verdict: PASS")
		return nil
	}
	var why []string
	if status != f.expectExit {
		why = append(why, fmt.Sprintf("exit status %d, expected %d", status, f.expectExit))
	}
	if len(bad) > 0 {
		why = append(why, fmt.Sprintf("%d calls denied", len(bad)))
	}
	if len(r.rec.Containers) == 0 {
		why = append(why, "container not seen")
	}
	return fmt.Errorf("verdict: FAIL (%s)", strings.Join(why, "; "))
}

// containerNameArg finds --name in docker run arguments (before the image).
func containerNameArg(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if v, ok := strings.CutPrefix(a, "--name="); ok {
			return v
		}
		if a == "--name" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// explicitErrno lists the names a profile answers with an explicit errno.
func explicitErrno(p *seccomp.Profile) map[string]uint {
	m := map[string]uint{}
	for _, r := range p.Syscalls {
		if r.Action == "SCMP_ACT_ERRNO" && r.ErrnoRet != nil {
			for _, n := range r.Names {
				m[n] = *r.ErrnoRet
			}
		}
	}
	return m
}

// ---------------------------------------------------------------------------
// merge and diff

func newSeccompMergeCmd(e *env) *cobra.Command {
	var output, name string
	cmd := &cobra.Command{
		Use:   "merge A B … [--output FILE]",
		Short: "Merge recordings (replicas, several runs) or profiles into one",
		Long: `Merge recordings (or ctrace trace JSON files) into one recording with one
container that used everything any of them used — generate its profile
next — or merge seccomp profiles (Docker/OCI JSON) into one that allows what
any of them allows. All inputs must be of one kind. Writes JSON to standard
output or --output.`,
		Example: `  ctrace seccomp merge web-1.rec web-2.rec --output web.rec
  ctrace seccomp merge web-a.json web-b.json > web.json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := mergeInputs(e, args, name)
			if err != nil {
				return err
			}
			if output != "" {
				if err := checkWritable(output); err != nil {
					return err
				}
				return os.WriteFile(output, out, 0o644)
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the result to this file (default: standard output)")
	cmd.Flags().StringVar(&name, "name", "", "name of the merged container (recordings; default: the common name, else \"merged\")")
	return cmd
}

// inputKind tells recordings (and traces) from profiles.
func inputKind(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %v", path, unwrap(err))
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) == nil {
		if _, ok := probe["defaultAction"]; ok {
			return "profile", nil
		}
	}
	return "recording", nil
}

func mergeInputs(e *env, paths []string, name string) ([]byte, error) {
	kinds := map[string]bool{}
	for _, p := range paths {
		k, err := inputKind(p)
		if err != nil {
			return nil, err
		}
		kinds[k] = true
	}
	if len(kinds) > 1 {
		return nil, fmt.Errorf("merge takes recordings or profiles, not both")
	}
	if kinds["profile"] {
		var ps []*seccomp.Profile
		for _, p := range paths {
			prof, err := seccomp.ReadProfile(p)
			if err != nil {
				return nil, err
			}
			ps = append(ps, prof)
		}
		m, err := seccomp.MergeProfiles(ps)
		if err != nil {
			return nil, err
		}
		b, err := json.MarshalIndent(m, "", "  ")
		return append(b, '\n'), err
	}
	var all []*recording.Container
	arch, hook := "", ""
	for _, p := range paths {
		rec, err := recording.ReadFile(p, func(w string) { e.logf("warning: %s", w) })
		if err != nil {
			return nil, err
		}
		if arch != "" && rec.Arch != arch {
			return nil, fmt.Errorf("%s was recorded on %s, the others on %s", p, rec.Arch, arch)
		}
		arch = rec.Arch
		if hook == "" || rec.CapabilityHook == "none" {
			hook = rec.CapabilityHook
		}
		for i := range rec.Containers {
			all = append(all, &rec.Containers[i])
		}
	}
	m := recording.Merge("merged", all...)
	if name != "" {
		m.Name = name
	} else if m.Name == "" {
		m.Name = "merged"
	}
	out := &recording.Recording{Format: recording.FormatVersion, Source: recording.SourceMerge, Arch: arch, CapabilityHook: hook, Containers: []recording.Container{m}}
	e.logf("merged %d containers from %d files into %s", len(all), len(paths), m.Name)
	return out.Marshal()
}

func newSeccompDiffCmd(e *env) *cobra.Command {
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two profiles (or recordings): added and removed names, changed conditions",
		Long: `Compare two seccomp profiles (Docker/OCI JSON) name by name: "+ name" is allowed
by B only, "- name" by A only, "~ name" by both under other conditions. A
recording stands for the plain allow-list of its container.`,
		Example: "  ctrace seccomp diff old.json new.json\n  ctrace seccomp diff --exit-code web.json web.rec",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := profileOf(e, args[0])
			if err != nil {
				return err
			}
			b, err := profileOf(e, args[1])
			if err != nil {
				return err
			}
			d := seccomp.DiffProfiles(a, b)
			fmt.Fprint(e.stdout, d.String())
			if exitCode && !d.Empty() {
				return errDiffers
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit with status 1 when the two differ")
	return cmd
}

// errDiffers makes diff --exit-code exit 1 without an error line.
var errDiffers = errors.New("")

func profileOf(e *env, path string) (*seccomp.Profile, error) {
	k, err := inputKind(path)
	if err != nil {
		return nil, err
	}
	if k == "profile" {
		return seccomp.ReadProfile(path)
	}
	rec, err := recording.ReadFile(path, func(w string) { e.logf("warning: %s", w) })
	if err != nil {
		return nil, err
	}
	c, err := pickContainer(rec, path, "")
	if err != nil {
		return nil, err
	}
	res, err := seccomp.Generate(c, syscalls.Arch(rec.Arch), seccomp.Options{})
	if err != nil {
		return nil, err
	}
	return res.Profile, nil
}
