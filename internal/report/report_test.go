package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func line(ctr, name, event string, pid int, args string, retval int, errno string) string {
	l := fmt.Sprintf(`{"timestamp":"2026-01-01T00:00:%02dZ","event":%q,"syscall":true,"container":{"id":"%s","name":"%s","image":"img","runtime":"docker"},"process":{"pid":%d,"tid":%d,"ppid":1,"comm":"sh","uid":0,"gid":0},"args":%s,"retval":%d`,
		pid%60, event, strings.Repeat(ctr, 64), name, pid, pid, args, retval)
	if errno != "" {
		l += fmt.Sprintf(`,"error":%q`, errno)
	}
	return l + "}\n"
}

func trace() string {
	var b strings.Builder
	for i := range 5 {
		b.WriteString(line("a", "web", "openat", 10+i, `{"dfd":-100,"filename":"/etc/hostname","flags":"O_RDONLY","mode":"000"}`, 3, ""))
	}
	b.WriteString(line("a", "web", "openat", 10, `{"dfd":-100,"filename":"/nope","flags":"O_RDONLY","mode":"000"}`, -2, "ENOENT"))
	b.WriteString(line("a", "web", "newfstatat", 10, `{"dfd":-100,"filename":"/nope","statbuf":{},"flag":"0"}`, -2, "ENOENT"))
	b.WriteString(line("a", "web", "execve", 11, `{"filename":"/bin/cat","argv":["cat"],"envp":"0x1"}`, 0, ""))
	b.WriteString(line("a", "web", "execve", 11, `{"filename":"/bin/nope","argv":["nope"],"envp":"0x1"}`, -2, "ENOENT"))
	b.WriteString(line("a", "web", "connect", 12, `{"fd":3,"uservaddr":{"family":"AF_INET","addr":"127.0.0.1","port":80},"addrlen":16}`, -111, "ECONNREFUSED"))
	b.WriteString(line("a", "web", "connect", 12, `{"fd":3,"uservaddr":{"family":"AF_INET6","addr":"::1","port":443},"addrlen":28}`, 0, ""))
	b.WriteString(line("a", "web", "accept4", 12, `{"fd":3,"upeer_sockaddr":{"family":"AF_UNIX","path":"@x"},"upeer_addrlen":"0x1","flags":"0"}`, 4, ""))
	b.WriteString(line("a", "web", "rename", 12, `{"oldname":"/a\\\\b","newname":"/c"}`, 0, ""))
	for i := range 3 {
		b.WriteString(line("b", "db", "read", 20, `{"fd":0,"buf":"0x1","count":1}`, 1, ""))
		_ = i
	}
	b.WriteString(`{"timestamp":"2026-01-01T00:00:30Z","event":"sched_process_exit","syscall":false,"container":{"id":"` + strings.Repeat("b", 64) + `","name":"db","image":"img","runtime":"docker"},"process":{"pid":20,"tid":20,"ppid":1,"comm":"sh","uid":0,"gid":0},"args":{"exit_code":0,"signal":0,"leader":1}}` + "\n")
	b.WriteString(`{"timestamp":"2026-01-01T00:00:31Z","event":"rea`) // killed mid-line
	return b.String()
}

