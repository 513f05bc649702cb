package output

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// countingWriter is a LineCounter that checks the counts it is told.
type countingWriter struct {
	out    bytes.Buffer
	lines  int
	writes int
	wrong  int // writes whose stated line count was not the truth
	fail   int // accept this many bytes, then fail (0: never)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	return w.WriteLines(p, bytes.Count(p, []byte{'\n'}))
}

func (w *countingWriter) WriteLines(p []byte, lines int) (int, error) {
	w.writes++
	if lines != bytes.Count(p, []byte{'\n'}) {
		w.wrong++
	}
	if w.fail > 0 {
		k := min(len(p), w.fail-w.out.Len())
		w.out.Write(p[:k])
		if k < len(p) {
			return k, errors.New("disk full")
		}
		return k, nil
	}
	w.out.Write(p)
	w.lines += lines
	return len(p), nil
}

// TestLineWriter: lines rendered in the writer's free space, copied in or
// longer than the buffer all come out whole, in order, in writes that end
// with a newline, each with the right line count.
func TestLineWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := &countingWriter{}
	lw := NewLineWriter(w, 256)
	var want bytes.Buffer
	for i := range 2000 {
		line := bytes.Repeat([]byte{byte('a' + i%26)}, rng.IntN(300))
		line = append(line, '\n')
		want.Write(line)
		switch i % 3 {
		case 0: // in place
			room, err := lw.Room(64, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := lw.Line(append(room, line...)); err != nil {
				t.Fatal(err)
			}
		default: // rendered aside
			if err := lw.Line(line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.out.Bytes(), want.Bytes()) {
		t.Fatalf("output differs from the lines written (%d vs %d bytes)", w.out.Len(), want.Len())
	}
	if w.wrong != 0 || w.lines != 2000 {
		t.Errorf("%d of %d writes stated a wrong line count; %d lines counted, want 2000", w.wrong, w.writes, w.lines)
	}
}

// TestLineWriterInPlace: a line rendered into Room stays where it was
// rendered (no copy): changing it afterwards changes what is written.
func TestLineWriterInPlace(t *testing.T) {
	w := &countingWriter{}
	lw := NewLineWriter(w, 1024)
	room, _ := lw.Room(64, nil)
	line := append(room, "ab\n"...)
	if err := lw.Line(line); err != nil {
		t.Fatal(err)
	}
	line[0] = 'X'
	lw.Flush()
	if got := w.out.String(); got != "Xb\n" {
		t.Errorf("wrote %q: the line was copied, not kept in place", got)
	}
}

// TestLineWriterSmall: a buffer smaller than the room asked for renders
// into the scratch slice given, and the line still comes out.
func TestLineWriterSmall(t *testing.T) {
	w := &countingWriter{}
	lw := NewLineWriter(w, 8)
	scratch := make([]byte, 0, 64)
	room, err := lw.Room(32, scratch)
	if err != nil || cap(room) != 64 {
		t.Fatalf("room cap %d, %v: want the scratch slice", cap(room), err)
	}
	lw.Line(append(room, "a longer line\n"...))
	lw.Flush()
	if w.out.String() != "a longer line\n" || w.lines != 1 {
		t.Errorf("wrote %q, %d lines", w.out.String(), w.lines)
	}
}

// TestLineWriterShortWrite: after a failed write the writer keeps what was
// not written and reports the error at every later call.
func TestLineWriterShortWrite(t *testing.T) {
	w := &countingWriter{fail: 5}
	lw := NewLineWriter(w, 64)
	lw.Line([]byte("abc\n"))
	lw.Line([]byte("def\n"))
	if err := lw.Flush(); err == nil {
		t.Fatal("flush after a short write: no error")
	}
	if w.out.String() != "abc\nd" {
		t.Errorf("wrote %q", w.out.String())
	}
	if lw.Buffered() != 3 {
		t.Errorf("%d bytes kept, want the 3 not written", lw.Buffered())
	}
	if err := lw.Line([]byte("ghi\n")); err == nil {
		t.Error("a line after a failed write: no error")
	}
	if _, err := lw.Room(8, nil); err == nil {
		t.Error("room after a failed write: no error")
	}
}

// unwrapper is a wrapper like tracefile.Counter.
type unwrapper struct{ w io.Writer }

func (u unwrapper) Write(p []byte) (int, error) { return u.w.Write(p) }
func (u unwrapper) Unwrap() io.Writer           { return u.w }

// TestBufferSize: a regular file (behind write-behind and a wrapper) gets
// the large buffer; a pipe, /dev/null or any other writer the small one.
func TestBufferSize(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "ev.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, c := range []struct {
		name string
		w    io.Writer
		want int
	}{
		{"file", f, fileBufferSize},
		{"file behind write-behind and a counter", unwrapper{newWriteBehind(f)}, fileBufferSize},
		{"pipe", unwrapper{pw}, streamBufferSize},
		{"/dev/null", unwrapper{newWriteBehind(null)}, streamBufferSize},
		{"buffer", &bytes.Buffer{}, streamBufferSize},
	} {
		if got := bufferSize(c.w); got != c.want {
			t.Errorf("%s: buffer %d, want %d", c.name, got, c.want)
		}
	}
}
