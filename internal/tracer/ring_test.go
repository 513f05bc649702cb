package tracer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// fakeRing is a ring over plain memory laid out as ctrace maps it: the
// data pages, a producer and a consumer position.
type fakeRing struct {
	r    *ring
	prod uint64
	cons uint64
	size uint64
	buf  []byte
}

func newFakeRing(size uint64) *fakeRing {
	f := &fakeRing{size: size, buf: make([]byte, size)}
	f.r = &ring{data: f.buf, mask: size - 1, consPos: &f.cons, prodPos: &f.prod}
	return f
}

// put writes one record (header + data, 8-aligned) at the producer position.
func (f *fakeRing) put(data []byte, flags uint32) {
	var rec []byte
	rec = binary.LittleEndian.AppendUint32(rec, uint32(len(data))|flags)
	rec = binary.LittleEndian.AppendUint32(rec, 0)
	rec = append(rec, data...)
	for len(rec)%8 != 0 {
		rec = append(rec, 0)
	}
	for i, b := range rec {
		f.buf[(f.prod+uint64(i))&(f.size-1)] = b
	}
	f.prod += uint64(len(rec))
}

func TestRingReader(t *testing.T) {
	f := newFakeRing(64)
	var got []string
	read := func() {
		for {
			rec, err := f.r.next()
			if errors.Is(err, errEmpty) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(rec))
		}
	}
	f.put([]byte("first record"), 0) // 8 + 16
	read()
	if f.cons != 0 {
		t.Errorf("consumer position %d committed before a wait or %d bytes", f.cons, commitEvery)
	}
	f.r.commit()                               // the kernel may now reuse the first 24 bytes
	f.put([]byte("discarded"), ringDiscardBit) // 8 + 16
	f.put([]byte("wraps around the end!"), 0)  // 8 + 24 from offset 48: crosses the end
	read()
	if len(got) != 2 || got[0] != "first record" || got[1] != "wraps around the end!" {
		t.Fatalf("read %q", got)
	}
	f.r.commit()
	if f.cons != f.prod {
		t.Errorf("consumer position %d after commit, want %d", f.cons, f.prod)
	}
	// A header in the last 8 bytes: its data starts at the beginning.
	f.put([]byte("thirty-two bytes of payload ...."), 0) // 8 + 32 from offset 16
	f.put([]byte("at end"), 0)                           // header at 56, data at 0
	got = got[:0]
	read()
	if len(got) != 2 || got[1] != "at end" {
		t.Fatalf("read %q", got)
	}
	f.r.commit()
	// A record reserved but not submitted stops the reader where it is.
	at := f.prod
	f.put([]byte("busy"), ringBusyBit)
	if _, err := f.r.next(); !errors.Is(err, errEmpty) || f.r.pos != at {
		t.Errorf("busy record: err %v, position %d, want errEmpty at %d", err, f.r.pos, at)
	}
	binary.LittleEndian.PutUint32(f.buf[at&(f.size-1):], 4) // submitted now
	if rec, err := f.r.next(); err != nil || !bytes.Equal(rec, []byte("busy")) {
		t.Errorf("after submit: %q %v", rec, err)
	}
}

// Issue 10.4: exec arguments that could not be kept are not lost events.
func TestExecTruncatedIsNotLost(t *testing.T) {
	if got := (Stats{LostRingbuf: 1, LostPending: 2, ExecTruncated: 5}).Lost(); got != 3 {
		t.Errorf("Lost() = %d, want 3 (ExecTruncated events were written)", got)
	}
}
