package recording

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzFromTrace: any input gives a recording or a one-line error, never a panic.
func FuzzFromTrace(f *testing.F) {
	f.Add([]byte(strings.Join(runcLikeTrace(), "\n") + "\n"))
	f.Add([]byte(`{"event":"seccomp","syscall":true,"container":{"id":"x"},"process":{"pid":1,"tid":1},"args":{"op":"0x1","flags":"SECCOMP_FILTER_FLAG_TSYNC|0x40"},"retval":0}` + "\n"))
	f.Add([]byte(`{"event":"sched_process_fork","container":{"id":"x"},"process":{"pid":1,"tid":1},"args":{"child_pid":"2","child_tid":-3}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := FromTrace(bytes.NewReader(data), "fuzz", "x86_64", nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if _, err := r.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParse: recordings are checked, not trusted.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"ctraceRecording": 1, "source": "kernel", "arch": "x86_64", "containers": [{"id": "a", "confined": true, "syscalls": {"x86_64": ["read"], "i386": ["read"]}, "args": {"cloneFlags": 17}}]}`))
	f.Add([]byte(`{"ctraceRecording": 1, "arch": "arm64", "containers": [{"id": "a", "confined": false, "syscalls": {"arm": ["x"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed but invalid: %v", err)
		}
		for i := range r.Containers {
			_ = Merge("m", &r.Containers[i], &r.Containers[i])
		}
	})
}
