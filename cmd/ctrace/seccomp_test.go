package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const webRec = "../../internal/seccomp/testdata/web.rec"

// Bad input to the seccomp commands: one line, non-zero exit.
func TestSeccompBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"ctraceRecording": 1, "arch": "x86_64", "containers": [{"id": "a", "syscalls": {"x86_64": ["Bad Name"]}}]}`), 0o644)
	two := filepath.Join(dir, "two.json")
	os.WriteFile(two, []byte(`{"ctraceRecording": 1, "arch": "x86_64", "containers": [{"id": "a1", "name": "one", "confined": true, "syscalls": {"x86_64": ["read"]}}, {"id": "b2", "name": "two", "confined": true, "syscalls": {"x86_64": ["read"]}}]}`), 0o644)
	notJSON := filepath.Join(dir, "notes.txt")
	os.WriteFile(notJSON, []byte("hello\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"seccomp", "generate"}, "--from FILE is required"},
		{[]string{"seccomp", "generate", "--from", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"seccomp", "generate", "--from", bad}, "bad syscall name"},
		{[]string{"seccomp", "generate", "--from", notJSON}, "neither a ctrace recording nor a ctrace trace"},
		{[]string{"seccomp", "generate", "--from", webRec, "--format", "xml"}, "use docker, oci, kubernetes or spo"},
		{[]string{"seccomp", "generate", "--from", webRec, "--default-action", "kill"}, "use errno or log"},
		{[]string{"seccomp", "generate", "--from", webRec, "--base", filepath.Join(dir, "nobase.json")}, "--base"},
		{[]string{"seccomp", "generate", "--from", webRec, "--base", notJSON}, "is not a seccomp profile"},
		{[]string{"seccomp", "generate", "--from", webRec, "--output", "/nonexistent-dir/p.json"}, "does not exist"},
		{[]string{"seccomp", "generate", "--from", two}, "has 2 containers (one, two)"},
		{[]string{"seccomp", "generate", "--from", two, "--container", "three"}, "matches none"},
		{[]string{"seccomp", "record"}, "--output FILE is required"},
		{[]string{"seccomp", "record", "--output", "/nonexistent-dir/r.json"}, "does not exist"},
		{[]string{"seccomp", "record", "--output", filepath.Join(dir, "r.json"), "--cgroup", "v9"}, "use auto, v1 or v2"},
		{[]string{"seccomp", "verify", "--", "img"}, "--profile FILE is required"},
		{[]string{"seccomp", "verify", "--profile", notJSON, "--", "img"}, "is not a seccomp profile"},
		{[]string{"seccomp", "merge", webRec, notJSON}, "neither a ctrace recording"},
		{[]string{"seccomp", "diff", webRec}, "accepts 2 arg"},
	} {
		wantOneLineError(t, "", c.args, c.want)
	}
}

// generate prints the profile on stdout, the summary and advice on stderr,
// and the same input gives the same bytes.
func TestSeccompGenerateCLI(t *testing.T) {
	code, out, stderr := ctrace(t, "", "seccomp", "generate", "--from", webRec)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil || p["defaultAction"] != "SCMP_ACT_ERRNO" {
		t.Fatalf("stdout is not a profile: %v\n%s", err, out)
	}
	for _, want := range []string{"web: allows ", "fewer than Docker's default", "dropped 1 used: kexec_load", "--security-opt seccomp=", "--cap-drop ALL --cap-add NET_BIND_SERVICE --cap-add SETUID"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	_, again, _ := ctrace(t, "", "seccomp", "generate", "--from", webRec)
	if again != out {
		t.Error("same input, other bytes")
	}
	for _, f := range []string{"oci", "kubernetes", "spo"} {
		if code, out, stderr := ctrace(t, "", "seccomp", "generate", "--from", webRec, "--format", f, "--args"); code != 0 || out == "" {
			t.Errorf("--format %s: exit %d %s", f, code, stderr)
		}
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	ctrace(t, "", "seccomp", "generate", "--from", webRec, "--output", a)
	ctrace(t, "", "seccomp", "generate", "--from", webRec, "--args", "--output", b)
	code, out, _ = ctrace(t, "", "seccomp", "diff", "--exit-code", a, b)
	if code != 1 || !strings.Contains(out, "~ socket:") {
		t.Errorf("diff --exit-code of different profiles: exit %d\n%s", code, out)
	}
	if code, out, _ = ctrace(t, "", "seccomp", "diff", "--exit-code", a, a); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("diff of a profile with itself: exit %d %s", code, out)
	}
	code, out, stderr = ctrace(t, "", "seccomp", "merge", webRec, webRec, "--name", "web")
	if code != 0 || !strings.Contains(out, `"ctraceRecording": 1`) || !strings.Contains(stderr, "merged 2 containers") {
		t.Errorf("merge: exit %d\n%s\n%s", code, out, stderr)
	}
}
