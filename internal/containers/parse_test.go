package containers

import (
	"strings"
	"testing"
)

const (
	id1 = "6a9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c"
	id2 = "fb1c9e0d7a3b5c4d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d"
	id3 = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
	uid = "0f6b1a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c"
	// uidU is uid as the systemd driver spells it in slice names.
	uidU = "0f6b1a2c_3d4e_4f5a_8b6c_7d8e9f0a1b2c"
)

func TestParseCgroupPath(t *testing.T) {
	tests := []struct {
		path string
		want ContainerRef // zero: not a container
	}{
		// Docker, cgroupfs driver (v1 and v2 look the same).
		{"/docker/" + id1, ContainerRef{ID: id1, Runtime: "docker"}},
		{"/docker/" + id1 + "/", ContainerRef{ID: id1, Runtime: "docker"}},
		{"docker/" + id1, ContainerRef{ID: id1, Runtime: "docker"}},
		{"/docker/" + id1 + "/init.scope", ContainerRef{ID: id1, Runtime: "docker"}},
		{"/docker/" + id1 + "/system.slice/ssh.service", ContainerRef{ID: id1, Runtime: "docker"}},
		{"/actions_job/" + id1, ContainerRef{ID: id1, Runtime: "docker"}},
		// Docker, systemd driver.
		{"/system.slice/docker-" + id1 + ".scope", ContainerRef{ID: id1, Runtime: "docker"}},
		{"/system.slice/docker-" + id1 + ".scope/init.scope", ContainerRef{ID: id1, Runtime: "docker"}},
		// Docker in docker without a cgroup namespace: the inner one wins.
		{"/docker/" + id1 + "/docker/" + id2, ContainerRef{ID: id2, Runtime: "docker"}},
		// kind / minikube node containers hosting pods.
		{"/docker/" + id1 + "/kubepods/besteffort/pod" + uid + "/" + id2, ContainerRef{ID: id2, PodUID: uid}},
		{"/system.slice/docker-" + id1 + ".scope/kubepods/burstable/pod" + uid + "/" + id2, ContainerRef{ID: id2, PodUID: uid}},
		// Kubernetes, cgroupfs driver.
		{"/kubepods/besteffort/pod" + uid + "/" + id1, ContainerRef{ID: id1, PodUID: uid}},
		{"/kubepods/burstable/pod" + uid + "/" + id1, ContainerRef{ID: id1, PodUID: uid}},
		{"/kubepods/pod" + uid + "/" + id1, ContainerRef{ID: id1, PodUID: uid}},
		{"/kubepods/besteffort/pod" + uid + "/crio-" + id1, ContainerRef{ID: id1, Runtime: "crio", PodUID: uid}},
		{"/kubepods/pod0123456789abcdef0123456789abcdef/" + id1, ContainerRef{ID: id1, PodUID: "0123456789abcdef0123456789abcdef"}},
		// Kubernetes, systemd driver.
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope",
			ContainerRef{ID: id1, Runtime: "containerd", PodUID: uid}},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-" + id1 + ".scope",
			ContainerRef{ID: id1, Runtime: "crio", PodUID: uid}},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-" + id1 + ".scope/container",
			ContainerRef{ID: id1, Runtime: "crio", PodUID: uid}},
		{"/kubepods.slice/kubepods-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope",
			ContainerRef{ID: id1, Runtime: "containerd", PodUID: uid}},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/docker-" + id1 + ".scope",
			ContainerRef{ID: id1, Runtime: "docker", PodUID: uid}},
		// k3s / rke2 put kubepods under their own slice.
		{"/k3s.slice/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope",
			ContainerRef{ID: id1, Runtime: "containerd", PodUID: uid}},
		// CRI-O outside Kubernetes paths and its monitor.
		{"/machine.slice/crio-" + id1 + ".scope", ContainerRef{ID: id1, Runtime: "crio"}},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-conmon-" + id1 + ".scope", ContainerRef{}},
		// Podman.
		{"/machine.slice/libpod-" + id1 + ".scope", ContainerRef{ID: id1, Runtime: "podman"}},
		{"/machine.slice/libpod-" + id1 + ".scope/container", ContainerRef{ID: id1, Runtime: "podman"}},
		{"/machine.slice/libpod-conmon-" + id1 + ".scope", ContainerRef{}},
		{"/libpod_parent/libpod-" + id1, ContainerRef{ID: id1, Runtime: "podman"}},
		{"/libpod_parent/" + id1, ContainerRef{ID: id1, Runtime: "podman"}},
		{"/libpod_parent/conmon", ContainerRef{}},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id1 + ".scope", ContainerRef{ID: id1, Runtime: "podman"}},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id1 + ".scope/container", ContainerRef{ID: id1, Runtime: "podman"}},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-" + id1 + ".scope", ContainerRef{}},
		// containerd without Kubernetes (ctr run), cgroupfs: /<namespace>/<id>.
		{"/default/" + id1, ContainerRef{ID: id1, Runtime: "containerd"}},
		// A bare id under an unknown parent is still a container.
		{"/custom-parent/" + id1, ContainerRef{ID: id1}},
		// Docker buildkit build steps are not containers.
		{"/docker/buildkit", ContainerRef{}},
		{"/docker/buildkit/ndq8u2y3pzuo1ayp2bxrmc26f", ContainerRef{}},
		{"/docker/buildkit/" + id1, ContainerRef{}},
		{"/docker/buildkit/" + id1 + "/init.scope", ContainerRef{}},
		// … but a builder running inside a container belongs to it.
		{"/system.slice/docker-" + id1 + ".scope/docker/buildkit/" + id2, ContainerRef{ID: id1, Runtime: "docker"}},
		{"/docker/" + id1 + "/docker/buildkit/ndq8u2y3pzuo1ayp2bxrmc26f", ContainerRef{ID: id1, Runtime: "docker"}},
		// LXC 4+.
		{"/lxc.payload.web1", ContainerRef{ID: "web1", Runtime: "lxc"}},
		{"/lxc.payload.my.ct_2-a", ContainerRef{ID: "my.ct_2-a", Runtime: "lxc"}},
		{"/lxc.payload.web1/system.slice/ssh.service", ContainerRef{ID: "web1", Runtime: "lxc"}},
		{"/lxc.payload.web1/system.slice/docker-" + id1 + ".scope", ContainerRef{ID: id1, Runtime: "docker"}},
		{"/lxc.payload/web1", ContainerRef{ID: "web1", Runtime: "lxc"}},
		{"/lxc.monitor.web1", ContainerRef{}},
		{"/lxc.pivot", ContainerRef{}},
		{"/lxc.payload.", ContainerRef{}},
		{"/lxc.payload.we b", ContainerRef{}},
		{"/lxc.payload", ContainerRef{}},
		// Not containers.
		{"", ContainerRef{}},
		{"/", ContainerRef{}},
		{"//", ContainerRef{}},
		{"/docker", ContainerRef{}},
		{"/docker/", ContainerRef{}},
		{"/kubepods.slice", ContainerRef{}},
		{"/kubepods", ContainerRef{}},
		{"/kubepods/besteffort", ContainerRef{}},
		{"/kubepods/besteffort/pod" + uid, ContainerRef{}},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice", ContainerRef{}},
		{"/system.slice", ContainerRef{}},
		{"/system.slice/ssh.service", ContainerRef{}},
		{"/system.slice/docker.service", ContainerRef{}},
		{"/system.slice/containerd.service", ContainerRef{}},
		{"/user.slice/user-1000.slice/session-3.scope", ContainerRef{}},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", ContainerRef{}},
		{"/init.scope", ContainerRef{}},
		{"/machine.slice", ContainerRef{}},
		{"/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", ContainerRef{}},
		{"/process_api/518fbf3b6e75a6ae27b974b6cbd2c04a", ContainerRef{}},
		// Malformed ids.
		{"/docker/" + strings.ToUpper(id1), ContainerRef{}},
		{"/docker/" + id1[:63], ContainerRef{}},
		{"/docker/" + id1 + "0", ContainerRef{}},
		{"/docker/" + id1[:63] + "g", ContainerRef{}},
		{"/system.slice/docker-" + id1[:12] + ".scope", ContainerRef{}},
		{"/system.slice/docker-" + id1 + ".scope.scope", ContainerRef{}},
		{"/system.slice/" + id1 + ".scope", ContainerRef{}},
		{"/system.slice/docker-" + id1 + ".service", ContainerRef{}},
		{"/machine.slice/libpod-" + strings.ToUpper(id1) + ".scope", ContainerRef{}},
		// A bad pod uid is dropped, the container kept.
		{"/kubepods/besteffort/podnot-a-uid/" + id1, ContainerRef{ID: id1}},
		// "pod…" outside kubepods is not a pod.
		{"/pod" + uid + "/" + id1, ContainerRef{ID: id1}},
	}
	for _, tt := range tests {
		got, ok := ParseCgroupPath(tt.path)
		wantOK := tt.want != ContainerRef{}
		if ok != wantOK || got != tt.want {
			t.Errorf("ParseCgroupPath(%q) = %+v, %v\nwant %+v, %v", tt.path, got, ok, tt.want, wantOK)
		}
	}
}

