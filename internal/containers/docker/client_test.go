package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/socktest"
)

const (
	webID  = "3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d"
	dbID   = "9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b"
	goneID = "0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd"
)

// fakeEngine serves recorded Docker API responses, speaking API versions
// min..max (announcing max in GET /_ping, unless noPingVersion) and
// refusing others the way the engine does.
type fakeEngine struct {
	t       *testing.T
	list    string            // body of /containers/json (a testdata file name)
	inspect map[string]string // id or name → testdata file name
	fail    map[string]int    // id → HTTP status to answer with

	min, max      string // API versions spoken; "" = any
	noPingVersion bool   // GET /_ping without an API-Version header (old engines)
	events        chan string

	mu        sync.Mutex
	paths     []string
	listQuery string // query of the last GET /containers/json
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
		min:  "1.12",
		max:  "1.41", // Debian 12's docker.io 20.10
	}
}

// engine29 is a fake of Docker Engine 29: API 1.52, refusing below 1.44.
func engine29(t *testing.T) *fakeEngine {
	f := newFakeEngine(t)
	f.min, f.max = "1.44", "1.52"
	return f
}

func (f *fakeEngine) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// versionLess compares "1.9" < "1.41" numerically.
func versionLess(a, b string) bool {
	var am, an, bm, bn int
	fmt.Sscanf(a, "%d.%d", &am, &an)
	fmt.Sscanf(b, "%d.%d", &bm, &bn)
	return am < bm || am == bm && an < bn
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()

	path := r.URL.Path
	if path == "/_ping" {
		if !f.noPingVersion {
			w.Header().Set("API-Version", f.max)
		}
		_, _ = w.Write([]byte("OK"))
		return
	}
	if m := regexp.MustCompile(`^/v([0-9]+\.[0-9]+)(/.*)$`).FindStringSubmatch(path); m != nil {
		v := m[1]
		path = m[2]
		if f.min != "" && versionLess(v, f.min) {
			jsonError(w, http.StatusBadRequest, "client version "+v+" is too old. Minimum supported API version is "+f.min+", please upgrade your client to a newer version")
			return
		}
		if f.max != "" && versionLess(f.max, v) {
			jsonError(w, http.StatusBadRequest, "client version "+v+" is too new. Maximum supported API version is "+f.max)
			return
		}
	}
	if path == "/events" && f.events != nil {
		f.serveEvents(w, r)
		return
	}
	path, ok := strings.CutPrefix(path, "/containers/")
	if r.Method != http.MethodGet || !ok {
		jsonError(w, http.StatusNotFound, "page not found")
		return
	}
	if path == "json" {
		f.mu.Lock()
		f.listQuery = r.URL.RawQuery
		f.mu.Unlock()
		f.file(w, f.list)
		return
	}
	id, ok := strings.CutSuffix(path, "/json")
	if !ok {
		jsonError(w, http.StatusNotFound, "page not found")
		return
	}
	switch {
	case id == "slow":
		<-r.Context().Done()
		return
	case f.fail[id] != 0:
		jsonError(w, f.fail[id], "engine\nexploded")
	case f.inspect[id] != "":
		f.file(w, f.inspect[id])
	default:
		jsonError(w, http.StatusNotFound, "No such container: "+id)
	}
}

