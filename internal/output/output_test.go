package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/schematest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

var update = flag.Bool("update", false, "rewrite golden files")

var testContainer = &containers.Container{CgroupID: 4242, Info: containers.Info{
	ID: strings.Repeat("ab", 32), Name: "web", Image: "ctrace-test/busybox:latest", Runtime: "docker"}}

func goldenRecords() [][]byte {
	evil := "/tmp/\x1b[31mred\x07\"quote\\\xff\u202etxt"
	return append(eventstest.Mix(),
		eventstest.New(eventstest.Syscall(257, -13, 0, "sh\x1b]0;x", uint64(0xffffffffffffff9c), 1, 0)).Item(1, bpf.ArgStr, 0, evil).Bytes(),
		eventstest.New(eventstest.Syscall(231, 0, bpf.FlagNoReturn, "cat", 1)).Bytes(),
		eventstest.New(eventstest.Syscall(0, 0, bpf.FlagUnfinished, "sleep", 0, 0x1000, 10)).Bytes(),
		eventstest.New(eventstest.Syscall(59, -2, 0, "sh", 0x1, 0x2, 0x3)).Item(0, bpf.ArgStr, bpf.ItemTruncated, "/x/y").Item(1, bpf.ArgStrArr, 0, "a").Item(1, bpf.ArgStrArr, bpf.ItemMore, "").Bytes(),
		eventstest.New(eventstest.Syscall(2, -14, 0, "sh", 0x10, 0, 0)).Item(0, bpf.ArgStr, bpf.ItemFault, "").Bytes(),
		eventstest.New(bpf.ExecRec{Hdr: eventstest.Header(bpf.RecExec, 0, "cat"), OldTid: 101, Mntns: 4026532000}).Item(0, bpf.ArgStr, 0, "/bin/cat").Bytes(),
		eventstest.New(bpf.ExitRec{Hdr: eventstest.Header(bpf.RecExit, 0, "cat"), ExitCode: 256, GroupDead: 1}).Bytes(),
		eventstest.New(bpf.ForkRec{Hdr: eventstest.Header(bpf.RecFork, 0, "sh"), ChildPid: 300, ChildTid: 300}).Bytes(),
		eventstest.New(eventstest.Syscall(1000+9, 0, 0, "x", 1, 2, 3, 4, 5, 6)).Bytes(), // unknown number: raw args
	)
}

func render(t *testing.T, f Format) []byte {
	time.Local = time.UTC // the table shows local time; golden files are in UTC
	var out bytes.Buffer
	p := New(f, &out)
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 1_700_000_000_000_000_000)
	var ev events.Event
	for _, raw := range goldenRecords() {
		if err := d.Decode(raw, &ev); err != nil {
			// Unknown syscall numbers beyond the kernel's range are still events.
			t.Fatalf("decode: %v", err)
		}
		if err := p.Write(&ev, testContainer); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/output -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (go test ./internal/output -update to accept)\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestJSONGolden(t *testing.T) {
	out := render(t, FormatJSON)
	golden(t, "events.golden.jsonl", out)
	// Every line is valid JSON with the documented keys and types.
	for i, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %d invalid JSON: %v\n%s", i, err, line)
		}
		for _, k := range []string{"timestamp", "event", "syscall", "container", "process", "args"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
		if m["syscall"] == true {
			if _, ok := m["retval"].(float64); !ok {
				t.Errorf("line %d: retval %v is not a number", i, m["retval"])
			}
		}
	}
}

