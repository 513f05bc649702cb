package main

import (
	"slices"
)

// cell is one (workload, mode, scale) combination of the plan.
type cell struct {
	W     *Workload
	M     *Mode
	Scale float64
	Runs  int
	// Baseline: an untraced cell added automatically so that every mode has
	// an untraced reference at its own scale.
	Baseline bool
}

// storm is the workload every mode runs on, also in -quick mode, and the
// one the targets are defined on.
const storm = "syscall-storm"

// buildPlan lists the cells to run: every selected mode on every selected
// workload (in -quick mode, modes without Quick only on the syscall storm),
// plus an untraced cell at every scale a mode uses.
func buildPlan(ws []*Workload, ms []*Mode, quick bool, runs int) []cell {
	untraced := modeByName("untraced")
	var plan []cell
	for _, w := range ws {
		var cells []cell
		add := func(c cell) {
			for i := range cells {
				if cells[i].M == c.M && cells[i].Scale == c.Scale {
					cells[i].Runs = max(cells[i].Runs, c.Runs)
					cells[i].Baseline = cells[i].Baseline && c.Baseline
					return
				}
			}
			cells = append(cells, c)
		}
		add(cell{W: w, M: untraced, Scale: 1, Runs: runs, Baseline: !slices.Contains(ms, untraced)})
		for _, m := range ms {
			if quick && !m.Quick && w.Name != storm {
				continue
			}
			n := runs
			if !quick && m.MaxRuns > 0 {
				n = min(n, m.MaxRuns)
			}
			if sc := m.scale(); sc != 1 {
				add(cell{W: w, M: untraced, Scale: sc, Runs: n, Baseline: true})
			}
			add(cell{W: w, M: m, Scale: m.scale(), Runs: n})
		}
		plan = append(plan, cells...)
	}
	return plan
}

// step is one run of one cell.
type step struct {
	Cell *cell
	Run  int // 1-based
}

// schedule interleaves the runs: round r runs the r-th run of every cell
// (workload by workload), rotating the order of each workload's cells by r so
// that no mode always runs first or last.
func schedule(plan []cell) []step {
	maxRuns := 0
	for _, c := range plan {
		maxRuns = max(maxRuns, c.Runs)
	}
	var steps []step
	for r := range maxRuns {
		for i := 0; i < len(plan); {
			j := i
			for j < len(plan) && plan[j].W == plan[i].W {
				j++
			}
			var group []*cell
			for k := i; k < j; k++ {
				if plan[k].Runs > r {
					group = append(group, &plan[k])
				}
			}
			for k := range group {
				steps = append(steps, step{Cell: group[(k+r)%len(group)], Run: r + 1})
			}
			i = j
		}
	}
	return steps
}
