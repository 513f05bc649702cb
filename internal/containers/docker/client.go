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
	"slices"
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

	apiVersion    = "v1.41"
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
}

var _ containers.Client = (*Client)(nil)

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

// List returns the running containers, each completed by an inspect so
// that PID, OCI runtime and the user-given image name are filled in.
// Containers that exit between the list and the inspect are left out.
func (c *Client) List(ctx context.Context) ([]containers.Info, error) {
	var entries []listEntry
	if err := c.get(ctx, "/containers/json", &entries); err != nil {
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

// get performs GET /<version><path> and decodes the JSON body into out.
// Errors are one line; a 404 wraps containers.ErrNotFound.
func (c *Client) get(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/"+apiVersion+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the repeated method and URL
		}
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}()

	if resp.StatusCode != http.StatusOK {
		msg := errorMessage(io.LimitReader(resp.Body, maxErrBody))
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w (%s)", containers.ErrNotFound, msg)
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
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