// TestJSONParamTypesStable: one parameter always has one JSON type.
func TestJSONParamTypesStable(t *testing.T) {
	out := render(t, FormatJSON)
	types := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var m struct {
			Event string         `json:"event"`
			Args  map[string]any `json:"args"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m.Args {
			typ := jsonType(v)
			key := m.Event + "." + k
			if prev, ok := types[key]; ok && prev != typ {
				t.Errorf("%s is %s in one event and %s in another", key, prev, typ)
			}
			types[key] = typ
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case []any:
		return "array"
	case bool:
		return "bool"
	}
	return "other"
}

func TestTableGolden(t *testing.T) {
	out := render(t, FormatTable)
	golden(t, "events.golden.txt", out)
	for _, c := range out {
		if c == 0x1b || c == 0x07 {
			t.Fatalf("terminal control byte %#x reached table output", c)
		}
	}
	if bytes.Contains(out, []byte("\u202e")) {
		t.Fatal("bidi override reached table output")
	}
}

func TestAppendTerminal(t *testing.T) {
	cases := map[string]string{
		"plain /etc/hostname": "plain /etc/hostname",
		"a\nb\tc":             `a\nb\tc`,
		"\x1b[2J":             `\x1b[2J`,
		"back\\slash":         `back\\slash`,
		"bad\xffutf8":         `bad\xffutf8`,
		"héllo":               "héllo",
		"rtl\u202eevil":       `rtl\u{202e}evil`,
		"c1\u009bx":           `c1\u{009b}x`,
	}
	for in, want := range cases {
		if got := string(AppendTerminal(nil, []byte(in))); got != want {
			t.Errorf("AppendTerminal(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestJSONStringLossless: a non-UTF-8 byte and the text that looks like its
// escape come out differently, and both decode back to their bytes.
func TestJSONStringLossless(t *testing.T) {
	cases := map[string]string{
		"\xff":      `"\\xff"`,   // one invalid byte: decoded value \xff
		`\xff`:      `"\\\\xff"`, // backslash, x, f, f: decoded value \\xff
		`C:\dir`:    `"C:\\\\dir"`,
		"ok/é":      `"ok/é"`,
		"a\"b":      `"a\"b"`,
		"nl\n\x00":  `"nl\n\u0000"`,
		"rtl\u202e": `"rtl\u202e"`,
		"\\\xfe\\":  `"\\\\\\xfe\\\\"`,
	}
	for in, want := range cases {
		got := string(AppendJSONString(nil, []byte(in)))
		if got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", in, got, want)
		}
		var s string
		if err := json.Unmarshal([]byte(got), &s); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		back, err := tracefile.DecodeString(s)
		if err != nil || string(back) != in {
			t.Errorf("%q -> %s -> %q (%v), want the input back", in, got, back, err)
		}
	}
}

// TestTableQuotesEscaped: a double quote inside a quoted table string is
// escaped as strace escapes it, so the closing quote is unambiguous.
func TestTableQuotesEscaped(t *testing.T) {
	got := string(appendString(nil, []byte(`say "hi" \ bye`), false))
	if want := `"say \"hi\" \\ bye"`; got != want {
		t.Errorf("table string = %s, want %s", got, want)
	}
}

// unquoteTerminal reverses appendString's table form (strace's notation).
func unquoteTerminal(t *testing.T, q string) []byte {
	t.Helper()
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		t.Fatalf("not quoted: %q", q)
	}
	s := q[1 : len(q)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			t.Fatalf("unescaped quote inside %q", q)
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case '\\', '"':
			out = append(out, s[i])
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'x':
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				t.Fatalf("bad \\x in %q", q)
			}
			out = append(out, byte(v))
			i += 2
		case 'u':
			end := strings.IndexByte(s[i:], '}')
			v, err := strconv.ParseUint(s[i+2:i+end], 16, 32)
			if err != nil {
				t.Fatalf("bad \\u{} in %q", q)
			}
			out = utf8.AppendRune(out, rune(v))
			i += end
		default:
			t.Fatalf("unknown escape in %q", q)
		}
	}
	return out
}

// FuzzAppendJSONString: every input round-trips through the JSON string
// (JSON decoding, then tracefile.DecodeString) and through the table's
// quoted form, and neither form carries a terminal control byte.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00\x1f\x7f", "\xff\xfe", "\u202e", `"\`, "é", `\xff`, "\\\xff", `\\x4`, "\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := AppendJSONString(nil, in)
		var s string
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", out, in, err)
		}
		back, err := tracefile.DecodeString(s)
		if err != nil {
			t.Fatalf("%q -> %s: DecodeString: %v", in, out, err)
		}
		if !bytes.Equal(back, in) {
			t.Fatalf("%q -> %s -> %q: not lossless", in, out, back)
		}
		for _, c := range out {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in JSON output %q", c, out)
			}
		}
		term := appendString(nil, in, false)
		for _, c := range term {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in terminal output %q", c, term)
			}
		}
		if got := unquoteTerminal(t, string(term)); !bytes.Equal(got, in) {
			t.Fatalf("table form %s of %q reads back as %q", term, in, got)
		}
	})
}

