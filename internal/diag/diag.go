// Package diag writes ctrace's own errors and notices — the errors file
// (config key errors-path; standard error when unset) — as NDJSON, one
// object per line: timestamp, kind, message, and the container when one is
// concerned (schema: docs/errors.schema.json, prose: docs/errors.md).
//
// Components keep their `Logf func(format string, args ...any)` hooks;
// Writer.Logf(kind) adapts one to a kind. Where more is known (the
// container, a loss cause and count), callers use Writer.Write directly.
package diag

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/ctrace-dev/ctrace/internal/output"
)

// Kind classifies an entry. Kinds are only ever added.
type Kind string

// The kinds, with what each means (docs and the schema are checked against this table).
const (
	KindDecode      Kind = "decode"       // a ring-buffer record could not be decoded (it counts as lost)
	KindLost        Kind = "lost"         // events were lost: cause and count say why and how many since the last report
	KindRuntimeAPI  Kind = "runtime-api"  // a container runtime API failed; the container is kept with what its cgroup path tells
	KindProbe       Kind = "probe"        // a kernel feature probe, program load or hook attachment failed
	KindHookSkipped Kind = "hook-skipped" // an optional hook is not attached: its events are missing from this trace
	KindOutput      Kind = "output"       // writing events failed: tracing stopped, count says how many events were not written
	KindTraceFile   Kind = "trace-file"   // a trace file was repaired before appending (a partial last line cut)
	KindSummary     Kind = "summary"      // the end-of-run summary: events written, lost (count) and why
)

// Kinds lists every kind with its meaning, in documentation order.
var Kinds = []struct {
	Kind Kind
	Doc  string
}{
	{KindDecode, "a ring-buffer record could not be decoded; it is counted as lost (cause `undecodable`)"},
	{KindLost, "events were lost; `cause` says where, `count` how many since the previous `lost` entry of that cause"},
	{KindRuntimeAPI, "a container runtime API did not answer; the container is kept with the id and runtime its cgroup path tells"},
	{KindProbe, "a kernel feature probe, program load or hook attachment failed"},
	{KindHookSkipped, "an optional hook could not be attached: its events are missing from this trace"},
	{KindOutput, "writing events failed (disk full, closed pipe): tracing stopped; `count` is the number of events not written"},
	{KindTraceFile, "the events file was repaired before appending: a partial last line left by a killed run was cut (`count` bytes)"},
	{KindSummary, "the end of a run: the summary line; `count` is the number of events lost"},
}

// Loss causes (Entry.Cause of KindLost entries).
const (
	CauseRingBuffer  = "ring-buffer-full"   // the kernel's ring buffer was full (--buffer-size)
	CausePending     = "pending-table-full" // the in-flight syscall table was full
	CauseUndecodable = "undecodable"        // a record could not be decoded
	CauseHoldQueue   = "hold-queue-full"    // records of a container not yet named did not fit in the hold queue
)

// Container identifies the container an entry is about (the same object
// as an event's "container").
type Container struct {
	ID, Name, Image, Runtime string
}

// Entry is one line of the errors file.
type Entry struct {
	Time      time.Time // zero: now
	Kind      Kind
	Message   string
	Container *Container // nil when no container is concerned
	Cause     string     // KindLost: the loss cause
	Count     uint64     // KindLost, KindOutput, KindSummary, KindTraceFile: how many (see Kinds)
}

// Writer writes entries as NDJSON. It is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	now func() time.Time
	n   uint64
}

// New returns a writer of entries to w.
func New(w io.Writer) *Writer { return &Writer{w: w, now: time.Now} }

// Write writes e as one line.
func (w *Writer) Write(e Entry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = w.now()
	}
	w.buf = Append(w.buf[:0], &e)
	w.buf = append(w.buf, '\n')
	w.n++
	_, err := w.w.Write(w.buf)
	return err
}

// Written is the number of entries written so far.
func (w *Writer) Written() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Report writes an entry of kind with a formatted message.
func (w *Writer) Report(kind Kind, c *Container, format string, args ...any) {
	w.Write(Entry{Kind: kind, Container: c, Message: fmt.Sprintf(format, args...)})
}

// Logf adapts the writer to a component's Logf hook: every line it logs
// becomes an entry of kind.
func (w *Writer) Logf(kind Kind) func(format string, args ...any) {
	return func(format string, args ...any) { w.Report(kind, nil, format, args...) }
}

// Append renders e as one JSON object (no newline). Strings use ctrace's
// lossless string convention (docs/events.md, "Strings").
func Append(dst []byte, e *Entry) []byte {
	dst = append(dst, `{"timestamp":"`...)
	dst = e.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","kind":`...)
	dst = output.AppendJSONString(dst, []byte(e.Kind))
	dst = append(dst, `,"message":`...)
	dst = output.AppendJSONString(dst, []byte(e.Message))
	if c := e.Container; c != nil {
		dst = append(dst, `,"container":{"id":`...)
		dst = output.AppendJSONString(dst, []byte(c.ID))
		dst = append(dst, `,"name":`...)
		dst = output.AppendJSONString(dst, []byte(c.Name))
		dst = append(dst, `,"image":`...)
		dst = output.AppendJSONString(dst, []byte(c.Image))
		dst = append(dst, `,"runtime":`...)
		dst = output.AppendJSONString(dst, []byte(c.Runtime))
		dst = append(dst, '}')
	}
	if e.Cause != "" {
		dst = append(dst, `,"cause":`...)
		dst = output.AppendJSONString(dst, []byte(e.Cause))
	}
	switch e.Kind {
	case KindLost, KindOutput, KindSummary, KindTraceFile:
		dst = append(dst, `,"count":`...)
		dst = strconv.AppendUint(dst, e.Count, 10)
	}
	return append(dst, '}')
}

// Losses reports lost events per cause as they happen: Update takes a
// cause's running total and writes one KindLost entry with the increase
// since the previous report of that cause, so the counts of a cause's
// entries add up to its total.
type Losses struct {
	w    *Writer
	seen map[string]uint64
}

// NewLosses returns a loss reporter writing to w.
func NewLosses(w *Writer) *Losses { return &Losses{w: w, seen: map[string]uint64{}} }

// lossHints says what each cause means and what helps.
var lossHints = map[string]string{
	CauseRingBuffer:  "the kernel's ring buffer was full (reader too slow for the event rate): raise --buffer-size, or trace fewer events with --event/--set",
	CausePending:     "the in-flight syscall table was full (too many threads inside syscalls at once)",
	CauseUndecodable: "records could not be decoded",
	CauseHoldQueue:   "the records of containers not yet named did not fit in the hold queue (the container runtime is slow to answer)",
}

// Update reports the increase of cause's total, if any.
func (l *Losses) Update(cause string, total uint64) {
	prev := l.seen[cause]
	if total <= prev {
		return
	}
	l.seen[cause] = total
	l.w.Write(Entry{Kind: KindLost, Cause: cause, Count: total - prev,
		Message: fmt.Sprintf("%d events lost (%d in total): %s", total-prev, total, lossHints[cause])})
}
