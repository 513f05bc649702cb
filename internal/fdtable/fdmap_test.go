package fdtable

import (
	"math/rand"
	"testing"
)

// fdMap behaves as the map it replaces, on both sides of the array's end.
func TestFdMapAsMap(t *testing.T) {
	var m fdMap
	ref := map[int32]entry{}
	rng := rand.New(rand.NewSource(1))
	check := func(when string) {
		t.Helper()
		for fd := int32(-2); fd < 3*lowFds; fd++ {
			got, ok := m.get(fd)
			want, wok := ref[fd]
			if ok != wok || got != want {
				t.Fatalf("%s: fd %d = %+v %v, want %+v %v", when, fd, got, ok, want, wok)
			}
		}
	}
	for i := 0; i < 5000; i++ {
		fd := int32(rng.Intn(3 * lowFds))
		switch rng.Intn(5) {
		case 0, 1:
			e := entry{desc: string(rune('a' + rng.Intn(26))), cloexec: rng.Intn(2) == 0}
			m.put(fd, e)
			ref[fd] = e
		case 2:
			m.del(fd)
			delete(ref, fd)
		case 3:
			lo, hi := fd, fd+int32(rng.Intn(20))
			m.deleteIf(func(fd int32, _ entry) bool { return fd >= lo && fd <= hi })
			for k := range ref {
				if k >= lo && k <= hi {
					delete(ref, k)
				}
			}
		case 4:
			c := m.clone()
			c.put(fd, entry{desc: "only in the clone"})
			if e, _ := m.get(fd); e.desc == "only in the clone" {
				t.Fatal("a clone shares its descriptors with the original")
			}
			m.deleteIf(func(_ int32, e entry) bool { return e.cloexec })
			for k, e := range ref {
				if e.cloexec {
					delete(ref, k)
				}
			}
		}
		if i%97 == 0 {
			check("after step")
		}
	}
	check("at the end")
}
