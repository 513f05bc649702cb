package docker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

const (
	webID  = "3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d"
	dbID   = "9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b"
	goneID = "0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd"
)

// fakeEngine serves recorded Docker API responses.
type fakeEngine struct {
	t       *testing.T
	list    string            // body of /containers/json (a testdata file name)
	inspect map[string]string // id or name → testdata file name
	fail    map[string]int    // id → HTTP status to answer with

	mu    sync.Mutex
	paths []string
}

func newFakeEngine(t *testing.T) *fakeEngine {
	return &fakeEngine{
		t:    t,
		list: "containers.json",
		inspect: map[string]string{
			webID: "inspect_web.json",
			"web": "inspect_web.json",
			dbID:  "inspect_db.json",
		},
		fail: map[string]int{},
	}
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()

	const prefix = "/v1.41/containers/"
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	if r.Method != http.MethodGet || !ok {
		http.Error(w, `{"message":"page not found"}`, http.StatusNotFound)
		return
	}
	if path == "json" {
		f.file(w, f.list)
		return
	}
	id, ok := strings.CutSuffix(path, "/json")
	if !ok {
		http.Error(w, `{"message":"page not found"}`, http.StatusNotFound)
		return
	}
	switch {
	case id == "slow":
		<-r.Context().Done()
		return
	case f.fail[id] != 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.fail[id])
		_, _ = w.Write([]byte(`{"message":"engine\nexploded"}` + "\n"))
	case f.inspect[id] != "":
		f.file(w, f.inspect[id])
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"No such container: ` + id + `"}` + "\n"))
	}
}

func (f *fakeEngine) file(w http.ResponseWriter, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.t.Errorf("fixture: %v", err)
		http.Error(w, "fixture missing", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// serveUnix serves h on a unix socket in a temporary directory and
// returns the socket path.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "engine.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return sock
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestInspect(t *testing.T) {
	f := newFakeEngine(t)
	c := New(serveUnix(t, f))
	defer c.Close()

	info, err := c.Inspect(ctx(t), webID)
	if err != nil {
		t.Fatal(err)
	}
	want := containers.Info{
		ID: webID, Name: "web", Image: "ctrace-test/busybox", Runtime: "docker",
		OCIRuntime: "runc", PID: 4242, State: "running",
		Created: time.Date(2026, 11, 28, 23, 47, 38, 51943492, time.UTC),
		Labels:  map[string]string{"com.example.team": "tracing"},
		IPs:     []netip.Addr{netip.MustParseAddr("172.17.0.3")},
	}
	checkInfo(t, info, want)
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.paths; len(got) != 1 || got[0] != "GET /v1.41/containers/"+webID+"/json" {
		t.Errorf("requests = %q", got)
	}
}

func TestInspectByName(t *testing.T) {
	c := New(serveUnix(t, newFakeEngine(t)))
	info, err := c.Inspect(ctx(t), "web")
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != webID {
		t.Errorf("ID = %q", info.ID)
	}
}

func TestList(t *testing.T) {
	f := newFakeEngine(t)
	c := New(serveUnix(t, f))
	infos, err := c.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("List returned %d containers, want 2 (the third exited): %+v", len(infos), infos)
	}
	// The list shows an image id for web; the inspected user-given name wins.
	checkInfo(t, infos[0], containers.Info{
		ID: webID, Name: "web", Image: "ctrace-test/busybox", Runtime: "docker",
		OCIRuntime: "runc", PID: 4242, State: "running",
		Created: time.Date(2026, 11, 28, 23, 47, 38, 51943492, time.UTC),
		Labels:  map[string]string{"com.example.team": "tracing"},
		IPs:     []netip.Addr{netip.MustParseAddr("172.17.0.3")},
	})
	checkInfo(t, infos[1], containers.Info{
		ID: dbID, Name: "db", Image: "postgres:16", Runtime: "docker",
		OCIRuntime: "crun", PID: 5151, State: "running",
		Created: time.Date(2026, 11, 28, 23, 40, 0, 500000000, time.UTC),
		Labels:  map[string]string{},
		IPs:     []netip.Addr{netip.MustParseAddr("172.17.0.3")},
	})
}

func TestListFailsWhenAnInspectFails(t *testing.T) {
	f := newFakeEngine(t)
	f.fail[dbID] = http.StatusInternalServerError
	_, err := New(serveUnix(t, f)).List(ctx(t))
	wantErr(t, err, "docker list: inspect 9e8d7c6b9e8d: HTTP 500: engine exploded")
}

func TestInspectNotFound(t *testing.T) {
	_, err := New(serveUnix(t, newFakeEngine(t))).Inspect(ctx(t), goneID)
	wantErr(t, err, "docker inspect 0123abcd0123: container not found (No such container: "+goneID+")")
	if !errors.Is(err, containers.ErrNotFound) {
		t.Errorf("error does not wrap ErrNotFound: %v", err)
	}
}

func TestInspectServerError(t *testing.T) {
	f := newFakeEngine(t)
	f.fail[webID] = http.StatusInternalServerError
	_, err := New(serveUnix(t, f)).Inspect(ctx(t), webID)
	wantErr(t, err, "docker inspect 3f4b1c2d3f4b: HTTP 500: engine exploded")
	if errors.Is(err, containers.ErrNotFound) {
		t.Error("a 500 must not look like not-found")
	}
}

func TestInspectBadJSON(t *testing.T) {
	f := newFakeEngine(t)
	f.inspect[webID] = "../client.go" // not JSON
	_, err := New(serveUnix(t, f)).Inspect(ctx(t), webID)
	if err == nil || !strings.HasPrefix(err.Error(), "docker inspect 3f4b1c2d3f4b: decode response: ") {
		t.Errorf("err = %v", err)
	}
}

func TestInspectEmptyID(t *testing.T) {
	_, err := New(serveUnix(t, newFakeEngine(t))).Inspect(ctx(t), "")
	wantErr(t, err, "docker inspect : empty container id")
}

func TestTimeout(t *testing.T) {
	c := New(serveUnix(t, newFakeEngine(t)), WithTimeout(50*time.Millisecond))
	start := time.Now()
	_, err := c.Inspect(ctx(t), "slow")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > DefaultTimeout {
		t.Errorf("Inspect took %v with a 50ms timeout", d)
	}
	checkOneLine(t, err)
}

func TestCallerContextWins(t *testing.T) {
	c := New(serveUnix(t, newFakeEngine(t))) // 2 s default
	cctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Inspect(cctx, "slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Inspect took %v, caller deadline ignored", d)
	}
}

func TestNoEngine(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "missing.sock")
	_, err := New(sock).List(ctx(t))
	wantErr(t, err, "docker list: dial unix "+sock+": connect: no such file or directory")
}

func TestPodman(t *testing.T) {
	c := NewPodman(serveUnix(t, newFakeEngine(t)))
	if c.Name() != "podman" {
		t.Errorf("Name = %q", c.Name())
	}
	info, err := c.Inspect(ctx(t), webID)
	if err != nil {
		t.Fatal(err)
	}
	if info.Runtime != "podman" {
		t.Errorf("Runtime = %q", info.Runtime)
	}
	_, err = c.Inspect(ctx(t), goneID)
	if err == nil || !strings.HasPrefix(err.Error(), "podman inspect 0123abcd0123: ") {
		t.Errorf("err = %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c := New(DefaultSocket)
	if c.Name() != "docker" || c.timeout != DefaultTimeout {
		t.Errorf("New: name %q timeout %v", c.Name(), c.timeout)
	}
}

func TestShortID(t *testing.T) {
	for in, want := range map[string]string{webID: "3f4b1c2d3f4b", "web": "web", "": "",
		"a-container-name-that-is-long": "a-container-name-that-is-long"} {
		if got := shortID(in); got != want {
			t.Errorf("shortID(%q) = %q, want %q", in, got, want)
		}
	}
}

func checkInfo(t *testing.T, got, want containers.Info) {
	t.Helper()
	if !got.Created.Equal(want.Created) {
		t.Errorf("%s: Created = %v, want %v", want.Name, got.Created, want.Created)
	}
	got.Created, want.Created = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("info = %+v\nwant   %+v", got, want)
	}
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	checkOneLine(t, err)
}

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error is not one line: %q", err)
	}
}
