package tracefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeString(t *testing.T) {
	good := map[string]string{
		"":              "",
		"/etc/hostname": "/etc/hostname",
		`a\\b`:          `a\b`,
		`\xff\x00`:      "\xff\x00",
		`\\xff`:         `\xff`,
		`\xFF`:          "\xff",
		"é\u202e":       "é\u202e",
	}
	for in, want := range good {
		got, err := DecodeString(in)
		if err != nil || string(got) != want {
			t.Errorf("DecodeString(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`\`, `a\n`, `\x`, `\x4`, `\xzz`, `\u0041`} {
		if got, err := DecodeString(bad); err == nil {
			t.Errorf("DecodeString(%q) = %q, want an error", bad, got)
		}
	}
}

const ev1 = `{"timestamp":"2026-01-01T00:00:00Z","event":"openat","syscall":true,"container":{"id":"c1","name":"web","image":"i","runtime":"docker"},"process":{"pid":1,"tid":1,"ppid":0,"comm":"cat","uid":0,"gid":0},"args":{"dfd":-100,"filename":"/etc/hostname","flags":"O_RDONLY","mode":"000"},"retval":3}`
const ev2 = `{"timestamp":"2026-01-01T00:00:01Z","event":"connect","syscall":true,"container":{"id":"c1","name":"web","image":"i","runtime":"docker"},"process":{"pid":1,"tid":1,"ppid":0,"comm":"nc","uid":0,"gid":0},"args":{"fd":3,"uservaddr":{"family":"AF_INET","addr":"127.0.0.1","port":80},"addrlen":16},"retval":-111,"error":"ECONNREFUSED"}`

func readAll(t *testing.T, data string, skip bool) ([]Event, []Warning, error) {
	t.Helper()
	r := NewReader(strings.NewReader(data))
	r.SkipMalformed = skip
	var out []Event
	for {
		var ev Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return out, r.Warnings(), nil
		}
		if err != nil {
			return out, r.Warnings(), err
		}
		out = append(out, ev)
	}
}

func TestReader(t *testing.T) {
	evs, warns, err := readAll(t, ev1+"\n\n"+ev2+"\n", false)
	if err != nil || len(evs) != 2 || len(warns) != 0 {
		t.Fatalf("got %d events, %v, %v", len(evs), warns, err)
	}
	if fn, ok := evs[0].ArgString("filename"); !ok || fn != "/etc/hostname" {
		t.Errorf("filename = %q %v", fn, ok)
	}
	if dfd, ok := evs[0].ArgInt("dfd"); !ok || dfd != -100 {
		t.Errorf("dfd = %d %v", dfd, ok)
	}
	if sa, ok := evs[1].ArgSockaddr("uservaddr"); !ok || sa.Addr != "127.0.0.1" || sa.Port != 80 {
		t.Errorf("sockaddr = %+v %v", sa, ok)
	}
	if !evs[1].Failed() || *evs[1].Retval != -111 || evs[1].Line != 3 {
		t.Errorf("event 2: failed=%v retval=%d line=%d", evs[1].Failed(), *evs[1].Retval, evs[1].Line)
	}
	if evs[0].Failed() || evs[0].Error != "" {
		t.Error("event 1 carries event 2's error: Next must reset the event")
	}
}

// TestReaderPartialLastLine: what a SIGKILL leaves is skipped with a warning.
func TestReaderPartialLastLine(t *testing.T) {
	evs, warns, err := readAll(t, ev1+"\n"+ev2[:57], false)
	if err != nil || len(evs) != 1 {
		t.Fatalf("got %d events, %v", len(evs), err)
	}
	if len(warns) != 1 || warns[0].Line != 2 || !strings.Contains(warns[0].Message, "partial last line") {
		t.Errorf("warnings = %v, want one about the partial line 2", warns)
	}
	// A complete last object without its newline is an event, not a warning.
	evs, warns, err = readAll(t, ev1+"\n"+ev2, false)
	if err != nil || len(evs) != 2 || len(warns) != 0 {
		t.Errorf("unterminated complete line: %d events, %v, %v", len(evs), warns, err)
	}
}

func TestReaderMalformedMiddle(t *testing.T) {
	data := ev1 + "\n" + ev2[:40] + "\n" + ev2 + "\n"
	_, _, err := readAll(t, data, false)
	var le *LineError
	if err == nil || !strings.Contains(err.Error(), "line 2: not a ctrace JSON event") || !errors.As(err, &le) || le.Line != 2 {
		t.Errorf("err = %v, want a LineError naming line 2", err)
	}
	evs, warns, err := readAll(t, data, true)
	if err != nil || len(evs) != 2 || len(warns) != 1 {
		t.Errorf("SkipMalformed: %d events, %v, %v", len(evs), warns, err)
	}
	if _, _, err := readAll(t, "TIME            CONTAINER   ...\n", false); !errors.Is(err, ErrTableFormat) {
		t.Errorf("table file: %v", err)
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Replace(ev1, "/etc/hostname", "/"+strings.Repeat("x", 3<<20), 1)
	evs, _, err := readAll(t, long+"\n"+ev2+"\n", false)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	if fn, _ := evs[0].ArgString("filename"); len(fn) != 3<<20+1 {
		t.Errorf("long filename has %d bytes", len(fn))
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "events.json")
	f, cut, err := Create(path, false)
	if err != nil || cut != 0 {
		t.Fatal(err, cut)
	}
	f.WriteString("one\n")
	f.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", st.Mode().Perm())
	}
	// Appends by default.
	f, _, _ = Create(path, false)
	f.WriteString("two\n")
	f.Close()
	if got, _ := os.ReadFile(path); string(got) != "one\ntwo\n" {
		t.Errorf("append: %q", got)
	}
	// --overwrite truncates.
	f, _, _ = Create(path, true)
	f.WriteString("three\n")
	f.Close()
	if got, _ := os.ReadFile(path); string(got) != "three\n" {
		t.Errorf("overwrite: %q", got)
	}
	if _, _, err := Create(dir, false); err == nil {
		t.Error("a directory was accepted")
	}
}

// TestCreateCutsPartialLine: after a writer was killed mid-line, the next
// one does not continue the broken line (issue 10.12).
func TestCreateCutsPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.json")
	long := strings.Repeat("y", 200<<10) // longer than one backwards-search chunk
	for _, tc := range []struct{ before, want string }{
		{ev1 + "\n" + ev2[:50], ev1 + "\n"},
		{ev1 + "\n" + long, ev1 + "\n"},
		{ev2[:10], ""},
		{ev1 + "\n", ev1 + "\n"},
	} {
		os.WriteFile(path, []byte(tc.before), 0o600)
		f, cut, err := Create(path, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(tc.before) - len(tc.want)); cut != want {
			t.Errorf("cut %d bytes, want %d", cut, want)
		}
		f.WriteString(ev2 + "\n")
		f.Close()
		got, _ := os.ReadFile(path)
		if string(got) != tc.want+ev2+"\n" {
			t.Errorf("file after append = %.80q…", got)
		}
		evs, warns, err := readAll(t, string(got), false)
		if err != nil || len(warns) != 0 || len(evs) != strings.Count(string(got), "\n") {
			t.Errorf("file does not read cleanly: %d events, %v, %v", len(evs), warns, err)
		}
	}
}