func TestReport(t *testing.T) {
	rep, err := Build(strings.NewReader(trace()), "t.json", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 17 || len(rep.Containers) != 2 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "partial last line") {
		t.Fatalf("events %d containers %d warnings %q", rep.Events, len(rep.Containers), rep.Warnings)
	}
	web, db := rep.Containers[0], rep.Containers[1]
	if web.Name != "web" || web.Events != 13 || web.Syscalls != 13 || web.Failed != 4 || web.Processes != 5 {
		t.Errorf("web: %+v", web)
	}
	if db.Events != 4 || db.Syscalls != 3 || db.SyscallCounts[0] != (Count{Name: "read", Count: 3}) {
		t.Errorf("db: %+v", db)
	}
	if got := web.SyscallCounts[0]; got != (Count{Name: "openat", Count: 6, Errors: 1}) {
		t.Errorf("top syscall %+v", got)
	}
	files := map[string]File{}
	for _, f := range web.Files {
		files[f.Path] = f
	}
	if f := files["/etc/hostname"]; f.Count != 5 || f.Errors != 0 {
		t.Errorf("/etc/hostname: %+v", f)
	}
	if f := files["/nope"]; f.Count != 2 || f.Errors != 2 || f.Syscalls["newfstatat"] != 1 {
		t.Errorf("/nope: %+v", f)
	}
	if _, ok := files[`/a\\b`]; !ok || len(files) != 4 {
		t.Errorf("files %v", files)
	}
	if len(web.Programs) != 2 || web.Programs[0].Path != "/bin/cat" || web.Programs[0].Execs != 1 || web.Programs[1].Path != "/bin/nope" || web.Programs[1].Errors != 1 || web.Programs[0].Argv0[0] != "cat" {
		t.Errorf("programs %+v", web.Programs)
	}
	peers := map[string]Peer{}
	for _, p := range web.Peers {
		peers[p.Direction+" "+p.Peer] = p
	}
	if p := peers["out 127.0.0.1:80"]; p.Count != 1 || p.Errors != 1 {
		t.Errorf("peers %+v", peers)
	}
	if _, ok := peers["out [::1]:443"]; !ok {
		t.Errorf("peers %+v", peers)
	}
	if _, ok := peers["in @x"]; !ok {
		t.Errorf("peers %+v", peers)
	}
	errs := map[string]uint64{}
	for _, e := range web.Errors {
		errs[e.Errno] = e.Count
	}
	if errs["ENOENT"] != 3 || errs["ECONNREFUSED"] != 1 {
		t.Errorf("errors %v", errs)
	}
	// Top N cuts the lists and keeps the totals.
	rep, _ = Build(strings.NewReader(trace()), "t.json", Options{Top: 1}, nil)
	if c := rep.Containers[0]; len(c.SyscallCounts) != 1 || c.SyscallsTotal != 6 || len(c.Files) != 1 || c.FilesTotal != 4 {
		t.Errorf("top 1: %d of %d syscalls, %d of %d files", len(c.SyscallCounts), c.SyscallsTotal, len(c.Files), c.FilesTotal)
	}
	rep, _ = Build(strings.NewReader(trace()), "t.json", Options{Container: "db"}, nil)
	if len(rep.Containers) != 1 || rep.Containers[0].Name != "db" {
		t.Errorf("--container db: %d containers", len(rep.Containers))
	}
	// Both renderings work; the text escapes container strings.
	var js, txt bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Errorf("JSON: %v", err)
	}
	if err := rep.WriteText(&txt); err != nil || !strings.Contains(txt.String(), "CONTAINER db") {
		t.Errorf("text: %v\n%s", err, txt.String())
	}
}

func TestReportEscapesForTerminal(t *testing.T) {
	tr := line("c", `evil\u001b[31m`, "openat", 1, `{"dfd":-100,"filename":"/x\u001b]0;t\u0007\\xff","flags":"O_RDONLY","mode":"000"}`, 3, "")
	rep, err := Build(strings.NewReader(tr), "t.json", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var txt bytes.Buffer
	rep.WriteText(&txt)
	if bytes.ContainsAny(txt.Bytes(), "\x1b\x07") {
		t.Errorf("control bytes reached the terminal:\n%q", txt.String())
	}
	if !strings.Contains(txt.String(), `/x\x1b]0;t\x07\xff`) {
		t.Errorf("file name not shown escaped:\n%s", txt.String())
	}
}

func BenchmarkBuild(b *testing.B) {
	var data strings.Builder
	for range 200 {
		data.WriteString(strings.TrimSuffix(trace(), `{"timestamp":"2026-01-01T00:00:31Z","event":"rea`))
	}
	b.SetBytes(int64(data.Len()))
	for b.Loop() {
		if _, err := Build(strings.NewReader(data.String()), "x", Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(17*200*b.N)/b.Elapsed().Seconds(), "events/s")
}
