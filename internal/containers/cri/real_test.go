package cri

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

// TestSocket is the CRI runtime test/setup.sh prepares: a second
// containerd instance of its own (not Docker's) with the CRI plugin on,
// the images docker.io/ctrace-test/busybox and the pause image imported.
const TestSocket = "/run/ctrace-test-cri/containerd.sock"

// requireCRI returns a client for the test CRI runtime, skipping (failing
// under CTRACE_REQUIRE_PRIVILEGED=1) when it is not there.
func requireCRI(t *testing.T) *Client {
	t.Helper()
	sock := TestSocket
	if s := os.Getenv("CTRACE_CRI_SOCKET"); s != "" {
		sock = s
	}
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "needs root (the CRI socket and cgroups)"
	default:
		if _, err := os.Stat(sock); err != nil {
			why = fmt.Sprintf("no CRI runtime at %s (test/setup.sh starts one): %v", sock, err)
		}
	}
	if why != "" {
		if os.Getenv("CTRACE_REQUIRE_PRIVILEGED") == "1" {
			t.Fatalf("%s (a failure because CTRACE_REQUIRE_PRIVILEGED=1)", why)
		}
		t.Skip(why)
	}
	c, err := NewContainerd(sock, WithTimeout(30*time.Second), WithPollInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("CRI runtime at %s: %v", sock, err)
	}
	return c
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// realPod runs a pod (host network: no CNI needed) with one container
// sleeping, and removes it at cleanup.
func realPod(t *testing.T, c *Client) (podID, ctrID, uid, name string, mountDir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	uid = fmt.Sprintf("%s-%s-%s-%s-%s", randHex(4), randHex(2), randHex(2), randHex(2), randHex(6))
	name = "ctrace-test-" + randHex(4)
	podCfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: name, Namespace: "ctrace-test", Uid: uid},
		Labels:   map[string]string{"app": "ctrace-test"},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent: "/kubepods/besteffort/pod" + uid,
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE},
			},
		},
	}
	pod, err := c.rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: podCfg})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	podID = pod.GetPodSandboxId()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := c.rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: podID}); err != nil {
			t.Logf("cleanup: StopPodSandbox: %v", err)
		}
		if _, err := c.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: podID}); err != nil {
			t.Logf("cleanup: RemovePodSandbox: %v", err)
		}
		removePodCgroups(t, uid)
	})
	mountDir = t.TempDir()
	ctr, err := c.rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId:  podID,
		SandboxConfig: podCfg,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "sleeper"},
			Image:    &runtimeapi.ImageSpec{Image: "docker.io/ctrace-test/busybox:latest"},
			Command:  []string{"sleep", "300"},
			Labels:   map[string]string{"role": "test"},
			Mounts:   []*runtimeapi.Mount{{ContainerPath: "/data", HostPath: mountDir, Readonly: true}},
			Linux:    &runtimeapi.LinuxContainerConfig{},
		},
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	ctrID = ctr.GetContainerId()
	if _, err := c.rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: ctrID}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	return podID, ctrID, uid, name, mountDir
}

// TestRealContainerd runs a pod on containerd's CRI plugin and checks
// what the client and a collection learn about its container: pod name,
// namespace and uid, image, PID (really in the container's cgroup),
// mounts; from List, Inspect, the event stream (polled on containerd
// 1.6) and a cgroup scan.
func TestRealContainerd(t *testing.T) {
	c := requireCRI(t)
	coll := containers.NewCollection([]containers.Client{c}, t.Logf)
	defer coll.Close()
	coll.Watch()

	podID, id, uid, podName, mountDir := realPod(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	check := func(how string, in containers.Info) {
		t.Helper()
		if in.ID != id || in.Name != "sleeper" || in.Image != "docker.io/ctrace-test/busybox:latest" || in.Runtime != "containerd" ||
			in.Pod == nil || *in.Pod != (containers.PodInfo{Name: podName, Namespace: "ctrace-test", UID: uid}) || in.Labels["role"] != "test" {
			t.Errorf("%s: %+v (pod %+v)", how, in, in.Pod)
		}
	}

	info, err := c.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	check("Inspect", info)
	if info.State != "running" || info.PID <= 0 || info.OCIRuntime != "runc" {
		t.Errorf("Inspect: state %q pid %d oci %q", info.State, info.PID, info.OCIRuntime)
	} else if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", info.PID)); err != nil || !strings.Contains(string(b), id) {
		t.Errorf("pid %d is not in container %s: %v", info.PID, id[:12], err)
	}
	var mounted bool
	for _, m := range info.Mounts {
		mounted = mounted || m.Source == mountDir && m.Destination == "/data" && m.ReadOnly
	}
	if !mounted {
		t.Errorf("mounts %+v lack %s -> /data (ro)", info.Mounts, mountDir)
	}

	list, err := c.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, in := range list {
		if in.ID == id {
			listed = true
			check("List", in)
		}
	}
	if !listed {
		t.Errorf("List (%d containers) misses %s", len(list), id[:12])
	}

	// The event stream (polling here) told the collection before any cgroup was seen.
	for {
		if k, ok := coll.Known(id); ok && k.Name == "sleeper" {
			check("event stream", k)
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the event stream never named the container")
		case <-time.After(20 * time.Millisecond):
		}
	}

	// The container's cgroup, found by a scan of each hierarchy that has it.
	var found bool
	for _, v := range []int{0, 1} {
		h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", v)
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(h.Mount, "kubepods", "besteffort", "pod"+uid)); err != nil {
			t.Logf("%s: no pod cgroup (%v)", h.Mount, err)
			continue
		}
		scanned, err := coll.Scan(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, ctr := range scanned {
			if ctr.Info.ID == id {
				found = true
				check("Scan "+h.Mount, ctr.Info)
				if !ctr.Resolved || !strings.HasPrefix(ctr.CgroupPath, "/kubepods/besteffort/pod"+uid+"/") {
					t.Errorf("Scan %s: %+v", h.Mount, ctr)
				}
			}
		}
	}
	if !found {
		t.Error("no cgroup hierarchy has the container's cgroup")
	}
	// The pod's sandbox container is named too.
	sb, err := c.Inspect(ctx, podID)
	if err != nil || sb.Name != SandboxName || sb.Pod == nil || sb.Pod.Name != podName || sb.State != "running" {
		t.Errorf("sandbox: %+v, %v", sb, err)
	}
}

// removePodCgroups removes the pod's cgroup in every hierarchy, as the
// kubelet does once the pod is gone (containerd leaves it).
func removePodCgroups(t *testing.T, uid string) {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods/besteffort/pod" + uid)
	more, _ := filepath.Glob("/sys/fs/cgroup/kubepods/besteffort/pod" + uid)
	for _, d := range append(dirs, more...) {
		if err := os.Remove(d); err != nil {
			t.Logf("cleanup: %v", err)
		}
	}
}
