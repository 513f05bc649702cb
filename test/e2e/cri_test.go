//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// criSocket is the containerd-with-CRI instance test/setup.sh runs for
// these tests (its own, not Docker's).
const criSocket = "/run/ctrace-test-cri/containerd.sock"

func requireCRI(t *testing.T) runtimeapi.RuntimeServiceClient {
	t.Helper()
	if _, err := os.Stat(criSocket); err != nil {
		if mustRun() {
			t.Fatalf("no CRI runtime at %s: run test/setup.sh (%v)", criSocket, err)
		}
		t.Skipf("no CRI runtime at %s (test/setup.sh starts one): %v", criSocket, err)
	}
	conn, err := grpc.NewClient("unix://"+criSocket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return runtimeapi.NewRuntimeServiceClient(conn)
}

// runPod starts a host-network pod with one container running cmd; it
// is removed at cleanup. It returns the container id and the pod's name
// and uid.
func runPod(t *testing.T, rt runtimeapi.RuntimeServiceClient, ctrName string, cmd ...string) (id, pod, uid string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dockerDeadline)
	defer cancel()
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	uid = fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
	pod = "ctrace-e2e-pod-" + h[:6]
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: pod, Namespace: "ctrace-e2e", Uid: uid},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent:    "/kubepods/besteffort/pod" + uid,
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE}},
		},
	}
	p, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dockerDeadline)
		defer cancel()
		rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: p.PodSandboxId})
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: p.PodSandboxId}); err != nil {
			t.Logf("cleanup: %v", err)
		}
		// The pod's cgroup, as the kubelet removes it (containerd leaves it).
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods/besteffort/pod" + uid)
		more, _ := filepath.Glob("/sys/fs/cgroup/kubepods/besteffort/pod" + uid)
		for _, d := range append(dirs, more...) {
			if err := os.Remove(d); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
	})
	c, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: p.PodSandboxId, SandboxConfig: cfg,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: ctrName},
			Image:    &runtimeapi.ImageSpec{Image: "docker.io/" + testImage},
			Command:  cmd,
			Linux:    &runtimeapi.LinuxContainerConfig{},
		},
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	t.Logf("pod %s (uid %s): container %s %s started: %s", pod, uid, ctrName, c.ContainerId[:12], strings.Join(cmd, " "))
	return c.ContainerId, pod, uid
}

// A container of a Kubernetes pod (containerd through CRI) is traced with
// its name and its pod in the container object, and `ctrace ls` lists
// it with its pod.
func TestCRIPodContainer(t *testing.T) {
	requireEnv(t)
	rt := requireCRI(t)
	c := startCtrace(t, "--containerd-socket", criSocket, "--event", "execve,openat")
	id, pod, uid := runPod(t, rt, "reader", "sh", "-c", "cat /etc/hostname; exec sleep 300")
	// busybox sh runs cat without exec (a no-fork applet) and execs
	// sleep through /proc/self/exe: wait for the openat and any execve.
	evs := c.waitFor(t, eventDeadline, "an openat of /etc/hostname and an execve from the pod's container", func(evs []Event) bool {
		var opened, execd bool
		for i := range evs {
			if evs[i].Container.ID == id {
				opened = opened || isOpenHostname(&evs[i])
				execd = execd || evs[i].Event == "execve"
			}
		}
		return opened && execd
	})
	var n int
	for _, e := range evs {
		if e.Container.ID != id {
			continue
		}
		n++
		var raw struct {
			Container struct {
				Pod *struct{ Name, Namespace, UID string } `json:"pod"`
			} `json:"container"`
		}
		if err := json.Unmarshal([]byte(e.Raw), &raw); err != nil {
			t.Fatal(err)
		}
		p := raw.Container.Pod
		if e.Container.Name != "reader" || e.Container.Image != "docker.io/"+testImage || e.Container.Runtime != "containerd" ||
			p == nil || p.Name != pod || p.Namespace != "ctrace-e2e" || p.UID != uid {
			t.Errorf("event of the pod's container lacks its identity: %s", e.Raw)
		}
	}
	t.Logf("%d events of the pod's container, all with name and pod", n)

	code, stdout, stderr := runCLI(t, "ls", "--output-format", "json", "--containerd-socket", criSocket)
	if code != 0 {
		t.Fatalf("ls: %s", stderr)
	}
	var list []struct {
		ID, Name, Runtime, State, Cgroup string
		PID                              int
		Pod                              *struct{ Name, Namespace, UID string }
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, e := range list {
		if e.ID == id {
			listed = true
			if e.Name != "reader" || e.Runtime != "containerd" || e.State != "running" || e.PID <= 0 || e.Pod == nil || e.Pod.Name != pod || !strings.Contains(e.Cgroup, uid) {
				t.Errorf("ls: %+v (pod %+v)", e, e.Pod)
			}
		}
	}
	if !listed {
		t.Errorf("ctrace ls does not list the pod's container %s:\n%s", id[:12], stdout)
	}
}
