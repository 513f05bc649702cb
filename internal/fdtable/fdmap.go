package fdtable

// fdMap is one process's descriptors: the low numbers, which most
// descriptors are, in an array (a lookup per event is an index, not a map
// access); the others in a map made when first needed.
type fdMap struct {
	low  [lowFds]entry
	set  uint64 // bit fd is set: low[fd] holds a descriptor
	high map[int32]entry
}

// lowFds descriptors (0 to lowFds-1) live in the array; set has one bit each.
const lowFds = 64

func (m *fdMap) get(fd int32) (entry, bool) {
	if uint32(fd) < lowFds {
		return m.low[fd], m.set&(1<<fd) != 0
	}
	e, ok := m.high[fd]
	return e, ok
}

func (m *fdMap) put(fd int32, e entry) {
	if uint32(fd) < lowFds {
		m.low[fd] = e
		m.set |= 1 << fd
		return
	}
	if m.high == nil {
		m.high = map[int32]entry{}
	}
	m.high[fd] = e
}

func (m *fdMap) del(fd int32) {
	if uint32(fd) < lowFds {
		m.low[fd] = entry{}
		m.set &^= 1 << fd
		return
	}
	delete(m.high, fd)
}

// deleteIf removes every descriptor for which drop returns true.
func (m *fdMap) deleteIf(drop func(fd int32, e entry) bool) {
	for fd := int32(0); fd < lowFds; fd++ {
		if m.set&(1<<fd) != 0 && drop(fd, m.low[fd]) {
			m.del(fd)
		}
	}
	for fd, e := range m.high {
		if drop(fd, e) {
			delete(m.high, fd)
		}
	}
}

// clone returns a copy (a forked process's table).
func (m *fdMap) clone() fdMap {
	c := fdMap{low: m.low, set: m.set}
	if len(m.high) > 0 {
		c.high = make(map[int32]entry, len(m.high))
		for fd, e := range m.high {
			c.high[fd] = e
		}
	}
	return c
}
