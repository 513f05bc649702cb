package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The write-behind writer only advises the kernel: the file gets every
// byte, in order, appended after what was there; pipes and other
// non-regular files are left alone.
func TestWriteBehind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.json")
	if err := os.WriteFile(path, []byte("earlier run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := newWriteBehind(f)
	wb, ok := w.(*writeBehind)
	if !ok {
		t.Fatalf("a regular file got %T", w)
	}
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	var want bytes.Buffer
	want.WriteString("earlier run\n")
	for i := range 3 * writeBehindWindow / len(chunk) {
		chunk[0] = byte('A' + i%26)
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		want.Write(chunk)
	}
	f.Close()
	if wb.dropped == int64(len("earlier run\n")) || wb.synced <= wb.dropped {
		t.Errorf("synced %d dropped %d: windows were not handed over", wb.synced, wb.dropped)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file has %d bytes, want %d (content differs)", len(got), want.Len())
	}
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer pw.Close()
	if _, ok := newWriteBehind(pw).(*writeBehind); ok {
		t.Error("a pipe got write-behind")
	}
}
