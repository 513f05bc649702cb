package session

import "sort"

// holdQueue keeps copies of the records of containers that are not yet
// named (and of cgroups not yet classified), per cgroup in kernel order,
// bounded in bytes: a record that does not fit is dropped and counted (a
// loss cause of its own), never waited for.
type holdQueue struct {
	limit   int
	bytes   int
	records int
	dropped uint64
	byCg    map[uint64][][]byte
}

func newHoldQueue(limit int) *holdQueue {
	return &holdQueue{limit: limit, byCg: map[uint64][][]byte{}}
}

// add copies raw to the back of cgroup id's queue; false if it did not fit.
func (h *holdQueue) add(id uint64, raw []byte) bool {
	if h.bytes+len(raw) > h.limit {
		h.dropped++
		return false
	}
	h.byCg[id] = append(h.byCg[id], append([]byte(nil), raw...))
	h.bytes += len(raw)
	h.records++
	return true
}

func (h *holdQueue) has(id uint64) bool {
	_, ok := h.byCg[id]
	return ok
}

// take removes and returns cgroup id's records, oldest first.
func (h *holdQueue) take(id uint64) [][]byte {
	recs := h.byCg[id]
	delete(h.byCg, id)
	for _, r := range recs {
		h.bytes -= len(r)
	}
	h.records -= len(recs)
	return recs
}

// drop forgets cgroup id's records and returns how many there were.
func (h *holdQueue) drop(id uint64) int { return len(h.take(id)) }

// ids returns the cgroups with held records, in a fixed order.
func (h *holdQueue) ids() []uint64 {
	ids := make([]uint64, 0, len(h.byCg))
	for id := range h.byCg {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
