package tracer

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/filesource"
)

// Optional hooks of the file and network events (issue 9). Raw tracepoints
// live in the main object; programs of types a kernel may refuse (cgroup
// sock_addr, kprobes, fentry, LSM) in the hooks object, loaded one by one
// over the main object's maps. Every hook that does not load or attach is
// reported in Skipped; none of them is required.

// NetOptions select the network hooks.
type NetOptions struct {
	Enabled bool
	// UDPInterval is the least time between two records for one UDP peer
	// of one process (0: 10s).
	UDPInterval time.Duration
	// Cgroup2Mount is where the cgroup v2 hierarchy is mounted, for the
	// cgroup sendmsg/recvmsg hooks ("" to look it up in /proc/self/mountinfo).
	Cgroup2Mount string
	// tcpCounters: take byte counts from the tcp_sock counters even where
	// the length tracepoints attach (tests of the fallback).
	tcpCounters bool
	// closeAtState: report close at the TCP_CLOSE state even where
	// tcp_destroy_sock attaches (tests of the fallback).
	closeAtState bool
}

// netRawHooks are the raw tracepoints of net.bpf.c.
func (t *Tracer) netRawHooks() []hook {
	return []hook{
		{t.objs.CtraceNetState, "inet_sock_set_state", false},
		{t.objs.CtraceNetDestroy, "tcp_destroy_sock", false},
		{t.objs.CtraceNetSend, "sock_send_length", false},
		{t.objs.CtraceNetRecv, "sock_recv_length", false},
	}
}

// udpHooks are the cgroup sock_addr programs of hooks.bpf.c.
var udpHooks = []struct {
	prog   string
	attach ebpf.AttachType
	name   string
}{
	{"ctrace_udp_sendmsg4", ebpf.AttachCGroupUDP4Sendmsg, "cgroup/sendmsg4"},
	{"ctrace_udp_sendmsg6", ebpf.AttachCGroupUDP6Sendmsg, "cgroup/sendmsg6"},
	{"ctrace_udp_recvmsg4", ebpf.AttachCGroupUDP4Recvmsg, "cgroup/recvmsg4"},
	{"ctrace_udp_recvmsg6", ebpf.AttachCGroupUDP6Recvmsg, "cgroup/recvmsg6"},
}

// optionalLoader loads single programs of the hooks object over the main
// object's maps.
type optionalLoader struct {
	spec   *ebpf.CollectionSpec
	shared map[string]*ebpf.Map // main object's maps and the hooks object's own, by name
	owned  []*ebpf.Map          // maps created here (closed with the tracer)
}

func (t *Tracer) hooksLoader(opts Options) (*optionalLoader, error) {
	if t.hooks != nil {
		return t.hooks, nil
	}
	spec, err := bpf.LoadHooks()
	if err != nil {
		return nil, fmt.Errorf("parse embedded hooks object: %w", err)
	}
	if err := configure(spec, opts, t.fast); err != nil {
		return nil, err
	}
	l := &optionalLoader{spec: spec, shared: mapsByName(&t.objs.CtraceMaps)}
	// Maps only the hooks object has (fh_rw, fh_path) are created once, so
	// that e.g. a kprobe and its kretprobe share them.
	for name, ms := range spec.Maps {
		if _, ok := l.shared[name]; ok || strings.HasPrefix(name, ".") {
			continue
		}
		m, err := ebpf.NewMap(ms)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("create map %s: %w", name, err)
		}
		l.shared[name] = m
		l.owned = append(l.owned, m)
	}
	t.hooks = l
	return l, nil
}

