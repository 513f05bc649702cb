package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ctrace runs the CLI in-process with a private config file.
func ctrace(t *testing.T, config string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if config == "" {
		config = filepath.Join(t.TempDir(), "config.json")
	}
	t.Setenv("CTRACE_CONFIG", config)
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestBadInputOneLineErrors: every bad input gives a one-line error and a
// non-zero exit, never a stack trace or usage dump.
func TestBadInputOneLineErrors(t *testing.T) {
	badConfig := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badConfig, []byte("{output-format"), 0o600)
	tableTrace := filepath.Join(t.TempDir(), "table.txt")
	os.WriteFile(tableTrace, []byte(tableHeaderForTest+"12:00:00.000000 web cat 1 1 openat () = 3\n"), 0o600)
	badTrace := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badTrace, []byte(`{"event":"x","container":{},"process":{},"args":{}}`+"\n{oops\n"+`{"event":"y"}`+"\n"), 0o600)
	cases := []struct {
		config string
		args   []string
		want   string
	}{
		{"", []string{"trace", "--event", "opnat"}, `did you mean "openat"`},
		{"", []string{"trace", "--set", "nosuch"}, "unknown event set"},
		{"", []string{"trace", "--output-format", "xml"}, "unknown output format"},
		{"", []string{"trace", "--buffer-size", "3"}, "power of two"},
		{"", []string{"trace", "--buffer-size", "4096"}, "between 1 and 2048"},
		{"", []string{"trace", "--buffer-size", "0"}, "between 1 and 2048"},
		{"", []string{"trace", "--event", ""}, "--event: empty name"},
		{"", []string{"trace", "--event", "openat,"}, "--event: empty name"},
		{"", []string{"trace", "--comm", ""}, "--comm: empty name"},
		{"", []string{"trace", "--exclude-comm", " "}, "--exclude-comm: empty name"},
		{"", []string{"trace", "--set", ""}, "--set: empty name"},
		{"", []string{"trace", "--capture-data", "9999"}, "between 0 and 256"},
		{"", []string{"trace", "extra-arg"}, "unknown command"},
		{"", []string{"trace", "--cgroup", "v3"}, "use auto, v1 or v2"},
		{"", []string{"net", "--cgroup", "v3"}, "use auto, v1 or v2"},
		{"", []string{"config", "--set", "colour=blue"}, "unknown config key"},
		{"", []string{"config", "--set", "output-format=xml"}, "use table or json"},
		{badConfig, []string{"trace"}, "is malformed"},
		{badConfig, []string{"config", "--list"}, "is malformed"},
		{"", []string{"list", "--set", "nosuch"}, "unknown event set"},
		{"", []string{"nosuchcommand"}, "unknown command"},
		{"", []string{"report"}, "accepts 1 arg"},
		{"", []string{"report", "/nonexistent/events.json"}, "no such file"},
		{"", []string{"report", "--top", "-1", "x"}, "--top -1"},
		{"", []string{"report", "-o", "xml", "x"}, "unknown output format"},
		{"", []string{"report", tableTrace}, "table-format trace"},
		{"", []string{"report", badTrace}, "line 2: not a ctrace JSON event"},
	}
	for _, c := range cases {
		wantOneLineError(t, c.config, c.args, c.want)
	}
}

// wantOneLineError runs ctrace with args and checks that it fails with a
// one-line error containing want on standard error (no stack trace, no
// usage dump) and prints nothing on standard output.
func wantOneLineError(t *testing.T, config string, args []string, want string) {
	t.Helper()
	code, stdout, stderr := ctrace(t, config, args...)
	if code == 0 {
		t.Errorf("%v: exit 0", args)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("%v: stderr %q lacks %q", args, stderr, want)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 || strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "Usage:") {
		t.Errorf("%v: not a one-line error:\n%s", args, stderr)
	}
	if stdout != "" {
		t.Errorf("%v: printed to stdout: %q", args, stdout)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.json")
	if code, _, stderr := ctrace(t, cfg, "config", "--set", "output-format=json", "--set", "events-path=/tmp/ctrace-test/events.json"); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, _ := ctrace(t, cfg, "config", "--get", "output-format")
	if code != 0 || stdout != "json\n" {
		t.Errorf("get = %q", stdout)
	}
	ctrace(t, cfg, "config", "--unset", "events-path")
	_, stdout, _ = ctrace(t, cfg, "config", "--list")
	if !strings.Contains(stdout, "events-path=\n") || !strings.Contains(stdout, "output-format=json") {
		t.Errorf("list = %q", stdout)
	}
}

// TestCatalogueDocUpToDate: docs/catalogue.md is what `ctrace list --markdown` prints.
func TestCatalogueDocUpToDate(t *testing.T) {
	_, stdout, _ := ctrace(t, "", "list", "--markdown")
	want, err := os.ReadFile("../../docs/catalogue.md")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Error("docs/catalogue.md is stale: run ./dist/ctrace list --markdown > docs/catalogue.md (make docs)")
	}
}

func TestListSet(t *testing.T) {
	code, stdout, _ := ctrace(t, "", "list", "--set", "net")
	if code != 0 || !strings.Contains(stdout, "connect") || strings.Contains(stdout, "openat ") {
		t.Errorf("list --set net:\n%s", stdout)
	}
}

const tableHeaderForTest = "TIME            CONTAINER        COMM             PID     TID     EVENT                ARGS => RETVAL\n"

// TestReportCommand: a trace with a partial last line is reported, with a
// warning on stderr; JSON output is JSON.
func TestReportCommand(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "events.json")
	line := `{"timestamp":"2026-01-01T00:00:00Z","event":"openat","syscall":true,"container":{"id":"` + strings.Repeat("a", 64) +
		`","name":"web","image":"i","runtime":"docker"},"process":{"pid":1,"tid":1,"ppid":0,"comm":"cat","uid":0,"gid":0},"args":{"dfd":-100,"filename":"/etc/hostname","flags":"O_RDONLY","mode":"000"},"retval":3}`
	os.WriteFile(trace, []byte(line+"\n"+line+"\n"+line[:40]), 0o600)
	code, stdout, stderr := ctrace(t, "", "report", trace)
	if code != 0 || !strings.Contains(stdout, "CONTAINER web") || !strings.Contains(stdout, "/etc/hostname") {
		t.Errorf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "warning: "+trace+": line 3: partial last line") {
		t.Errorf("no warning about the partial line: %q", stderr)
	}
	code, stdout, _ = ctrace(t, "", "report", "-o", "json", trace)
	var rep struct {
		Events     int `json:"events"`
		Containers []struct {
			Syscalls []struct {
				Count int `json:"count"`
			} `json:"syscalls"`
		} `json:"containers"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 || rep.Events != 2 || rep.Containers[0].Syscalls[0].Count != 2 {
		t.Errorf("report -o json: %v %+v\n%s", err, rep, stdout)
	}
}