// BenchmarkDecodeEncodeJSON measures the hot path end to end: decode a
// realistic mix of records and render each as a JSON line into a buffer.
func BenchmarkDecodeEncodeJSON(b *testing.B) {
	mix := eventstest.Mix()
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 1_700_000_000_000_000_000)
	p := NewJSON(NewLineWriter(discard{}, 1<<20))
	var ev events.Event
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		raw := mix[n%len(mix)]
		n++
		if err := d.Decode(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if err := p.Write(&ev, testContainer); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestARM64OpenFlags: an arm64 trace names arm64's open flags (issue 10.7:
// O_DIRECTORY printed as O_DIRECT with x86_64's table).
func TestARM64OpenFlags(t *testing.T) {
	cat := events.NewCatalog(syscalls.ARM64)
	d := events.NewDecoder(cat, 0)
	nr := uint32(0)
	for _, def := range cat.All() {
		if def.Name == "openat" {
			nr = uint32(def.ID)
		}
	}
	if nr != 56 {
		t.Fatalf("arm64 openat is syscall %d, want 56", nr)
	}
	raw := eventstest.New(eventstest.Syscall(nr, 3, 0, "ls", uint64(0xffffffffffffff9c), 1, 0o2040000, 0)).Item(1, bpf.ArgStr, 0, "/etc").Bytes()
	var ev events.Event
	if err := d.Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	got := string(AppendJSON(nil, &ev, []byte("{}")))
	if !strings.Contains(got, `"flags":"O_RDONLY|O_CLOEXEC|O_DIRECTORY"`) {
		t.Errorf("arm64 openat flags: %s", got)
	}
	line := string(AppendTableLine(nil, &ev, nil))
	if !strings.Contains(line, "flags=O_RDONLY|O_CLOEXEC|O_DIRECTORY") {
		t.Errorf("arm64 table line: %s", line)
	}
}

// TestTerminalTable: colours and elision only when asked for (a terminal),
// lines fit the width, the return value stays visible, and files get the
// plain golden table.
func TestTerminalTable(t *testing.T) {
	time.Local = time.UTC
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 1_700_000_000_000_000_000)
	render := func(o TerminalOptions) []string {
		var out bytes.Buffer
		p := NewTerminal(FormatTable, &out, o)
		var ev events.Event
		for _, raw := range goldenRecords() {
			if err := d.Decode(raw, &ev); err != nil {
				t.Fatal(err)
			}
			p.Write(&ev, testContainer)
		}
		p.Flush()
		return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	}
	plain := strings.Join(render(TerminalOptions{}), "\n") + "\n"
	if want, _ := os.ReadFile("testdata/events.golden.txt"); plain != string(want) {
		t.Error("zero TerminalOptions must print the plain table")
	}
	for _, l := range render(TerminalOptions{Width: 80}) {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line of %d columns with width 80: %s", n, l)
		}
		if strings.Contains(l, "\x1b[") {
			t.Errorf("colour without Color: %q", l)
		}
	}
	elided := render(TerminalOptions{Width: 140})
	found := false
	for _, l := range elided {
		if strings.Contains(l, "…) = -1 EACCES (Permission denied)") {
			found = true
		}
	}
	if !found {
		t.Errorf("no elided line keeps its return value:\n%s", strings.Join(elided, "\n"))
	}
	coloured := render(TerminalOptions{Color: true})
	if !strings.Contains(coloured[1], sgrBold+"read"+sgrReset) || !strings.Contains(strings.Join(coloured, "\n"), sgrRed+" = -1 ENOENT") {
		t.Errorf("colours missing:\n%q\n%q", coloured[1], coloured[6])
	}
	stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(strings.Join(coloured, "\n")+"\n", "")
	if stripped != plain {
		t.Error("colours changed the text")
	}
}