// load loads one program.
func (l *optionalLoader) load(name string) (*ebpf.Program, error) {
	ps, ok := l.spec.Programs[name]
	if !ok {
		return nil, fmt.Errorf("hooks object has no program %s", name)
	}
	sub := &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{}, Programs: map[string]*ebpf.ProgramSpec{name: ps},
		Variables: l.spec.Variables, Types: l.spec.Types, ByteOrder: l.spec.ByteOrder}
	repl := map[string]*ebpf.Map{}
	for mn, ms := range l.spec.Maps {
		sub.Maps[mn] = ms
		if m, ok := l.shared[mn]; ok {
			repl[mn] = m
		}
	}
	coll, err := ebpf.NewCollectionWithOptions(sub, ebpf.CollectionOptions{MapReplacements: repl})
	if err != nil {
		return nil, loadErr(err)
	}
	defer coll.Close()
	return coll.DetachProgram(name), nil
}

func (l *optionalLoader) close() {
	for _, m := range l.owned {
		m.Close()
	}
	l.owned = nil
}

// loadErr shortens a load error to one line (the verifier log is long).
func loadErr(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return fmt.Errorf("verifier: %s", firstLine(err))
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("the kernel refuses this program type (EPERM)")
	}
	if errors.Is(err, ebpf.ErrNotSupported) {
		return fmt.Errorf("not supported by this kernel")
	}
	return errors.New(firstLine(err))
}

// mapsByName returns a struct's *ebpf.Map fields by their ebpf tag (the
// generated CtraceMaps), so that every map of the main object is shared,
// including maps added later.
func mapsByName(maps any) map[string]*ebpf.Map {
	out := map[string]*ebpf.Map{}
	v := reflect.ValueOf(maps).Elem()
	for i := 0; i < v.NumField(); i++ {
		if m, ok := v.Field(i).Interface().(*ebpf.Map); ok && m != nil {
			out[v.Type().Field(i).Tag.Get("ebpf")] = m
		}
	}
	return out
}

func configureNet(spec *ebpf.CollectionSpec, opts Options) error {
	iv := opts.Net.UDPInterval
	if iv <= 0 {
		iv = 10 * time.Second
	}
	vs, ok := spec.Variables["cfg_udp_interval_ns"]
	if !ok {
		return fmt.Errorf("BPF object lacks variable cfg_udp_interval_ns")
	}
	return vs.Set(uint64(iv))
}

// attachOptional attaches the network hooks (if wanted) and chooses the
// source of each wanted file event. Failures are recorded, never fatal.
func (t *Tracer) attachOptional(opts Options) {
	skip := func(name string, err error) {
		t.Skipped[name] = err
		opts.Logf("optional hook %s not attached: %v", name, err)
	}
	if opts.Net.Enabled {
		attached := map[string]bool{}
		for _, h := range t.netRawHooks() {
			l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: h.name, Program: h.prog})
			if err != nil {
				skip(h.name, explainAttachError(err))
				continue
			}
			t.links = append(t.links, l)
			t.Attached = append(t.Attached, h.name)
			attached[h.name] = true
		}
		// Byte counts come from the length tracepoints when both are there,
		// else from the tcp_sock counters; close is reported at destroy when
		// that tracepoint is there, else at the TCP_CLOSE state.
		if attached["sock_send_length"] && attached["sock_recv_length"] && !opts.Net.tcpCounters {
			if err := t.objs.NetAppBytes.Set(uint32(1)); err != nil {
				opts.Logf("net: %v", err)
			}
		}
		if attached["tcp_destroy_sock"] && !opts.Net.closeAtState {
			if err := t.objs.NetDestroyHook.Set(uint32(1)); err != nil {
				opts.Logf("net: %v", err)
			}
		}
		t.attachUDP(opts, skip)
	}
	if len(opts.FileEvents) > 0 {
		// Hooks that do not attach are in FileChoices[].Tried (the session
		// reports the source chosen; `ctrace version --features` each hook).
		t.FileChoices = filesource.Choose(opts.FileEvents, func(h filesource.Hook) error {
			return t.attachFileHook(opts, h)
		})
	}
}

