// Package docker is a minimal Docker Engine API client over a unix
// socket, built on net/http. It also talks to Podman's Docker-compatible
// socket.
package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

const (
	// DefaultSocket is the Docker engine's socket.
	DefaultSocket = "/var/run/docker.sock"
	// PodmanSocket is Podman's rootful Docker-compatible socket.
	PodmanSocket = "/run/podman/podman.sock"
	// DefaultTimeout bounds each API request.
	DefaultTimeout = 2 * time.Second

	maxBody       = 32 << 20 // largest response body read
	maxErrBody    = 4 << 10  // largest error body read
	listInspects  = 8        // concurrent inspects during List
	shortIDLength = 12
)

// Client is a Docker Engine API client. It implements containers.Client
// and is safe for concurrent use.
type Client struct {
	name    string
	socket  string
	timeout time.Duration
	http    *http.Client

	// The negotiated API path prefix: "/v1.47" (the version the engine
	// announces in GET /_ping's API-Version header), "" for unversioned
	// paths (the engine's own version) when it announces none.
	mu         sync.Mutex
	prefix     string
	negotiated bool
}

var (
	_ containers.Client  = (*Client)(nil)
	_ containers.Watcher = (*Client)(nil)
)

// Option configures a Client.
type Option func(*Client)

// WithName sets the runtime name reported by Name and in Info.Runtime
// (default "docker"); use "podman" for Podman's compatible socket.
func WithName(name string) Option { return func(c *Client) { c.name = name } }

// WithTimeout sets the per-request timeout (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a client for the Docker API served on socketPath.
func New(socketPath string, opts ...Option) *Client {
	c := &Client{name: "docker", socket: socketPath, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		MaxIdleConnsPerHost: listInspects,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}
	return c
}

// NewPodman returns a client for Podman's Docker-compatible API on
// socketPath, named "podman".
func NewPodman(socketPath string) *Client {
	return New(socketPath, WithName("podman"))
}

// Name returns the runtime name ("docker" unless set with WithName).
func (c *Client) Name() string { return c.name }

// Socket returns the socket path the client talks to.
func (c *Client) Socket() string { return c.socket }

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// listEntry is one element of GET /containers/json.
type listEntry struct {
	ID      string            `json:"Id"`
	Names   []string          `json:"Names"`
	Image   string            `json:"Image"`
	Created int64             `json:"Created"`
	State   string            `json:"State"`
	Labels  map[string]string `json:"Labels"`
}

// inspectResponse is the part of GET /containers/{id}/json used here.
type inspectResponse struct {
	ID      string `json:"Id"`
	Created string `json:"Created"`
	Name    string `json:"Name"`
	State   struct {
		Status string `json:"Status"`
		Pid    int    `json:"Pid"`
	} `json:"State"`
	Config struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig struct {
		Runtime string `json:"Runtime"`
	} `json:"HostConfig"`
	NetworkSettings struct {
		Networks map[string]struct {
			IPAddress         string `json:"IPAddress"`
			GlobalIPv6Address string `json:"GlobalIPv6Address"`
		} `json:"Networks"`
	} `json:"NetworkSettings"`
	Mounts []struct {
		Type        string `json:"Type"`
		Name        string `json:"Name"`
		Source      string `json:"Source"`
		Destination string `json:"Destination"`
		RW          bool   `json:"RW"`
	} `json:"Mounts"`
}

// List returns the running containers (all: stopped ones too), each
// completed by an inspect so that PID, OCI runtime and the user-given
// image name are filled in. Containers removed between the list and the
// inspect are left out.
func (c *Client) List(ctx context.Context, all bool) ([]containers.Info, error) {
	var entries []listEntry
	path := "/containers/json"
	if all {
		path += "?all=1"
	}
	if err := c.get(ctx, path, &entries); err != nil {
		return nil, fmt.Errorf("%s list: %w", c.name, err)
	}

	infos := make([]containers.Info, len(entries))
	errs := make([]error, len(entries))
	sem := make(chan struct{}, listInspects)
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			infos[i], errs[i] = c.inspect(ctx, e.ID)
		}()
	}
	wg.Wait()

	out := infos[:0]
	for i, e := range entries {
		switch {
		case errs[i] == nil:
			out = append(out, infos[i])
		case errors.Is(errs[i], containers.ErrNotFound):
			// Exited and removed since the list.
		default:
			return nil, fmt.Errorf("%s list: inspect %s: %w", c.name, shortID(e.ID), errs[i])
		}
	}
	return out, nil
}

