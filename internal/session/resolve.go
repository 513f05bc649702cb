package session

import (
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// resolver finds the paths of cgroups by id (the directory's inode number)
// in the tracked hierarchy's mount, off the reading loop. It names
// candidate cgroups whose cgroup_mkdir record was lost: the kernel traces
// them, but user space never classified them.
type resolver struct {
	root string
	req  chan uint64
	out  chan resolved
	done chan struct{}
}

// resolved is the resolver's answer for one cgroup id.
type resolved struct {
	id    uint64
	path  string // relative to the hierarchy root, as in cgroup_mkdir ("/docker/<id>")
	found bool
}

func newResolver(root string) *resolver {
	r := &resolver{root: filepath.Clean(root), req: make(chan uint64, 256), out: make(chan resolved, 256), done: make(chan struct{})}
	go r.run()
	return r
}

// ask queues a lookup without blocking; false if the queue is full (ask again later).
func (r *resolver) ask(id uint64) bool {
	select {
	case r.req <- id:
		return true
	default:
		return false
	}
}

func (r *resolver) stop() {
	if r != nil {
		close(r.done)
	}
}

func (r *resolver) run() {
	for {
		var want = map[uint64]bool{}
		select {
		case id := <-r.req:
			want[id] = true
		case <-r.done:
			return
		}
		// Take every request queued meanwhile: one walk answers them all.
	more:
		for {
			select {
			case id := <-r.req:
				want[id] = true
			default:
				break more
			}
		}
		found := r.walk(want)
		for id := range want {
			path, ok := found[id]
			select {
			case r.out <- resolved{id: id, path: path, found: ok}:
			case <-r.done:
				return
			}
		}
	}
}

// find looks one cgroup up now (used when the session stops).
func (r *resolver) find(id uint64) (string, bool) {
	p, ok := r.walk(map[uint64]bool{id: true})[id]
	return p, ok
}

// walk returns the paths of the wanted cgroup ids found under the root.
func (r *resolver) walk(want map[uint64]bool) map[uint64]string {
	found := map[uint64]string{}
	filepath.WalkDir(r.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // vanished or unreadable: skip
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || !want[st.Ino] {
			return nil
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(strings.TrimPrefix(p, r.root), string(filepath.Separator)))
		found[st.Ino] = rel
		if len(found) == len(want) {
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
