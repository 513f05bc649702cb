// Package config reads and writes ctrace's persistent settings
// (`ctrace config`): one small JSON file, written atomically.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/suggest"
)

// Config holds the persistent settings. Empty means "not set".
type Config struct {
	OutputFormat string `json:"output-format,omitempty"`
	EventsPath   string `json:"events-path,omitempty"`
	ErrorsPath   string `json:"errors-path,omitempty"`
	// Container runtime API sockets: a path overrides auto-detection,
	// "none" turns the runtime off, empty auto-detects.
	DockerSocket     string `json:"docker-socket,omitempty"`
	PodmanSocket     string `json:"podman-socket,omitempty"`
	ContainerdSocket string `json:"containerd-socket,omitempty"`
	CRIOSocket       string `json:"crio-socket,omitempty"`
}

// key is one settable key: how to validate and store it.
type key struct {
	name  string
	help  string
	field func(*Config) *string
	check func(string) (string, error)
}

var keys = []key{
	{"output-format", "table or json", func(c *Config) *string { return &c.OutputFormat }, checkFormat},
	{"events-path", "file that trace writes events to (appended, or replaced with --overwrite; 0600); empty: standard output", func(c *Config) *string { return &c.EventsPath }, checkPath},
	{"errors-path", "file that trace writes its errors and notices to, as JSON lines (docs/errors.md); empty: standard error", func(c *Config) *string { return &c.ErrorsPath }, checkPath},
	{"docker-socket", "Docker Engine API socket (path, or none); empty: auto-detect", func(c *Config) *string { return &c.DockerSocket }, checkSocket},
	{"podman-socket", "Podman's Docker-compatible API socket (path, or none); empty: auto-detect", func(c *Config) *string { return &c.PodmanSocket }, checkSocket},
	{"containerd-socket", "containerd's socket, for its CRI API (path, or none); empty: auto-detect", func(c *Config) *string { return &c.ContainerdSocket }, checkSocket},
	{"crio-socket", "CRI-O's CRI API socket (path, or none); empty: auto-detect", func(c *Config) *string { return &c.CRIOSocket }, checkSocket},
}

// SocketNone is the socket value that turns a runtime off.
const SocketNone = "none"

// Keys returns the settable key names with their help, for --help and completion.
func Keys() [][2]string {
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k.name, k.help}
	}
	return out
}

func findKey(name string) (key, error) {
	for _, k := range keys {
		if k.name == name {
			return k, nil
		}
	}
	return key{}, errors.New(unknownKey(name))
}

// unknownKey words the error for an unknown key, with the nearest keys.
func unknownKey(name string) string {
	var names []string
	for _, k := range keys {
		names = append(names, k.name)
	}
	return suggest.Unknown("config key", name, names, "keys: "+strings.Join(names, ", "))
}

func checkFormat(v string) (string, error) {
	if v != "table" && v != "json" {
		return "", fmt.Errorf("output-format %q: use table or json", v)
	}
	return v, nil
}

// checkSocket accepts "none", or a path made absolute (~ expanded); the
// socket need not exist yet.
func checkSocket(v string) (string, error) {
	if v == "" || v == SocketNone {
		return v, nil
	}
	p, err := expandPath(v)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return "", fmt.Errorf("%s is a directory; give the socket's path", p)
	}
	return p, nil
}

func expandPath(v string) (string, error) {
	if strings.HasPrefix(v, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expand %s: %w", v, err)
		}
		v = filepath.Join(home, v[2:])
	}
	return filepath.Abs(v)
}

func checkPath(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	abs, err := expandPath(v)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return "", fmt.Errorf("%s is a directory; give a file path", abs)
	}
	return abs, nil
}

// DefaultPath is $CTRACE_CONFIG, else $XDG_CONFIG_HOME/ctrace/config.json,
// else ~/.config/ctrace/config.json.
func DefaultPath() string {
	if p := os.Getenv("CTRACE_CONFIG"); p != "" {
		return p
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "ctrace", "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/root"
	}
	return filepath.Join(home, ".config", "ctrace", "config.json")
}

// Load reads the config at path; a missing file is an empty config.
func Load(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) == nil {
		for _, name := range sortedNames(raw) {
			if _, err := findKey(name); err != nil {
				return c, fmt.Errorf("config %s: %s (fix or delete it)", path, unknownKey(name))
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s is malformed: %v (fix or delete it)", path, oneLine(err))
	}
	for _, k := range keys {
		if v := *k.field(&c); v != "" {
			if _, err := k.check(v); err != nil {
				return c, fmt.Errorf("config %s: %v", path, err)
			}
		}
	}
	return c, nil
}

// Save writes c to path atomically (temporary file, then rename), 0600.
func Save(path string, c Config) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// Set validates and sets "key=value" in c.
func Set(c *Config, assignment string) error {
	name, value, ok := strings.Cut(assignment, "=")
	if !ok {
		return fmt.Errorf("--set %q: use key=value", assignment)
	}
	k, err := findKey(strings.TrimSpace(name))
	if err != nil {
		return err
	}
	v, err := k.check(strings.TrimSpace(value))
	if err != nil {
		return err
	}
	*k.field(c) = v
	return nil
}

// Get returns the value of key in c.
func Get(c *Config, name string) (string, error) {
	k, err := findKey(name)
	if err != nil {
		return "", err
	}
	return *k.field(c), nil
}

// Unset clears key in c.
func Unset(c *Config, name string) error {
	k, err := findKey(name)
	if err != nil {
		return err
	}
	*k.field(c) = ""
	return nil
}

// List returns "key=value" lines for every key, sorted.
func List(c *Config) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.name+"="+*k.field(c))
	}
	sort.Strings(out)
	return out
}

func sortedNames(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
