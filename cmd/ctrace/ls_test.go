package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const evilID = "3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d"

// fakeDocker serves a Docker Engine API (version 1.52, refusing below
// 1.44 like Engine 29) with one running container whose name and image
// carry terminal escape sequences, and one exited container.
func fakeDocker(t *testing.T) string {
	t.Helper()
	exitedID := strings.Repeat("9", 64)
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("API-Version", "1.52")
		w.Write([]byte("OK"))
	})
	mux.HandleFunc("/v1.52/containers/json", func(w http.ResponseWriter, r *http.Request) {
		list := []map[string]any{{"Id": evilID}}
		if r.URL.Query().Get("all") == "1" {
			list = append(list, map[string]any{"Id": exitedID})
		}
		json.NewEncoder(w).Encode(list)
	})
	mux.HandleFunc("/v1.52/containers/"+evilID+"/json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Id":"` + evilID + `","Created":"2026-12-01T10:00:00.5Z","Name":"/evil\u001b[31mred","State":{"Status":"running","Pid":4242},
			"Config":{"Image":"img\u001b]0;title\u0007","Labels":{"a":"b"}},"HostConfig":{"Runtime":"runc"},
			"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.9"}}},"Mounts":[{"Type":"volume","Name":"data","Source":"/var/lib/docker/volumes/data/_data","Destination":"/data","RW":true}]}`))
	})
	mux.HandleFunc("/v1.52/containers/"+exitedID+"/json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Id":"` + exitedID + `","Created":"2026-12-01T09:00:00Z","Name":"/old","State":{"Status":"exited","Pid":0},"Config":{"Image":"busybox"}}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"client version is too old. Minimum supported API version is 1.44"}`, http.StatusBadRequest)
	})
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return sock
}

// noRuntimes turns off every auto-detected runtime but the given flags.
func noRuntimes(args ...string) []string {
	return append([]string{"--podman-socket", "none", "--containerd-socket", "none", "--crio-socket", "none"}, args...)
}

func TestLsJSON(t *testing.T) {
	sock := fakeDocker(t)
	code, stdout, stderr := ctrace(t, "", append([]string{"ls", "-o", "json", "--all"}, noRuntimes("--docker-socket", sock)...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(stdout), &all); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	var got []map[string]any // the fake engine's (containers of other runtimes on this host are listed from cgroups)
	for _, c := range all {
		if c["source"] == "runtime" {
			got = append(got, c)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d containers, want 2:\n%s", len(got), stdout)
	}
	c := got[0] // newest first
	want := map[string]any{"id": evilID, "name": "evil\x1b[31mred", "image": "img\x1b]0;title\a", "runtime": "docker", "oci_runtime": "runc",
		"state": "running", "created": "2026-12-01T10:00:00.5Z", "pid": float64(4242), "source": "runtime"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %#v, want %#v", k, c[k], v)
		}
	}
	if ips, _ := c["ips"].([]any); len(ips) != 1 || ips[0] != "172.17.0.9" {
		t.Errorf("ips = %v", c["ips"])
	}
	if m, _ := c["mounts"].([]any); len(m) != 1 || m[0].(map[string]any)["name"] != "data" {
		t.Errorf("mounts = %v", c["mounts"])
	}
	if _, ok := c["pod"]; ok {
		t.Error("pod present for a Docker container")
	}
	old := got[1]
	if old["name"] != "old" || old["state"] != "exited" || old["pid"] != float64(0) {
		t.Errorf("exited container: %v", old)
	}
	for _, k := range []string{"labels", "ips", "mounts"} {
		if old[k] == nil {
			t.Errorf("%s is null, want an empty collection", k)
		}
	}
	// Without --all, only the running one.
	_, stdout, _ = ctrace(t, "", append([]string{"ls", "-o", "json"}, noRuntimes("--docker-socket", sock)...)...)
	if strings.Contains(stdout, `"old"`) || !strings.Contains(stdout, evilID) {
		t.Errorf("ls without --all:\n%s", stdout)
	}
}

func TestLsTableEscapes(t *testing.T) {
	sock := fakeDocker(t)
	// The socket from the config file this time.
	cfg := filepath.Join(t.TempDir(), "c.json")
	if code, _, stderr := ctrace(t, cfg, "config", "--set", "docker-socket="+sock); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr := ctrace(t, cfg, append([]string{"trace", "ls", "-c"}, noRuntimes()...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\a") {
		t.Errorf("raw control characters reached the terminal: %q", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, evilID[:12]+" ") {
			lines[1] = l
		}
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "CONTAINER ID") || !strings.Contains(lines[0], "CGROUP") ||
		!strings.HasPrefix(lines[1], evilID[:12]+" ") || !strings.Contains(lines[1], `evil\x1b[31mred`) || !strings.Contains(lines[1], "docker/runc") || !strings.Contains(lines[1], "4242") {
		t.Errorf("table:\n%s", stdout)
	}
	if code, _, stderr := ctrace(t, cfg, append([]string{"ls", "--containers=false"}, noRuntimes()...)...); code == 0 || !strings.Contains(stderr, "nothing to list") {
		t.Errorf("--containers=false: %d %s", code, stderr)
	}
}

func TestLsBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.sock")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "-o", "xml"}, `--output-format "xml": use table or json`},
		{append([]string{"ls"}, noRuntimes("--docker-socket", missing)...), "runtime docker at " + missing + " (--docker-socket) does not answer: docker: dial unix " + missing + ": connect: no such file or directory"},
		{[]string{"config", "--set", "dockr-socket=/x"}, `unknown config key "dockr-socket": did you mean "docker-socket"?`},
		{[]string{"ls", "--bogus"}, "unknown flag: --bogus"},
	} {
		code, stdout, stderr := ctrace(t, "", c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a one-line error containing %q", c.args, code, stdout, stderr, c.want)
		}
	}
}