// checkRef reports what is wrong with a result of ParseCgroupPath.
func checkRef(ref ContainerRef) string {
	switch ref.Runtime {
	case RuntimeLXC:
		if !validLXCName(ref.ID) {
			return "bad LXC name"
		}
		if ref.PodUID != "" {
			return "LXC container with a pod"
		}
		return ""
	case "", RuntimeDocker, RuntimeContainerd, RuntimeCRIO, RuntimePodman:
	default:
		return "unknown runtime"
	}
	if !isContainerID(ref.ID) {
		return "id is not 64 lowercase hex"
	}
	if ref.PodUID != "" && !validPodUID(ref.PodUID) {
		return "bad pod uid"
	}
	return ""
}

func FuzzParseCgroupPath(f *testing.F) {
	for _, s := range []string{
		"/docker/" + id1,
		"/system.slice/docker-" + id1 + ".scope/init.scope",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope",
		"/kubepods/besteffort/pod" + uid + "/" + id1,
		"/machine.slice/libpod-conmon-" + id1 + ".scope",
		"/lxc.payload.web1",
		"/lxc.payload/web1",
		"/docker/buildkit/" + id1,
		"/user.slice/user-1000.slice/session-3.scope",
		"",
		"/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		ref, ok := ParseCgroupPath(path)
		if !ok {
			if ref != (ContainerRef{}) {
				t.Fatalf("ParseCgroupPath(%q) = %+v with false", path, ref)
			}
			return
		}
		if msg := checkRef(ref); msg != "" {
			t.Fatalf("ParseCgroupPath(%q) = %+v: %s", path, ref, msg)
		}
		if !strings.Contains(path, ref.ID) {
			t.Fatalf("ParseCgroupPath(%q) = %+v: id not in path", path, ref)
		}
	})
}