// TestJSONMatchesSchema: every golden event line matches docs/events.schema.json,
// and the schema rejects lines that break the contract.
func TestJSONMatchesSchema(t *testing.T) {
	s := schematest.Load(t, schematest.Events)
	if n := s.ValidateLines(t, "golden", render(t, FormatJSON), 10); n < 20 {
		t.Errorf("only %d lines validated", n)
	}
	good := string(bytes.SplitN(render(t, FormatJSON), []byte("\n"), 2)[0])
	for _, bad := range []string{
		strings.Replace(good, `"syscall":true`, `"syscall":"true"`, 1),
		strings.Replace(good, `"pid":100`, `"pid":"100"`, 1),
		strings.Replace(good, `"retval":`, `"ret":`, 1),
		strings.Replace(good, `"timestamp":"2023-11-14T22:13:21Z"`, `"timestamp":"yesterday"`, 1),
		strings.Replace(good, `"runtime":"docker"`, `"runtime":"rkt"`, 1),
		strings.Replace(good, `{"timestamp"`, `{"extra":1,"timestamp"`, 1),
	} {
		if bad == good {
			t.Fatalf("mutation did not apply to %s", good)
		}
		if s.Validate([]byte(bad)) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// lineRecorder records the sizes of the writes it gets and whether each
// ended a line.
type lineRecorder struct{ partial int }

func (l *lineRecorder) Write(p []byte) (int, error) {
	if len(p) > 0 && p[len(p)-1] != '\n' {
		l.partial++
	}
	return len(p), nil
}

// TestWholeLineFlushes: the printers hand the file only whole lines, even
// when their buffer fills mid-stream, so a crash leaves at most one partial
// line (issue 10, files).
func TestWholeLineFlushes(t *testing.T) {
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 0)
	for _, f := range Formats {
		rec := &lineRecorder{}
		bw := NewLineWriter(rec, 700) // a few lines: fills often
		var p Printer = NewJSON(bw)
		if f == FormatTable {
			p = NewTable(bw)
		}
		var ev events.Event
		for range 50 {
			for _, raw := range goldenRecords() {
				if err := d.Decode(raw, &ev); err != nil {
					t.Fatal(err)
				}
				if err := p.Write(&ev, testContainer); err != nil {
					t.Fatal(err)
				}
			}
		}
		p.Flush()
		if rec.partial != 0 {
			t.Errorf("%s: %d writes ended mid-line", f, rec.partial)
		}
	}
}

// TestCachedRenderingMatches: the printers' caches (timestamp second, event
// keys, process object, fd descriptions, container fragment) never change
// a line: every line equals the uncached rendering, over a sequence that
// switches events, processes, comms, seconds and fd names.
func TestCachedRenderingMatches(t *testing.T) {
	time.Local = time.UTC
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 0)
	recs := goldenRecords()
	other := &containers.Container{CgroupID: 7, Info: containers.Info{ID: strings.Repeat("cd", 32), Name: "db"}}
	stamps := []int64{1_700_000_000_000_000_000, 1_700_000_000_100_000_000, 1_700_000_000_123_456_789, 1_700_000_001_000_000_001, 1_700_000_001_000_000_000, 1_700_000_000_000_000_010}
	comms := []string{"sh", "sh", "cat", "s\"h"}
	fds := []string{"", "/etc/hostname", "/etc/hostname", "socket:AF_INET -> 10.0.0.2:80", "/tmp/\x1b[31m"}
	var jbuf, tbuf bytes.Buffer
	jp, tp := New(FormatJSON, &jbuf), New(FormatTable, &tbuf)
	var wantJSON, wantTable []string
	var ev events.Event
	for i := range 200 {
		raw := recs[(i*7)%len(recs)]
		if err := d.Decode(raw, &ev); err != nil {
			t.Fatal(err)
		}
		ev.TimeNS = stamps[i%len(stamps)]
		ev.Comm = []byte(comms[(i/3)%len(comms)])
		ev.PID = uint32(100 + i/5)
		for j := range ev.FdDesc {
			ev.FdDesc[j] = fds[(i+j)%len(fds)]
		}
		c := testContainer
		if i%4 == 3 {
			c = other
		}
		wantJSON = append(wantJSON, string(AppendJSON(nil, &ev, AppendContainerJSON(nil, c))))
		wantTable = append(wantTable, string(AppendTableLine(nil, &ev, c)))
		if err := jp.Write(&ev, c); err != nil {
			t.Fatal(err)
		}
		if err := tp.Write(&ev, c); err != nil {
			t.Fatal(err)
		}
	}
	jp.Flush()
	tp.Flush()
	gotJSON := strings.Split(strings.TrimSuffix(jbuf.String(), "\n"), "\n")
	gotTable := strings.Split(strings.TrimSuffix(tbuf.String(), "\n"), "\n")[1:] // after the header
	for i := range wantJSON {
		if gotJSON[i] != wantJSON[i] {
			t.Fatalf("JSON line %d:\n got %s\nwant %s", i, gotJSON[i], wantJSON[i])
		}
		if gotTable[i]+"\n" != wantTable[i] {
			t.Fatalf("table line %d:\n got %q\nwant %q", i, gotTable[i], wantTable[i])
		}
	}
	// And the uncached renderings agree with the standard library's formats.
	for _, ns := range stamps {
		want := time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
		if got := string(appendTime(nil, ns)); got != want {
			t.Errorf("appendTime(%d) = %s, want %s", ns, got, want)
		}
		var c jsonCache
		if got := string(c.appendTime(nil, ns)); got != want {
			t.Errorf("cached time %d = %s, want %s", ns, got, want)
		}
	}
}

