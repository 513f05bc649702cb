package status

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestAppend(t *testing.T) {
	got := string(Append(nil, Snapshot{Elapsed: 3723 * time.Second, Written: 1234567, Lost: 12, Containers: 3, FileBytes: 5 << 20}, 999.6))
	want := "1:02:03  written 1,234,567 (1,000/s)  lost 12  containers 3  file 5.0 MiB"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if strings.Contains(got, "events") {
		t.Error(`the status must not contain "events" (the summary line is found by it)`)
	}
}

func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, true, 30)
	l.Update(Snapshot{Elapsed: time.Second, Written: 10, FileBytes: 100})
	l.Update(Snapshot{Elapsed: 2 * time.Second, Written: 30, FileBytes: 200})
	out := buf.String()
	if strings.Count(out, "\r\x1b[K") != 2 || strings.Contains(out, "\n") {
		t.Errorf("terminal status %q: want two in-place redraws, no newline", out)
	}
	if !strings.Contains(out, "(20/s)") {
		t.Errorf("rate not from the last interval: %q", out)
	}
	for _, l := range strings.Split(out, "\r\x1b[K") {
		if len(l) > 29 {
			t.Errorf("status %q wider than the terminal", l)
		}
	}
	buf.Reset()
	l.Write([]byte("ctrace: summary\n"))
	if buf.String() != "\r\x1b[Kctrace: summary\n" {
		t.Errorf("a message must clear the status first: %q", buf.String())
	}
}

func TestPlain(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, false, 0)
	for s := 1; s <= 12; s++ {
		l.Update(Snapshot{Elapsed: time.Duration(s) * time.Second, Written: uint64(s), FileBytes: -1})
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ctrace: status: 0:00:05") || !strings.HasPrefix(lines[1], "ctrace: status: 0:00:10") {
		t.Errorf("plain status lines:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "\x1b") || strings.Contains(buf.String(), "file") {
		t.Errorf("plain status has escapes or an unknown size: %q", buf.String())
	}
}

func BenchmarkUpdate(b *testing.B) {
	l := New(discard{}, true, 120)
	s := Snapshot{Written: 1e6, Lost: 3, Containers: 7, FileBytes: 1 << 30}
	for b.Loop() {
		s.Elapsed += time.Second
		s.Written += 1000
		l.Update(s)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
