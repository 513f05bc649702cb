package output

import (
	"encoding/json"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

// The container object carries the pod when a CRI runtime named it, and
// has no pod key otherwise.
func TestContainerJSONPod(t *testing.T) {
	for _, c := range []struct {
		ctr  *containers.Container
		want string
	}{
		{nil, `{"id":"","name":"","image":"","runtime":""}`},
		{&containers.Container{Info: containers.Info{ID: "abc", Name: "web", Image: "nginx", Runtime: "docker"}},
			`{"id":"abc","name":"web","image":"nginx","runtime":"docker"}`},
		{&containers.Container{Info: containers.Info{ID: "abc", Name: "nginx", Image: "nginx:1.27", Runtime: "containerd",
			Pod: &containers.PodInfo{Name: "web-7d9f\"x", Namespace: "shop", UID: "0b5e5d5c-1111-4a4a-9c9c-123456789abc"}}},
			`{"id":"abc","name":"nginx","image":"nginx:1.27","runtime":"containerd","pod":{"name":"web-7d9f\"x","namespace":"shop","uid":"0b5e5d5c-1111-4a4a-9c9c-123456789abc"}}`},
	} {
		got := string(AppendContainerJSON(nil, c.ctr))
		if got != c.want {
			t.Errorf("AppendContainerJSON = %s\nwant %s", got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("invalid JSON: %s", got)
		}
	}
}