// Issue 10.13: the table marks values cut at the kernel's limits as strace
// does: "value"... for a string or an argv element, ... for elements left out.
func TestTableMarksTruncation(t *testing.T) {
	d := events.NewDecoder(events.NewCatalog(syscalls.X86_64), 0)
	for _, tc := range []struct {
		raw  []byte
		want string
	}{
		{eventstest.New(eventstest.Syscall(59, 0, 0, "sh", 1, 2, 3)).Item(0, bpf.ArgStr, bpf.ItemTruncated, "/long").
			Item(1, bpf.ArgStrArr, 0, "a").Item(1, bpf.ArgStrArr, bpf.ItemTruncated, "bbb").Item(1, bpf.ArgStrArr, bpf.ItemMore, "").Bytes(),
			`(filename="/long"..., argv=["a", "bbb"..., ...], envp=0x3)`},
		{eventstest.New(eventstest.Syscall(59, 0, bpf.FlagDataTruncated, "sh", 1, 2, 3)).Bytes(),
			`(filename=""..., argv=[...], envp=0x3)`},
		{eventstest.New(eventstest.Syscall(59, 0, 0, "sh", 1, 2, 3)).Item(0, bpf.ArgStr, 0, "/bin/ls").Item(1, bpf.ArgStrArr, 0, "ls").Bytes(),
			`(filename="/bin/ls", argv=["ls"], envp=0x3)`},
	} {
		var ev events.Event
		if err := d.Decode(tc.raw, &ev); err != nil {
			t.Fatal(err)
		}
		if line := string(AppendTableLine(nil, &ev, testContainer)); !strings.Contains(line, tc.want) {
			t.Errorf("table line %q does not contain %q", line, tc.want)
		}
	}
}

// TestTimeFractions: the cached timestamp renders every kind of fraction
// as time.RFC3339Nano does (digits at every position, trailing zeros cut).
func TestTimeFractions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fracs := []int64{1, 9, 10, 99, 100, 999_999_999, 100_000_000, 120_000_000, 123_456_789, 500_000_001, 999_000_000, 10_000_000, 1_000_000}
	for range 20000 {
		fracs = append(fracs, rng.Int64N(1_000_000_000))
		p := int64(1)
		for range rng.IntN(9) {
			p *= 10
		}
		fracs = append(fracs, rng.Int64N(1_000_000_000)/p*p) // trailing zeros
	}
	var c jsonCache
	for _, f := range fracs {
		ns := 1_700_000_000_000_000_000 + f
		want := time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
		if got := string(c.appendTime(nil, ns)); got != want {
			t.Fatalf("time with fraction %d = %s, want %s", f, got, want)
		}
	}
}
