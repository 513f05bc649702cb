package session

import (
	"testing"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// The user-space cost of one file-churn round (what `cat` and `ls -l` do
// to one small file) through the whole pump — decode, filter, fd and cwd
// tables, derivation, naming, JSON — with all syscalls printed, and with
// `--set file` (file events derived from the syscalls).

func churnRecords() [][]byte {
	sys := func(nr uint32, ret int64, args ...uint64) *eventstest.Builder {
		r := eventstest.Syscall(nr, ret, 0, "cat", args...)
		r.Hdr.CgroupId = 4242
		return eventstest.New(r)
	}
	return [][]byte{
		sys(6, 0, 0x5000, 0x6000).Item(0, bpf.ArgStr, 0, "/data/17/42").Bytes(),       // lstat (ls -l)
		sys(257, 3, atFdcwd, 0x5000, 0).Item(1, bpf.ArgStr, 0, "/data/17/42").Bytes(), // openat
		sys(0, 2, 3, 0x7000, 4096).Bytes(),                                            // read
		sys(1, 2, 1, 0x7000, 2).Bytes(),                                               // write (to a pipe)
		sys(0, 0, 3, 0x7000, 4096).Bytes(),                                            // read: EOF
		sys(3, 0, 3).Bytes(),                                                          // close
		sys(257, 4, atFdcwd, 0x5000, 0x10000).Item(1, bpf.ArgStr, 0, "17").Bytes(),    // openat of a directory, relative
		sys(217, 0, 4, 0x8000, 32768).Bytes(),                                         // getdents64
		sys(3, 0, 4).Bytes(),                                                          // close
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func benchPump(b *testing.B, spec filter.Spec) {
	cat := events.NewCatalog(syscalls.X86_64)
	flt, err := filter.New(cat, spec)
	if err != nil {
		b.Fatal(err)
	}
	coll := containers.NewCollection(nil, nil)
	if _, ok := coll.Add(4242, "/docker/"+string(make64('a'))); !ok {
		b.Fatal("test cgroup is not a container")
	}
	cfg := Config{Catalog: cat, Containers: coll, Filter: flt, Printer: output.NewJSON(output.NewLineWriter(&tracefile.Counter{W: discard{}}, 1<<16)),
		Logf: func(string, ...any) {}}
	nf := newNetfile(cat, flt, NetFileConfig{}, coll)
	fds := fdtable.New(b.TempDir())
	nf.startDeriver(fds, b.TempDir())
	p := newPump(cfg, nil, events.NewDecoder(cat, 0), nil, fds, nf)
	sum := &p.sum
	// Only what the kernel would deliver: syscalls no event needs stop there.
	enabled := nf.kernelEnabled()
	var recs [][]byte
	var ev events.Event
	for _, r := range churnRecords() {
		if err := p.dec.Decode(r, &ev); err != nil {
			b.Fatal(err)
		}
		if enabled(ev.Def) {
			recs = append(recs, r)
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, r := range recs {
			if err := p.handle(r); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
	if sum.Events > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(sum.Events), "ns/event")
	}
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

func BenchmarkPumpChurnAllSyscalls(b *testing.B) { benchPump(b, filter.Spec{}) }
func BenchmarkPumpChurnFileSet(b *testing.B)     { benchPump(b, filter.Spec{Sets: []string{"file"}}) }