// Inspect returns the container with the given id (or name).
func (c *Client) Inspect(ctx context.Context, id string) (containers.Info, error) {
	info, err := c.inspect(ctx, id)
	if err != nil {
		return containers.Info{}, fmt.Errorf("%s inspect %s: %w", c.name, shortID(id), err)
	}
	return info, nil
}

func (c *Client) inspect(ctx context.Context, id string) (containers.Info, error) {
	if id == "" {
		return containers.Info{}, errors.New("empty container id")
	}
	var r inspectResponse
	if err := c.get(ctx, "/containers/"+url.PathEscape(id)+"/json", &r); err != nil {
		return containers.Info{}, err
	}
	info := containers.Info{
		ID:         r.ID,
		Name:       strings.TrimPrefix(r.Name, "/"),
		Image:      r.Config.Image,
		Runtime:    c.name,
		OCIRuntime: r.HostConfig.Runtime,
		PID:        r.State.Pid,
		State:      r.State.Status,
		Labels:     r.Config.Labels,
	}
	if t, err := time.Parse(time.RFC3339Nano, r.Created); err == nil {
		info.Created = t
	}
	for _, n := range r.NetworkSettings.Networks {
		for _, s := range []string{n.IPAddress, n.GlobalIPv6Address} {
			if a, err := netip.ParseAddr(s); err == nil {
				info.IPs = append(info.IPs, a)
			}
		}
	}
	slices.SortFunc(info.IPs, netip.Addr.Compare)
	for _, m := range r.Mounts {
		info.Mounts = append(info.Mounts, containers.Mount{Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, ReadOnly: !m.RW})
	}
	return info, nil
}

// Ping checks that the engine answers (GET /_ping) and negotiates the
// API version.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.negotiate(ctx, true); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

// APIVersion returns the negotiated API version ("1.47"), or "" for
// unversioned paths or before the first request.
func (c *Client) APIVersion() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimPrefix(c.prefix, "/v")
}

var apiVersionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// negotiate returns the API path prefix, asking GET /_ping once (again
// when force is set): requests then use the version the engine announces
// as its own, so that neither an old engine (Debian's 20.10 speaks 1.41)
// nor a new one (Engine 29 refuses anything below 1.44) is asked for a
// version it refuses. An engine that answers the ping without a version
// gets unversioned paths. Only an unreachable engine is an error, and it
// is not remembered: the next request asks again.
func (c *Client) negotiate(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	if c.negotiated && !force {
		p := c.prefix
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", unwrapURL(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrBody))
	resp.Body.Close()
	prefix := ""
	if v := resp.Header.Get("API-Version"); apiVersionRe.MatchString(v) {
		prefix = "/v" + v
	}
	c.mu.Lock()
	c.prefix, c.negotiated = prefix, true
	c.mu.Unlock()
	return prefix, nil
}

// versionRefused reports whether an error answer says the requested API
// version is refused ("client version 1.41 is too old. Minimum supported
// API version is 1.44", "… is too new. Maximum supported …").
func versionRefused(status int, msg string) bool {
	return status == http.StatusBadRequest && strings.Contains(msg, "client version") &&
		(strings.Contains(msg, "too old") || strings.Contains(msg, "too new") || strings.Contains(msg, "not supported"))
}

// get performs GET <negotiated prefix><path> and decodes the JSON body
// into out. Errors are one line; a 404 wraps containers.ErrNotFound. An
// answer refusing the API version re-negotiates once, then falls back
// to unversioned paths.
func (c *Client) get(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	prefix, err := c.negotiate(ctx, false)
	if err != nil {
		return err
	}
	status, msg, err := c.getOnce(ctx, prefix+path, out)
	if err == nil || !versionRefused(status, msg) {
		return err
	}
	// Refused although negotiated: the engine changed since the ping.
	if p, nerr := c.negotiate(ctx, true); nerr == nil && p != prefix {
		status, msg, err = c.getOnce(ctx, p+path, out)
		if err == nil || !versionRefused(status, msg) {
			return err
		}
	}
	if prefix == "" {
		return err
	}
	c.mu.Lock()
	c.prefix = "" // the engine's own version
	c.mu.Unlock()
	_, _, err = c.getOnce(ctx, path, out)
	return err
}

// getOnce performs one GET; on an error answer it also returns the status
// and the engine's message.
func (c *Client) getOnce(ctx context.Context, path string, out any) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", unwrapURL(err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}()

	if resp.StatusCode != http.StatusOK {
		msg := errorMessage(io.LimitReader(resp.Body, maxErrBody))
		if resp.StatusCode == http.StatusNotFound {
			return resp.StatusCode, msg, fmt.Errorf("%w (%s)", containers.ErrNotFound, msg)
		}
		return resp.StatusCode, msg, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return resp.StatusCode, "", fmt.Errorf("decode response: %w", err)
	}
	return resp.StatusCode, "", nil
}

