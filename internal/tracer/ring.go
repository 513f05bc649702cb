package tracer

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ring reads the BPF ring buffer in place, over its memory mapping:
// records are handed out as slices of the mapped data (no copy), and the
// consumer position is committed to the kernel once per batch rather than
// per record, so the cache line the producers read is written rarely.
// cilium/ebpf's ringbuf.Reader (v0.22) copies every record and commits per
// record under a mutex (measured: about 10% more ctrace CPU per event).
//
// The data pages are mapped once, not twice as the kernel allows for
// wrap-around: the mapping's pages are all present from mmap on, so a
// second view would double ctrace's resident memory for nothing but the
// rare record that crosses the end, which is copied instead.
//
// A record returned by next stays valid until the following call to next
// or drain: the space is only given back to the kernel then.
type ring struct {
	mapFD   int
	cons    []byte // consumer page (read-write)
	prod    []byte // producer page, then the data pages (read-only)
	consPos *uint64
	prodPos *uint64
	data    []byte // the data pages
	mask    uint64
	wrapped []byte // a record that crosses the end of data, put together

	pos       uint64 // read position: start of the next record
	committed uint64 // consumer position last given to the kernel
	avail     uint64 // producer position last seen

	epfd   int
	events []unix.EpollEvent

	// asleep is the kernel's reader_asleep flag (a mapped array element):
	// set while the reader waits, so producers force a wakeup only then
	// (one that finds wakeBytes pending clears it and wakes the reader).
	asleepMap []byte
	asleep    *uint64
	wakeBytes uint64
}

// commitEvery is how much is read before the consumer position is given
// back to the kernel while records keep coming (it is always given back
// before waiting).
const commitEvery = 256 << 10

// Header bits of a ring buffer record (kernel/bpf/ringbuf.c).
const (
	ringBusyBit    = 1 << 31
	ringDiscardBit = 1 << 30
	ringHdrSize    = 8
)

func newRing(mapFD int, size int, asleepFD int, wakeBytes uint64) (*ring, error) {
	page := os.Getpagesize()
	if size <= 0 || size&(size-1) != 0 || size%page != 0 {
		return nil, fmt.Errorf("ring buffer size %d is not a power-of-two multiple of the page size", size)
	}
	cons, err := unix.Mmap(mapFD, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap ring buffer consumer page: %w", err)
	}
	prod, err := unix.Mmap(mapFD, int64(page), page+size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		unix.Munmap(cons)
		return nil, fmt.Errorf("mmap ring buffer data: %w", err)
	}
	asleep, err := unix.Mmap(asleepFD, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Munmap(prod)
		unix.Munmap(cons)
		return nil, fmt.Errorf("mmap reader flag: %w", err)
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unix.Munmap(asleep)
		unix.Munmap(prod)
		unix.Munmap(cons)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	// Edge-triggered: the ring is "readable" as soon as one record is in
	// it, so a level-triggered wait returns at once for every few records
	// (measured: ~200 ns of system time per event in the storm, in
	// epoll_wait and its wakeups). The reader sleeps on its own timer
	// (Tracer.Next's naps) and reads everything in one batch; producers
	// wake it only when cfg_wakeup_bytes are pending.
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, mapFD, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(mapFD)}); err != nil {
		unix.Close(epfd)
		unix.Munmap(asleep)
		unix.Munmap(prod)
		unix.Munmap(cons)
		return nil, fmt.Errorf("epoll ring buffer: %w", err)
	}
	r := &ring{
		mapFD:   mapFD,
		cons:    cons,
		prod:    prod,
		consPos: (*uint64)(unsafe.Pointer(&cons[0])),
		prodPos: (*uint64)(unsafe.Pointer(&prod[0])),
		data:    prod[page:],
		mask:    uint64(size - 1),
		epfd:    epfd,
		events:  make([]unix.EpollEvent, 1),

		asleepMap: asleep,
		asleep:    (*uint64)(unsafe.Pointer(&asleep[0])),
		wakeBytes: wakeBytes,
	}
	r.pos = atomic.LoadUint64(r.consPos)
	r.committed = r.pos
	return r, nil
}

// errEmpty: no complete record is available right now.
var errEmpty = errors.New("ring buffer empty")

// next returns the next record, or errEmpty. The record before it is
// released.
func (r *ring) next() ([]byte, error) {
	for {
		if r.pos-r.committed >= commitEvery {
			r.commit()
		}
		if int64(r.avail-r.pos) <= 0 {
			r.avail = atomic.LoadUint64(r.prodPos)
			if int64(r.avail-r.pos) <= 0 {
				return nil, errEmpty
			}
		}
		off := r.pos & r.mask
		// An atomic load orders the reads of the record after the kernel's
		// commit of its header (xchg in bpf_ringbuf_commit).
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[off])))
		if hdr&ringBusyBit != 0 {
			return nil, errEmpty // reserved, not yet submitted: come back later
		}
		n := uint64(hdr &^ (ringBusyBit | ringDiscardBit))
		if n > r.mask {
			return nil, fmt.Errorf("ring buffer record of %d bytes at %d is larger than the ring", n, off)
		}
		start := (off + ringHdrSize) & r.mask
		r.pos += ringHdrSize + (n+7)&^7
		if hdr&ringDiscardBit != 0 {
			continue
		}
		if size := uint64(len(r.data)); start+n > size {
			// Crosses the end: put the two parts together.
			r.wrapped = append(append(r.wrapped[:0], r.data[start:]...), r.data[:start+n-size]...)
			return r.wrapped, nil
		}
		return r.data[start : start+n : start+n], nil
	}
}

// commit gives everything read so far back to the kernel.
func (r *ring) commit() {
	if r.pos != r.committed {
		atomic.StoreUint64(r.consPos, r.pos)
		r.committed = r.pos
	}
}

// wait commits what was read and sleeps until the kernel signals data or
// the timeout passes.
//
// Producers check the flag after publishing a record, the reader checks
// the ring after raising the flag (both full barriers on x86: the kernel's
// xchg of the record header, Go's atomic store), so one of them sees the
// other: the reader does not sleep through wakeBytes of records. Where
// that ordering is weaker, a missed wakeup costs at most one sleep (the
// caller's timeout: a nap, Tracer.Next).
func (r *ring) wait(timeout time.Duration) error {
	r.commit()
	ms := int(timeout / time.Millisecond)
	if ms <= 0 {
		ms = 1
	}
	atomic.StoreUint64(r.asleep, 1)
	if r.available() >= r.wakeBytes {
		atomic.StoreUint64(r.asleep, 0)
		return nil
	}
	_, err := unix.EpollWait(r.epfd, r.events, ms)
	atomic.StoreUint64(r.asleep, 0)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("wait for ring buffer: %w", err)
	}
	return nil
}

// available returns the bytes written by the kernel and not yet read.
func (r *ring) available() uint64 {
	return atomic.LoadUint64(r.prodPos) - r.pos
}

func (r *ring) close() error {
	if r.epfd < 0 {
		return nil
	}
	r.commit()
	err := errors.Join(unix.Close(r.epfd), unix.Munmap(r.asleepMap), unix.Munmap(r.prod), unix.Munmap(r.cons))
	r.epfd = -1
	return err
}
