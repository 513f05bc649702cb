package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	var c Config
	for _, a := range []string{"output-format=json", "events-path=/tmp/ctrace/events.json", "errors-path=~/err.json"} {
		if err := Set(&c, a); err != nil {
			t.Fatalf("Set(%q): %v", a, err)
		}
	}
	home, _ := os.UserHomeDir()
	if c.ErrorsPath != filepath.Join(home, "err.json") {
		t.Errorf("~ not expanded: %q", c.ErrorsPath)
	}
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v, %v", fi.Mode(), err)
	}
	got, err := Load(path)
	if err != nil || got != c {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, c)
	}
	if err := Unset(&got, "events-path"); err != nil || got.EventsPath != "" {
		t.Errorf("Unset: %v %+v", err, got)
	}
	if v, err := Get(&got, "output-format"); err != nil || v != "json" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if l := strings.Join(List(&got), ";"); l != "containerd-socket=;crio-socket=;docker-socket=;errors-path="+c.ErrorsPath+";events-path=;output-format=json;podman-socket=" {
		t.Errorf("List = %s", l)
	}
}

func TestBadInput(t *testing.T) {
	var c Config
	for _, a := range []string{"output-format=xml", "colour=blue", "output-format", "events-path=" + t.TempDir()} {
		err := Set(&c, a)
		if err == nil {
			t.Errorf("Set(%q) accepted", a)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("Set(%q): multi-line error %q", a, err)
		}
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json": "{output-format: json",
		"unknown.json": `{"colour":"blue"}`,
		"badval.json":  `{"output-format":"xml"}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%s) = %v; want a one-line error naming the file", name, err)
		}
	}
	if c, err := Load(filepath.Join(dir, "missing.json")); err != nil || c != (Config{}) {
		t.Errorf("missing file: %+v %v", c, err)
	}
}

func TestSockets(t *testing.T) {
	var c Config
	for _, a := range []string{"docker-socket=/run/x/docker.sock", "podman-socket=none", "containerd-socket=~/c.sock", "crio-socket="} {
		if err := Set(&c, a); err != nil {
			t.Fatalf("Set(%q): %v", a, err)
		}
	}
	home, _ := os.UserHomeDir()
	want := Config{DockerSocket: "/run/x/docker.sock", PodmanSocket: SocketNone, ContainerdSocket: filepath.Join(home, "c.sock")}
	if c != want {
		t.Errorf("config = %+v, want %+v", c, want)
	}
	if err := Set(&c, "docker-socket="+t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory as socket: %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.json")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got != c {
		t.Errorf("Load = %+v, %v", got, err)
	}
}

func TestUnknownKeySuggests(t *testing.T) {
	var c Config
	for in, want := range map[string]string{
		"evnts-path=x":   `unknown config key "evnts-path": did you mean "events-path"? (keys: output-format, events-path, errors-path, docker-socket, podman-socket, containerd-socket, crio-socket)`,
		"docker=/x.sock": `unknown config key "docker": did you mean "docker-socket"?`,
		"colour=blue":    `unknown config key "colour" (keys: `,
	} {
		err := Set(&c, in)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Set(%q) = %v\nwant prefix %s", in, err, want)
		}
	}
	if _, err := Get(&c, "output-fromat"); err == nil || !strings.Contains(err.Error(), `did you mean "output-format"?`) {
		t.Errorf("Get: %v", err)
	}
	if err := Unset(&c, "erors-path"); err == nil || !strings.Contains(err.Error(), `did you mean "errors-path"?`) {
		t.Errorf("Unset: %v", err)
	}
	p := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(p, []byte(`{"output-format":"json","crio-sockt":"/x"}`), 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), `unknown config key "crio-sockt": did you mean "crio-socket"?`) || !strings.Contains(err.Error(), p) {
		t.Errorf("Load: %v", err)
	}
}