// unwrapURL drops net/http's repeated method and URL from an error.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorMessage extracts the engine's {"message": "..."} as one line,
// falling back to the raw body.
func errorMessage(r io.Reader) string {
	b, _ := io.ReadAll(r)
	var e struct {
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		msg = e.Message
	}
	if msg == "" {
		msg = "empty response"
	}
	return strings.Join(strings.Fields(msg), " ")
}

// shortID shortens a full 64-character id to the 12 characters the CLI
// shows; names and short ids are returned unchanged.
func shortID(id string) string {
	if len(id) == 64 {
		return id[:shortIDLength]
	}
	return id
}

// eventMessage is one message of GET /events.
type eventMessage struct {
	Type   string `json:"Type"`
	Action string `json:"Action"`
	Actor  struct {
		ID         string            `json:"ID"`
		Attributes map[string]string `json:"Attributes"`
	} `json:"Actor"`
	Time     int64 `json:"time"`
	TimeNano int64 `json:"timeNano"`
}

// eventFilters asks for the container events that name or retire a
// container.
const eventFilters = `{"type":["container"],"event":["create","start","destroy"]}`

// Watch follows GET /events (container create, start and destroy): their
// attributes carry the container's name, image and labels, so a
// container is named as soon as it is created. It returns when ctx ends
// or the stream breaks; connected is called once the engine accepted the
// request (establishing it is bounded by the client's timeout).
func (c *Client) Watch(ctx context.Context, since time.Time, connected func(), fn func(containers.RuntimeEvent)) error {
	prefix, err := c.negotiate(ctx, false)
	if err != nil {
		return fmt.Errorf("%s events: %w", c.name, err)
	}
	q := url.Values{"filters": {eventFilters}}
	if !since.IsZero() {
		q.Set("since", strconv.FormatInt(since.Unix(), 10))
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, "http://docker"+prefix+"/events?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	// Only establishing the stream has a deadline; the stream lives on.
	timer := time.AfterFunc(c.timeout, cancel)
	resp, err := c.http.Do(req)
	if !timer.Stop() && err != nil && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %v", c.timeout)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s events: %w", c.name, unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s events: HTTP %d: %s", c.name, resp.StatusCode, errorMessage(io.LimitReader(resp.Body, maxErrBody)))
	}
	if connected != nil {
		connected()
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var m eventMessage
		if err := dec.Decode(&m); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%s events: the engine closed the stream", c.name)
			}
			return fmt.Errorf("%s events: %w", c.name, err)
		}
		if ev, ok := c.toEvent(&m); ok {
			fn(ev)
		}
	}
}

// toEvent turns an event message into a RuntimeEvent.
func (c *Client) toEvent(m *eventMessage) (containers.RuntimeEvent, bool) {
	if m.Type != "" && m.Type != "container" || m.Actor.ID == "" {
		return containers.RuntimeEvent{}, false
	}
	var kind containers.EventKind
	switch m.Action {
	case "create":
		kind = containers.EventCreated
	case "start":
		kind = containers.EventStarted
	case "destroy":
		kind = containers.EventRemoved
	default:
		return containers.RuntimeEvent{}, false
	}
	ev := containers.RuntimeEvent{Kind: kind, Info: containers.Info{ID: m.Actor.ID, Runtime: c.name}}
	switch {
	case m.TimeNano != 0:
		ev.Time = time.Unix(0, m.TimeNano)
	case m.Time != 0:
		ev.Time = time.Unix(m.Time, 0)
	}
	// The attributes are the container's labels plus "name" and "image".
	for k, v := range m.Actor.Attributes {
		switch k {
		case "name":
			ev.Info.Name = strings.TrimPrefix(v, "/")
		case "image":
			ev.Info.Image = v
		default:
			if ev.Info.Labels == nil {
				ev.Info.Labels = map[string]string{}
			}
			ev.Info.Labels[k] = v
		}
	}
	if kind == containers.EventCreated {
		ev.Info.Created = ev.Time
		ev.Info.State = "created"
	}
	return ev, true
}
