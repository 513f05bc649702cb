// Package dockertest starts real containers with the docker CLI for
// tests that need a running Docker engine.
package dockertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// Socket is the engine socket the tests use.
	Socket = "/var/run/docker.sock"
	// Image is the test image (a busybox rootfs).
	Image = "ctrace-test/busybox"
	// cliTimeout bounds each docker CLI call.
	cliTimeout = 60 * time.Second
)

// Container is a test container started by Run.
type Container struct {
	ID   string
	Name string
	PID  int
}

// Require skips the test unless the Docker socket and CLI are present.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Socket); err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skipf("no docker CLI: %v", err)
	}
}

// Run starts a detached container of Image running "sleep 300" with a
// unique name, removes it when the test ends, and returns it.
func Run(t testing.TB) Container {
	t.Helper()
	name := Name()

	t.Cleanup(func() {
		// Best effort: the container may not have been created.
		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		defer cancel()
		_ = exec.CommandContext(ctx, "docker", "rm", "-f", name).Run()
	})
	// "docker run -d" returns once the container is started.
	id := CLI(t, "run", "-d", "--name", name, Image, "sleep", "300")
	pid, err := strconv.Atoi(CLI(t, "inspect", "-f", "{{.State.Pid}}", id))
	if err != nil || pid <= 0 {
		t.Fatalf("container %s has no pid: %v", name, err)
	}
	return Container{ID: id, Name: name, PID: pid}
}

// Name returns a unique container name with the tests' prefix.
func Name() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "ctrace-test-" + hex.EncodeToString(b)
}

// CLI runs the docker CLI with a deadline and returns its trimmed
// standard output, failing the test on error.
func CLI(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out))
}
