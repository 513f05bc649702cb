package main

import "fmt"

// The file-event figures (issue 9): file churn traced with `--set file`
// next to the floor and to all-syscalls tracing (ctrace-json-file) of the
// same run, as ratios and as nanoseconds of wall time added per event.

const (
	fileWorkload = "file-churn"
	fileMode     = "ctrace-file-set"
	allMode      = "ctrace-json-file"
)

// fileSetLines summarises the file-set cell of the file churn; nil when the
// run has none.
func fileSetLines(results []Result) []string {
	find := func(mode string) *Result {
		for i := range results {
			r := &results[i]
			if r.Workload == fileWorkload && r.Mode == mode && r.Scale == 1 && r.Runs > 0 {
				return r
			}
		}
		return nil
	}
	f, all, floor, un := find(fileMode), find(allMode), find("floor"), find("untraced")
	if f == nil {
		return nil
	}
	var lines []string
	line := fmt.Sprintf("--set file: %.3f s", f.WallS)
	if f.Ratio != nil {
		line += fmt.Sprintf(", %.2f× untraced", *f.Ratio)
	}
	if floor != nil && floor.WallS > 0 {
		line += fmt.Sprintf(", %.2f× floor", f.WallS/floor.WallS)
	}
	if all != nil && all.WallS > 0 {
		line += fmt.Sprintf(", %.2f× all syscalls (%.3f s)", f.WallS/all.WallS, all.WallS)
	}
	lines = append(lines, line)
	for _, r := range []*Result{f, all} {
		if r == nil || r.Events == nil || *r.Events == 0 {
			continue
		}
		l := fmt.Sprintf("%s: %s events", r.Mode, groupDigits(*r.Events))
		if un != nil {
			l += fmt.Sprintf(", %.0f ns of wall time added per event", (r.WallS-un.WallS)*1e9/float64(*r.Events))
		}
		if r.TracerCPUS != nil {
			l += fmt.Sprintf(", %.0f ns of ctrace CPU per event", *r.TracerCPUS*1e9/float64(*r.Events))
		}
		lines = append(lines, l+lostNote(r))
	}
	return lines
}
