package main

import (
	"strings"
	"testing"
)

func TestFileSetLines(t *testing.T) {
	res := []Result{
		{Workload: fileWorkload, Mode: "untraced", Scale: 1, Runs: 5, WallS: 1.0},
		{Workload: fileWorkload, Mode: "floor", Scale: 1, Runs: 5, WallS: 1.2},
		{Workload: fileWorkload, Mode: allMode, Scale: 1, Runs: 5, WallS: 3.0, Events: ptr(int64(1_000_000)), TracerCPUS: ptr(0.6)},
		{Workload: fileWorkload, Mode: fileMode, Scale: 1, Runs: 5, WallS: 1.5, Ratio: ptr(1.5), Events: ptr(int64(250_000)), TracerCPUS: ptr(0.25)},
	}
	got := strings.Join(fileSetLines(res), "\n")
	for _, want := range []string{"1.50× untraced", "1.25× floor", "0.50× all syscalls", "ctrace-file-set: 250,000 events, 2000 ns of wall time added per event, 1000 ns of ctrace CPU per event", "ctrace-json-file: 1,000,000 events, 2000 ns"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
	if fileSetLines(res[:3]) != nil {
		t.Error("lines without a file-set cell")
	}
}