// serveEvents streams the messages sent on f.events until the client
// goes away or the channel is closed.
func (f *fakeEngine) serveEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case m, ok := <-f.events:
			if !ok {
				return
			}
			_, _ = w.Write([]byte(m + "\n"))
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(append(b, '\n'))
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
	if got := f.requests(); len(got) != 2 || got[0] != "GET /_ping" || got[1] != "GET /v1.41/containers/"+webID+"/json" {
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
	infos, err := c.List(ctx(t), false)
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
	_, err := New(serveUnix(t, f)).List(ctx(t), false)
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
	_, err := New(sock).List(ctx(t), false)
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

func TestNegotiatesEngine29(t *testing.T) {
	f := engine29(t)
	c := New(serveUnix(t, f))
	// The fake refuses what a pinned v1.41 client would ask, as Engine 29 does.
	if _, _, err := c.getOnce(ctx(t), "/v1.41/containers/"+webID+"/json", &inspectResponse{}); err == nil ||
		err.Error() != "HTTP 400: client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version" {
		t.Fatalf("a v1.41 request to Engine 29: %v", err)
	}
	info, err := c.Inspect(ctx(t), webID)
	if err != nil || info.Name != "web" {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if _, err := c.List(ctx(t), false); err != nil {
		t.Fatal(err)
	}
	got := f.requests()
	want := []string{"GET /v1.41/containers/" + webID + "/json", "GET /_ping", "GET /v1.52/containers/" + webID + "/json", "GET /v1.52/containers/json"}
	if len(got) < len(want) || !reflect.DeepEqual(got[:4], want) {
		t.Errorf("requests = %q\nwant %q, then inspects", got, want)
	}
	if c.APIVersion() != "1.52" {
		t.Errorf("APIVersion = %q", c.APIVersion())
	}
}

func TestNegotiatesDebianEngine(t *testing.T) {
	f := newFakeEngine(t) // 1.12..1.41
	c := New(serveUnix(t, f))
	if err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if info, err := c.Inspect(ctx(t), webID); err != nil || info.Name != "web" {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if got := f.requests(); !reflect.DeepEqual(got, []string{"GET /_ping", "GET /v1.41/containers/" + webID + "/json"}) {
		t.Errorf("requests = %q", got)
	}
}

func TestUnversionedWithoutPingVersion(t *testing.T) {
	f := engine29(t)
	f.noPingVersion = true
	c := New(serveUnix(t, f))
	if info, err := c.Inspect(ctx(t), webID); err != nil || info.Name != "web" {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if got := f.requests(); !reflect.DeepEqual(got, []string{"GET /_ping", "GET /containers/" + webID + "/json"}) {
		t.Errorf("requests = %q", got)
	}
	if c.APIVersion() != "" {
		t.Errorf("APIVersion = %q", c.APIVersion())
	}
}

// An engine replaced by an older one under a running client: the refusal
// re-negotiates instead of failing every later request.
func TestRenegotiatesWhenRefused(t *testing.T) {
	f := engine29(t)
	c := New(serveUnix(t, f))
	if _, err := c.Inspect(ctx(t), webID); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.min, f.max, f.paths = "1.12", "1.41", nil
	f.mu.Unlock()
	if info, err := c.Inspect(ctx(t), dbID); err != nil || info.Name != "db" {
		t.Fatalf("Inspect after the downgrade = %+v, %v", info, err)
	}
	want := []string{"GET /v1.52/containers/" + dbID + "/json", "GET /_ping", "GET /v1.41/containers/" + dbID + "/json"}
	if got := f.requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %q\nwant %q", got, want)
	}
}

// A ping announcing a version the engine then refuses (a broken proxy):
// unversioned paths are the last resort.
func TestFallsBackToUnversioned(t *testing.T) {
	f := engine29(t)
	f.max = "1.99" // announced, but refused by the range check below
	f.min = "2.0"
	c := New(serveUnix(t, f))
	if info, err := c.Inspect(ctx(t), webID); err != nil || info.Name != "web" {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	got := f.requests()
	if last := got[len(got)-1]; last != "GET /containers/"+webID+"/json" {
		t.Errorf("requests = %q, want an unversioned last try", got)
	}
}

func TestPingUnreachable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "missing.sock")
	err := New(sock).Ping(ctx(t))
	wantErr(t, err, "docker: dial unix "+sock+": connect: no such file or directory")
}

func TestListAll(t *testing.T) {
	f := newFakeEngine(t)
	c := New(serveUnix(t, f))
	for all, want := range map[bool]string{false: "", true: "all=1"} {
		if _, err := c.List(ctx(t), all); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		if f.listQuery != want {
			t.Errorf("List(all=%v): query %q, want %q", all, f.listQuery, want)
		}
		f.mu.Unlock()
	}
}

func TestWatch(t *testing.T) {
	f := engine29(t)
	f.events = make(chan string, 8)
	c := New(serveUnix(t, f))
	wctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	connected := make(chan struct{})
	got := make(chan containers.RuntimeEvent, 8)
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(wctx, time.Time{}, func() { close(connected) }, func(ev containers.RuntimeEvent) { got <- ev })
	}()
	select {
	case <-connected:
	case err := <-done:
		t.Fatalf("Watch ended before connecting: %v", err)
	case <-wctx.Done():
		t.Fatal("not connected")
	}
	f.events <- `{"status":"create","id":"` + webID + `","from":"ctrace-test/busybox","Type":"container","Action":"create","Actor":{"ID":"` + webID + `","Attributes":{"image":"ctrace-test/busybox","name":"web","com.example.team":"tracing"}},"scope":"local","time":1795909572,"timeNano":1795909572123456789}`
	f.events <- `{"Type":"network","Action":"connect","Actor":{"ID":"abc","Attributes":{"name":"bridge"}}}`
	f.events <- `{"Type":"container","Action":"exec_create: sh","Actor":{"ID":"` + webID + `"}}`
	f.events <- `{"Type":"container","Action":"destroy","Actor":{"ID":"` + webID + `","Attributes":{"image":"ctrace-test/busybox","name":"web"}},"time":1795909573}`
	want := []containers.RuntimeEvent{
		{Kind: containers.EventCreated, Time: time.Unix(0, 1795909572123456789), Info: containers.Info{ID: webID, Name: "web", Image: "ctrace-test/busybox", Runtime: "docker", State: "created", Created: time.Unix(0, 1795909572123456789), Labels: map[string]string{"com.example.team": "tracing"}}},
		{Kind: containers.EventRemoved, Time: time.Unix(1795909573, 0), Info: containers.Info{ID: webID, Name: "web", Image: "ctrace-test/busybox", Runtime: "docker"}},
	}
	for i, w := range want {
		select {
		case ev := <-got:
			if !ev.Time.Equal(w.Time) || !ev.Info.Created.Equal(w.Info.Created) {
				t.Errorf("event %d: time %v created %v, want %v %v", i, ev.Time, ev.Info.Created, w.Time, w.Info.Created)
			}
			ev.Time, w.Time, ev.Info.Created, w.Info.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(ev, w) {
				t.Errorf("event %d = %+v\nwant %+v", i, ev, w)
			}
		case <-wctx.Done():
			t.Fatalf("event %d not delivered", i)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch after cancel = %v", err)
	}
	var sawEvents bool
	for _, p := range f.requests() {
		sawEvents = sawEvents || p == "GET /v1.52/events"
	}
	if !sawEvents {
		t.Errorf("requests = %q, want GET /v1.52/events", f.requests())
	}
}

func TestWatchStreamEnds(t *testing.T) {
	f := newFakeEngine(t)
	f.events = make(chan string)
	close(f.events)
	err := New(serveUnix(t, f)).Watch(ctx(t), time.Now(), nil, func(containers.RuntimeEvent) { t.Error("event from an empty stream") })
	wantErr(t, err, "docker events: the engine closed the stream")
}

func TestWatchHangingEngine(t *testing.T) {
	sock := socktest.Hanging(t)
	err := New(sock, WithTimeout(30*time.Millisecond)).Watch(ctx(t), time.Time{}, func() { t.Error("connected to a hanging engine") }, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "docker events: ") {
		t.Errorf("err = %v", err)
	}
	checkOneLine(t, err)

	// With a long timeout, cancelling the caller's context still ends it at once.
	c := New(sock, WithTimeout(time.Hour))
	wctx, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() { done <- c.Watch(wctx, time.Time{}, nil, nil) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	case <-ctx(t).Done():
		t.Fatal("Watch on a hanging engine ignored cancellation")
	}
}
