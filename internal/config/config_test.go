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
	if l := strings.Join(List(&got), ";"); l != "errors-path="+c.ErrorsPath+";events-path=;output-format=json" {
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
