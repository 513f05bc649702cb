//go:build e2e

package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuntimeAPIFailureInErrorsFile: when the runtime API does not answer,
// the errors file says so, naming the container concerned.
func TestRuntimeAPIFailureInErrorsFile(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	// A socket that accepts and hangs up: every Docker API call fails.
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	errorsPath := filepath.Join(dir, "errors.json")
	env := privateConfig(t, map[string]string{"output-format": "json", "errors-path": errorsPath})
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, "--docker-socket", sock, "--podman-socket", filepath.Join(dir, "none.sock"))
	name := containerName(t)
	id := runContainer(t, name, "cat", "/etc/hostname")
	waitContainerExit(t, name, dockerDeadline)
	c.waitFor(t, eventDeadline, "an event of container "+id[:12], func(evs []Event) bool {
		for _, e := range evs {
			if e.Container.ID == id {
				return true
			}
		}
		return false
	})
	c.Stop(t)
	found := false
	for _, e := range readErrors(t, errorsPath) {
		if e.Kind == "runtime-api" && e.Container != nil && e.Container.ID == id {
			found = true
			if e.Container.Runtime != "docker" || !strings.Contains(e.Message, id[:12]) {
				t.Errorf("runtime-api entry %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("no runtime-api entry naming container %s in %s", id[:12], errorsPath)
	}
}
