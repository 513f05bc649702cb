package tracer

import "testing"

func TestLoadSmoke(t *testing.T) {
	requirePrivileged(t)
	opts := DefaultOptions()
	opts.Logf = t.Logf
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	t.Logf("attached: %v skipped: %v", tr.Attached, tr.Skipped)
}
