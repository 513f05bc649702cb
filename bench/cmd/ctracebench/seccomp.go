package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
)

// ctraceRecord launches `ctrace seccomp record` (every container, to a file
// in the run directory): the in-kernel per-container syscall bitmap.
func ctraceRecord(t *Target) (Launch, error) {
	return Launch{Argv: []string{t.Ctrace, "seccomp", "record", "--output", filepath.Join(t.Dir, "recording.json")}}, nil
}

// recordSummaryRE matches record's last line: "recorded N containers to FILE; lost: M (…)".
var recordSummaryRE = regexp.MustCompile(`recorded (\d+) containers to .*; lost: (\d+)(.*)$`)

// recordFigures reads record's summary: events are the containers recorded.
func recordFigures(_, stderr []string) (Figures, error) {
	for i := len(stderr) - 1; i >= 0; i-- {
		m := recordSummaryRE.FindStringSubmatch(stderr[i])
		if m == nil {
			continue
		}
		n, err1 := strconv.ParseInt(m[1], 10, 64)
		lost, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil {
			return Figures{}, fmt.Errorf("unparsable record summary %q", stderr[i])
		}
		return Figures{Events: n, Lost: lost, Detail: "containers recorded"}, nil
	}
	return Figures{}, fmt.Errorf("no ctrace seccomp record summary (\"recorded N containers … lost: M\") on stderr")
}
