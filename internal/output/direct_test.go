package output

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// openDirect creates path with content and opens it the way trace files are
// opened (O_APPEND), returning the direct writer over it.
func openDirect(t *testing.T, content string) (string, *os.File, *directWriter) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0) // as tracefile.Create opens it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w, err := newDirectWriter(f)
	if errors.Is(err, unix.EINVAL) {
		t.Skipf("the file system of %s refuses O_DIRECT (%v): the direct writer cannot be tested there (set TMPDIR to a disk file system)", path, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if fl, _ := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); fl&unix.O_DIRECT == 0 || fl&unix.O_APPEND != 0 {
		t.Fatalf("flags %#x: want O_DIRECT on and O_APPEND off", fl)
	}
	return path, f, w
}

func fileIs(t *testing.T, path string, want []byte, when string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: file has %d bytes, want %d; first difference at byte %d", when, len(got), len(want), i)
	}
}

// Lines of random lengths appended after an earlier run's unaligned
// content: after every Flush the file is exactly what was written (ending
// with a whole line), chunks in between are written direct, and Close
// leaves the file appending without O_DIRECT.
func TestDirectWriter(t *testing.T) {
	earlier := "earlier run's last line, 37 bytes..\n"
	path, f, w := openDirect(t, earlier)
	var want bytes.Buffer
	want.WriteString(earlier)
	rng := rand.New(rand.NewSource(1))
	chunksBefore := 0
	for i := 0; want.Len() < 5*directChunk; i++ {
		line := fmt.Sprintf("{\"n\":%d,\"pad\":%q}\n", i, strings.Repeat("x", rng.Intn(900)))
		if rng.Intn(50) == 0 {
			line = strings.Repeat("y", directChunk+rng.Intn(3*directAlign)) + "\n" // longer than a chunk
		}
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		want.WriteString(line)
		if w.base != int64(chunksBefore) {
			chunksBefore = int(w.base)
			if w.base%directAlign != 0 {
				t.Fatalf("base %d is not aligned", w.base)
			}
		}
		if rng.Intn(400) == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			fileIs(t, path, want.Bytes(), fmt.Sprintf("after Flush at line %d", i))
			if !w.direct {
				t.Fatal("Flush left O_DIRECT off")
			}
		}
	}
	if w.base < 4*directChunk {
		t.Errorf("only %d bytes went out in chunks", w.base)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fileIs(t, path, want.Bytes(), "after Close")
	if fl, _ := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); fl&unix.O_DIRECT != 0 || fl&unix.O_APPEND == 0 {
		t.Errorf("flags after Close %#x: want O_APPEND on, O_DIRECT off", fl)
	}
	if _, err := w.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	// The file still appends for whoever writes next.
	if _, err := f.Write([]byte("next\n")); err != nil {
		t.Fatal(err)
	}
	want.WriteString("next\n")
	fileIs(t, path, want.Bytes(), "after a plain append")
}

// A file system that refuses a direct write gets the page cache from then
// on, and the refused chunk is not lost.
func TestDirectWriterRefused(t *testing.T) {
	path, _, w := openDirect(t, "")
	refusals := 0
	w.pwrite = func(fd int, p []byte, off int64) (int, error) {
		if w.direct {
			refusals++
			return 0, unix.EINVAL
		}
		return unix.Pwrite(fd, p, off)
	}
	line := []byte(strings.Repeat("z", 999) + "\n")
	var want bytes.Buffer
	for range 3 * directChunk / len(line) {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		want.Write(line)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fileIs(t, path, want.Bytes(), "after Flush")
	if refusals != 1 || w.direct || !w.refused {
		t.Errorf("refusals %d, direct %v, refused %v: want one refusal, then the page cache", refusals, w.direct, w.refused)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A write error (a full disk) is returned with the file's name, by that
// Write and by everything after it.
func TestDirectWriterError(t *testing.T) {
	path, _, w := openDirect(t, "")
	w.pwrite = func(int, []byte, int64) (int, error) { return 0, unix.ENOSPC }
	line := []byte(strings.Repeat("e", 4095) + "\n")
	var err error
	for i := 0; i < 2*directChunk/len(line) && err == nil; i++ {
		_, err = w.Write(line)
	}
	if !errors.Is(err, unix.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Write: %v; want ENOSPC naming %s", err, path)
	}
	if _, err := w.Write(line); !errors.Is(err, unix.ENOSPC) {
		t.Errorf("the next Write: %v", err)
	}
	if err := w.Flush(); !errors.Is(err, unix.ENOSPC) {
		t.Errorf("Flush: %v", err)
	}
}

// NewFileWriter: direct for a regular file, a pipe as it is.
func TestNewFileWriter(t *testing.T) {
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer pw.Close()
	if w := NewFileWriter(pw); w != pw {
		t.Errorf("a pipe got %T", w)
	}
	_, _, dw := openDirect(t, "x\n")
	dw.Close()
}

// The printer's Flush reaches the direct writer below its buffer: every
// event written is in the file after Flush.
func TestPrinterFlushReachesFile(t *testing.T) {
	path, _, w := openDirect(t, "")
	p := New(FormatJSON, w)
	ev := testExitEvent(t)
	for range 10 {
		if err := p.Write(ev, testContainer); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); n != 10 || data[len(data)-1] != '\n' {
		t.Errorf("%d lines in the file after Flush, want 10 whole lines", n)
	}
	w.Close()
}

func testExitEvent(t *testing.T) *events.Event {
	t.Helper()
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 1_700_000_000_000_000_000)
	var ev events.Event
	raw := eventstest.New(bpf.ExitRec{Hdr: eventstest.Header(bpf.RecExit, 0, "cat"), ExitCode: 256, GroupDead: 1}).Bytes()
	if err := d.Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}
