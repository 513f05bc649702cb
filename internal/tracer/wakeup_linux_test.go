package tracer

import (
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/events"
)

// TestReaderWokenWhileAsleep (issue 11): producers force a wakeup only
// while the reader says it sleeps (reader_asleep), and one that finds
// WakeupBytes pending wakes it. With a poll interval far longer than the
// test, the reader must return records, not ErrPoll: it was woken. The
// flag is set while the reader waits and clear once it reads again.
func TestReaderWokenWhileAsleep(t *testing.T) {
	for _, compat := range []bool{false, true} {
		t.Run(map[bool]string{false: "fast", true: "compat"}[compat], func(t *testing.T) {
			const poll = 2 * time.Minute
			x := startTracedTuned(t, 2, events.CaptureOptions{}, compat, TaskFilter{}, func(o *Options) {
				o.PollInterval = poll
				o.MinNap = poll // no naps: only a producer can end the sleep
				o.WakeupBytes = 64 << 10
			})
			for _, err := x.tr.Drain(); err == nil; _, err = x.tr.Drain() {
			}
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				// The first Next sleeps (the ring is empty); the records
				// of the workload must end that sleep.
				n := 0
				for {
					raw, err := x.tr.Next()
					if err != nil {
						done <- result{n, err}
						return
					}
					if events.RecordCgroup(raw) == x.cgid {
						if n++; n == 1000 {
							done <- result{n, nil}
							return
						}
					}
				}
			}()
			asleep := func() uint64 {
				var v uint64
				if err := x.tr.objs.ReaderAsleep.Lookup(uint32(0), &v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			for deadline := time.Now().Add(30 * time.Second); asleep() != 1; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the reader never raised reader_asleep while waiting")
				}
			}
			// 2 records per byte copied, each over 100 bytes: ~1 MB, more than WakeupBytes many times over.
			x.runInCgroup(t, "dd if=/dev/zero of=/dev/null bs=1 count=5000 2>/dev/null")
			select {
			case r := <-done:
				if r.err != nil {
					t.Fatalf("after %d records of the workload the reader got %v: it was not woken (%d bytes pending)", r.n, r.err, x.tr.Pending())
				}
			case <-time.After(poll - 30*time.Second):
				t.Fatalf("the reader was not woken (%d bytes pending)", x.tr.Pending())
			}
			if v := asleep(); v != 0 {
				t.Errorf("reader_asleep = %d while the reader is awake", v)
			}
		})
	}
}