func (t *Tracer) attachUDP(opts Options, skip func(string, error)) {
	root := opts.Net.Cgroup2Mount
	if root == "" {
		root = cgroup2Mount("/proc/self/mountinfo")
	}
	if root == "" {
		for _, h := range udpHooks {
			skip(h.name, errors.New("no cgroup v2 hierarchy mounted"))
		}
		return
	}
	ld, err := t.hooksLoader(opts)
	if err != nil {
		for _, h := range udpHooks {
			skip(h.name, err)
		}
		return
	}
	for _, h := range udpHooks {
		p, err := ld.load(h.prog)
		if err != nil {
			skip(h.name, err)
			continue
		}
		l, err := link.AttachCgroup(link.CgroupOptions{Path: root, Attach: h.attach, Program: p})
		if err != nil {
			p.Close()
			skip(h.name, explainAttachError(err))
			continue
		}
		t.progs = append(t.progs, p)
		t.links = append(t.links, l)
		t.Attached = append(t.Attached, h.name)
	}
}

// attachFileHook loads and attaches all programs of one file hook, or none.
func (t *Tracer) attachFileHook(opts Options, h filesource.Hook) error {
	ld, err := t.hooksLoader(opts)
	if err != nil {
		return err
	}
	var progs []*ebpf.Program
	var links []link.Link
	undo := func() {
		for _, l := range links {
			l.Close()
		}
		for _, p := range progs {
			p.Close()
		}
	}
	for _, pr := range h.Progs {
		p, err := ld.load(pr.Name)
		if err != nil {
			undo()
			return err
		}
		progs = append(progs, p)
		var l link.Link
		switch pr.Kind {
		case filesource.KindKprobe:
			l, err = link.Kprobe(pr.Target, p, nil)
		case filesource.KindKretprobe:
			l, err = link.Kretprobe(pr.Target, p, nil)
		case filesource.KindFentry, filesource.KindFexit:
			l, err = link.AttachTracing(link.TracingOptions{Program: p})
		case filesource.KindLSM:
			l, err = link.AttachLSM(link.LSMOptions{Program: p})
		default:
			err = fmt.Errorf("unknown program kind %s", pr.Kind)
		}
		if err != nil {
			undo()
			return explainHookAttach(pr.Kind, err)
		}
		links = append(links, l)
	}
	t.progs = append(t.progs, progs...)
	t.links = append(t.links, links...)
	t.Attached = append(t.Attached, h.Name())
	return nil
}

// cgroup2Mount returns the mount point of the cgroup v2 hierarchy ("" if none).
func cgroup2Mount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options ... - fstype source superoptions
		line := sc.Text()
		i := strings.Index(line, " - ")
		if i < 0 {
			continue
		}
		post := strings.Fields(line[i+3:])
		pre := strings.Fields(line[:i])
		if len(post) > 0 && post[0] == "cgroup2" && len(pre) > 4 {
			return pre[4]
		}
	}
	return ""
}

// SetNetnsOwner tells the kernel which process of a container to name for
// connections accepted in network namespace netns on a listener it did not
// see opened (opened before tracing started).
func (t *Tracer) SetNetnsOwner(netns uint32, owner bpf.SockOwner) error {
	return t.objs.NetNetns.Put(netns, owner)
}

// explainHookAttach words an attach failure of a file hook program.
func explainHookAttach(kind filesource.ProgKind, err error) error {
	if (kind == filesource.KindKprobe || kind == filesource.KindKretprobe) &&
		(errors.Is(err, os.ErrNotExist) || errors.Is(err, ebpf.ErrNotSupported)) {
		return errors.New("kprobes are not available on this kernel")
	}
	return explainAttachError(err)
}

// SetSyscallConf replaces the per-syscall capture configuration (the
// session narrows it once file hooks are attached: fewer syscalls to derive
// file events from).
func (t *Tracer) SetSyscallConf(confs []bpf.SyscallConf) error { return t.loadSyscallConf(confs) }
