package main

import (
	"fmt"
	"strings"
	"testing"
)

func allModes() []*Mode {
	var ms []*Mode
	for i := range modes {
		ms = append(ms, &modes[i])
	}
	return ms
}

func allWorkloads() []*Workload {
	var ws []*Workload
	for i := range workloads {
		ws = append(ws, &workloads[i])
	}
	return ws
}

func cellNames(plan []cell) []string {
	var out []string
	for _, c := range plan {
		out = append(out, fmt.Sprintf("%s/%s@%g×%d", c.W.Name, c.M.Name, c.Scale, c.Runs))
	}
	return out
}

func TestTables(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range modes {
		if seen[m.Name] {
			t.Errorf("duplicate mode %s", m.Name)
		}
		seen[m.Name] = true
		if m.Launch != nil && (m.Ready == nil || m.Stop == 0) {
			t.Errorf("mode %s has a tracer but no Ready pattern or Stop signal", m.Name)
		}
		if m.Ctrace && m.Figures == nil {
			t.Errorf("ctrace mode %s reads no figures", m.Name)
		}
	}
	if modeByName("untraced") == nil || modeByName("floor") == nil || modeByName("ctrace-json-file") == nil {
		t.Fatal("untraced, floor and ctrace-json-file are required modes")
	}
	if workloadByName(storm) == nil {
		t.Fatal("the syscall storm workload is required")
	}
	for _, w := range workloads {
		if w.Work(1, "10.0.0.1") == "" || w.Count <= w.QuickCount {
			t.Errorf("workload %s: empty work or quick size not smaller", w.Name)
		}
	}
}

func TestBuildPlanFull(t *testing.T) {
	plan := buildPlan(allWorkloads(), allModes(), false, 5)
	names := strings.Join(cellNames(plan), " ")
	for _, w := range workloads {
		for _, m := range modes {
			runs := 5
			if m.MaxRuns > 0 {
				runs = m.MaxRuns
			}
			want := fmt.Sprintf("%s/%s@%g×%d", w.Name, m.Name, m.scale(), runs)
			if !strings.Contains(names, want) {
				t.Errorf("plan lacks %s: %s", want, names)
			}
		}
		// strace runs at a reduced size, so an untraced baseline at that size exists.
		want := fmt.Sprintf("%s/untraced@%g×%d", w.Name, modeByName("strace").Scale, modeByName("strace").MaxRuns)
		if !strings.Contains(names, want) {
			t.Errorf("plan lacks the baseline %s", want)
		}
	}
	if len(plan) != len(workloads)*(len(modes)+1) {
		t.Errorf("plan has %d cells, want %d", len(plan), len(workloads)*(len(modes)+1))
	}
}

func TestBuildPlanQuick(t *testing.T) {
	plan := buildPlan(allWorkloads(), allModes(), true, 1)
	modesOnStorm := map[string]bool{}
	for _, c := range plan {
		if c.Runs != 1 {
			t.Errorf("quick cell %s/%s has %d runs", c.W.Name, c.M.Name, c.Runs)
		}
		if c.W.Name == storm {
			modesOnStorm[c.M.Name] = true
		} else if !c.M.Quick {
			t.Errorf("quick plan runs %s on %s", c.M.Name, c.W.Name)
		}
	}
	for _, m := range modes {
		if !modesOnStorm[m.Name] {
			t.Errorf("quick plan does not run %s on the storm", m.Name)
		}
	}
}

func TestBuildPlanAddsUntraced(t *testing.T) {
	plan := buildPlan([]*Workload{workloadByName(storm)}, []*Mode{modeByName("ctrace-json-file")}, false, 3)
	got := strings.Join(cellNames(plan), " ")
	if got != "syscall-storm/untraced@1×3 syscall-storm/ctrace-json-file@1×3" || !plan[0].Baseline {
		t.Fatalf("plan = %s (baseline %v)", got, plan[0].Baseline)
	}
}

func TestSchedule(t *testing.T) {
	w1, w2 := &Workload{Name: "a"}, &Workload{Name: "b"}
	m1, m2, m3 := &Mode{Name: "x"}, &Mode{Name: "y"}, &Mode{Name: "z"}
	plan := []cell{{W: w1, M: m1, Runs: 3}, {W: w1, M: m2, Runs: 3}, {W: w1, M: m3, Runs: 1}, {W: w2, M: m1, Runs: 2}}
	var got []string
	for _, s := range schedule(plan) {
		got = append(got, fmt.Sprintf("%s%s%d", s.Cell.W.Name, s.Cell.M.Name, s.Run))
	}
	want := "ax1 ay1 az1 bx1 ay2 ax2 bx2 ax3 ay3"
	if strings.Join(got, " ") != want {
		t.Fatalf("schedule = %s, want %s", strings.Join(got, " "), want)
	}
}

func TestGatedScript(t *testing.T) {
	s := gatedScript("mkdir /x", "dd if=/dev/zero of=/dev/null bs=1 count=5")
	want := "exec 3>/gate/done\nmkdir /x || exit 98\nread g </gate/go || exit 97\ndd if=/dev/zero of=/dev/null bs=1 count=5\necho $? >&3\nread g </gate/go\n"
	if s != want {
		t.Fatalf("script:\n%s\nwant:\n%s", s, want)
	}
	if strings.Contains(gatedScript("", "true"), "exit 98") {
		t.Fatal("empty setup still emitted")
	}
	if got := workloadByName(storm).size(true, 0.05); got != 5000 {
		t.Fatalf("quick storm at ×0.05 = %d, want 5000", got)
	}
	if got := scaled(10, 0.01); got != 1 {
		t.Fatalf("scaled(10, 0.01) = %d, want 1", got)
	}
}

func TestWorkloadCPUs(t *testing.T) {
	for _, c := range []struct {
		flag string
		cpus int
		want string
		err  bool
	}{
		{"last", 2, "1", false},
		{"last", 8, "7", false},
		{"last", 1, "", false},
		{"none", 4, "", false},
		{"", 4, "", false},
		{"0", 2, "0", false},
		{"0-1", 2, "0-1", false},
		{"1,3", 4, "1,3", false},
		{"2", 2, "", true},
		{"x", 2, "", true},
		{"0-5", 2, "", true},
		{"0,,1", 2, "", true},
		{"0-", 2, "", true},
	} {
		got, err := workloadCPUs(c.flag, c.cpus)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("workloadCPUs(%q, %d) = %q, %v; want %q, error %v", c.flag, c.cpus, got, err, c.want, c.err)
		}
	}
}