func TestCounter(t *testing.T) {
	var buf bytes.Buffer
	c := &Counter{W: &buf}
	c.Write([]byte("a\nb\n"))
	c.Write([]byte("partial"))
	if c.Lines() != 2 || c.Bytes() != 11 {
		t.Errorf("lines %d bytes %d", c.Lines(), c.Bytes())
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	c = &Counter{W: full}
	if _, err := c.Write([]byte("x\n")); err == nil || c.Lines() != 0 {
		t.Errorf("/dev/full: err %v, lines %d", err, c.Lines())
	}
}

// TestCounterWriteLines: a write whose lines the caller counted adds that
// count; a partial write counts the newlines of what was written.
func TestCounterWriteLines(t *testing.T) {
	var buf bytes.Buffer
	c := &Counter{W: &buf}
	c.WriteLines([]byte("a\nb\nc\n"), 3)
	if c.Lines() != 3 || c.Bytes() != 6 {
		t.Errorf("whole write: lines %d bytes %d", c.Lines(), c.Bytes())
	}
	c = &Counter{W: &shortWriter{n: 3}}
	if n, err := c.WriteLines([]byte("a\nbb\nc\n"), 3); n != 3 || err == nil {
		t.Errorf("short write: %d, %v", n, err)
	}
	if c.Lines() != 1 || c.Bytes() != 3 {
		t.Errorf("short write: lines %d bytes %d, want 1 and 3", c.Lines(), c.Bytes())
	}
}

// shortWriter accepts n bytes, then fails.
type shortWriter struct{ n int }

func (w *shortWriter) Write(p []byte) (int, error) {
	k := min(len(p), w.n)
	w.n -= k
	if k < len(p) {
		return k, errors.New("disk full")
	}
	return k, nil
}

func BenchmarkReader(b *testing.B) {
	var data bytes.Buffer
	for range 1000 {
		data.WriteString(ev1 + "\n" + ev2 + "\n")
	}
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	var ev Event
	for b.Loop() {
		r := NewReader(bytes.NewReader(data.Bytes()))
		for r.Next(&ev) == nil {
		}
	}
	b.ReportMetric(float64(2000*b.N)/b.Elapsed().Seconds(), "events/s")
}

// FuzzDecodeEvent: the fast decoder (with its encoding/json fallback, as
// Next uses it) gives exactly what encoding/json gives for every line
// encoding/json accepts, and rejects what it rejects.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{ev1, ev2, `{"event":"x"}`, `{"EVENT":"x","Process":{"PID":3}}`, `{"event":"x","args":"s"}`,
		`{"event":"x","retval":1e3}`, `{"event":"\u0078","process":null}`, `{"event":"x","process":{"comm":"a\\xff\u00e9"}}`,
		`{"event":"x","x":[1,{"a":"]"}]} `, `{"event":"x","retval":-1,"fds":{"fd":"/a"},"truncated":["p"]}`, `{"event":"x",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var want Event
		errWant := json.Unmarshal(line, &want)
		var got Event
		errGot := decodeEvent(line, &got, containerCache{})
		if errGot != nil {
			got = Event{}
			errGot = json.Unmarshal(line, &got)
		}
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("%q: encoding/json says %v, fast path %v", line, errWant, errGot)
		}
		if errWant != nil {
			return
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if !bytes.Equal(wj, gj) || !bytes.Equal(compact(want.RawArgs), compact(got.RawArgs)) {
			t.Fatalf("%q:\nencoding/json %s %s\nfast path     %s %s", line, wj, want.RawArgs, gj, got.RawArgs)
		}
	})
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}
