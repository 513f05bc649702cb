package main

import (
	"fmt"
	"io"

	"github.com/ctrace-dev/ctrace/internal/config"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// env carries what every command needs, created once in newRootCmd and
// passed explicitly.
type env struct {
	stdout, stderr io.Writer
	configPath     string
}

func newEnv(stdout, stderr io.Writer) *env {
	return &env{stdout: stdout, stderr: stderr, configPath: config.DefaultPath()}
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "ctrace: "+format+"\n", args...)
}

func (e *env) catalog() (*events.Catalog, error) {
	arch := syscalls.Native()
	if arch == "" {
		return nil, fmt.Errorf("this CPU architecture has no syscall table in ctrace (supported: x86_64, arm64)")
	}
	return events.NewCatalog(arch), nil
}

func (e *env) config() (config.Config, error) {
	return config.Load(e.configPath)
}
