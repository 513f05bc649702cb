package main

import (
	"fmt"
	"io"
	"os"

	"github.com/ctrace-dev/ctrace/internal/config"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/containers/docker"
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

// runtimeClients returns a client for every runtime socket that exists.
func (e *env) runtimeClients(dockerSocket, podmanSocket string) []containers.Client {
	var cs []containers.Client
	if _, err := os.Stat(dockerSocket); err == nil {
		cs = append(cs, docker.New(dockerSocket))
	}
	if _, err := os.Stat(podmanSocket); err == nil {
		cs = append(cs, docker.NewPodman(podmanSocket))
	}
	return cs
}
