package main

import (
	"strings"
	"testing"
)

func sample(w, m string, scale float64, run int, wall float64, events, lost int64) Sample {
	s := Sample{Workload: w, Mode: m, Phase: "main", Scale: scale, Size: 100, Parallel: 1, Run: run, OK: true, WallS: wall}
	if events >= 0 {
		s.Events, s.Lost = ptr(events), ptr(lost)
		s.TracerCPUS, s.PeakRSSKiB, s.DrainS = ptr(1.5), ptr(int64(2048)), ptr(0.1)
	}
	return s
}

func testReport() *Report {
	ws := []*Workload{workloadByName(storm)}
	ms := []*Mode{modeByName("untraced"), modeByName("floor"), modeByName("ctrace-json-file"), modeByName("ctrace-selective"), modeByName("strace")}
	plan := buildPlan(ws, ms, false, 3)
	samples := []Sample{
		sample(storm, "untraced", 1, 1, 5.0, -1, 0), sample(storm, "untraced", 1, 2, 4.0, -1, 0), sample(storm, "untraced", 1, 3, 6.0, -1, 0),
		sample(storm, "floor", 1, 1, 5.5, -1, 0), sample(storm, "floor", 1, 2, 5.5, -1, 0),
		sample(storm, "ctrace-json-file", 1, 1, 9.0, 400, 0), sample(storm, "ctrace-json-file", 1, 2, 10.0, 410, 3),
		sample(storm, "ctrace-selective", 1, 1, 5.6, 0, 0),
		sample(storm, "untraced", 0.05, 1, 0.25, -1, 0),
		sample(storm, "strace", 0.05, 1, 10.0, 20, -1),
		{Workload: storm, Mode: "ctrace-selective", Phase: "main", Scale: 1, Parallel: 1, Run: 2, Error: "boom | bang"},
		{Workload: storm, Mode: "untraced", Phase: "warm-up", Scale: 1, Parallel: 1, Run: 1, OK: true, WallS: 100}, // ignored
	}
	samples[9].Lost = nil
	rep := &Report{Quick: false, Runs: 3, References: references, Micro: MicroReport{Command: "go test", Note: "no benchmark"}}
	rep.Results = aggregate(plan, samples)
	rep.Targets = checkTargets(rep.Results)
	tp := []Sample{sample(storm, "ctrace-json-file", 1, 1, 1.9, 1000, 0), sample(storm, "ctrace-json-file", 1, 1, 3.9, 4000, 2)}
	tp[1].Parallel = 2
	tp[0].Phase, tp[1].Phase = "throughput", "throughput"
	rep.Throughput = aggregateThroughput([]int{1, 2}, tp)
	return rep
}

func result(rep *Report, mode string, scale float64) *Result {
	for i := range rep.Results {
		if rep.Results[i].Mode == mode && rep.Results[i].Scale == scale {
			return &rep.Results[i]
		}
	}
	return nil
}

func TestAggregate(t *testing.T) {
	rep := testReport()
	u := result(rep, "untraced", 1)
	if u.Runs != 3 || u.WallS != 5.0 || *u.Ratio != 1 || u.WallMinS != 4 || u.WallMaxS != 6 {
		t.Fatalf("untraced: %+v", u)
	}
	j := result(rep, "ctrace-json-file", 1)
	if *j.Ratio != 1.9 || *j.Events != 405 || *j.Lost != 3 || *j.PeakRSSMiB != 2 {
		t.Fatalf("json: ratio %v events %v lost %v rss %v", *j.Ratio, *j.Events, *j.Lost, *j.PeakRSSMiB)
	}
	if got := *j.RatioToFloor; got < 1.7272 || got > 1.7273 {
		t.Fatalf("json ratio to floor = %v", got)
	}
	// Per event of the workload (405 events): 4.5 s added to 5.0 s
	// untraced, 4.0 s beyond the 5.5 s floor, 1.5 s of tracer CPU.
	if *j.WorkloadEvents != 405 || *j.AddedNsUntraced != 4.5e9/405 || *j.AddedNsFloor != 4.0e9/405 || *j.TracerCPUNs != 1.5e9/405 {
		t.Fatalf("json per event: %v %v %v %v", *j.WorkloadEvents, *j.AddedNsUntraced, *j.AddedNsFloor, *j.TracerCPUNs)
	}
	sel := result(rep, "ctrace-selective", 1)
	if sel.Runs != 1 || sel.Failed != 1 || len(sel.Errors) != 1 || sel.Size != 100 {
		t.Fatalf("selective: %+v", sel)
	}
	st := result(rep, "strace", 0.05)
	if *st.Ratio != 40 || st.Lost != nil {
		t.Fatalf("strace ratio against its own-size baseline: %+v", st)
	}
	if best := bestLossless(rep.Throughput); best == nil || best.Parallel != 1 || best.EventsPerS != 500 {
		t.Fatalf("best lossless = %+v", best)
	}
	if rep.Throughput[1].Lossless || rep.Throughput[1].Lost != 2 {
		t.Fatalf("2 containers: %+v", rep.Throughput[1])
	}
}

func TestTargets(t *testing.T) {
	rep := testReport()
	status := map[string]string{}
	for _, tc := range rep.Targets {
		status[tc.Target] = tc.Status
	}
	checks := map[string]string{
		"ctrace-selective (--event execve) within 5% of the floor (same run)":                                               "met", // 5.6 / 5.5
		"ctrace-all-excluded within 5% of the floor (same run)":                                                             "not measured",
		"full tracing to a JSON file ≤ 2.0× untraced (or ≤ 150 ns/event added beyond the floor), zero lost, default buffer": "NOT met", // lost 3
		"ctrace CPU ≤ 250 ns per event written as JSON":                                                                     "NOT met", // 1.5 s for 405 events
		"file churn, every event to a JSON file ≤ 1.3× untraced":                                                            "not measured",
	}
	for k, want := range checks {
		if status[k] != want {
			t.Errorf("%s: %q, want %q", k, status[k], want)
		}
	}
}

func TestRender(t *testing.T) {
	rep := testReport()
	text := renderText(rep)
	for _, want := range []string{"ctrace-json-file", "strace (×0.05 size)", "1 (+1 failed)", "highest lossless: 500 events/s", "NOT met"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	md := renderMarkdown(rep)
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "| ") {
			continue
		}
		// Every row of a table has as many cells as its header; escaped pipes do not count.
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n < 3 {
			t.Errorf("odd table row %q", l)
		}
	}
	for _, want := range []string{"### Ctrace targets", "| strace -f | 48.00 | 40.00× (at ×0.05 size) | strace |", "| untraced | 1.00 | 1.00× | untraced |", "failed** syscall-storm / ctrace-selective: boom | bang", "no benchmark", "Highest lossless rate: **500 events/s**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	checkTableWidths(t, md)
}

// checkTableWidths fails when a Markdown table row has a different number of
// cells than its header.
func checkTableWidths(t *testing.T, md string) {
	t.Helper()
	width := -1
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "|") {
			width = -1
			continue
		}
		n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|")
		if width < 0 {
			width = n
		} else if n != width {
			t.Errorf("row %q has %d separators, header has %d", l, n, width)
		}
	}
}

func TestReplaceGenerated(t *testing.T) {
	doc := "# Perf\n\nintro\n\n" + beginMarker + "\nold\n" + endMarker + "\n\nafter\n"
	got, err := replaceGenerated(doc, "new table")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Perf\n\nintro\n\n" + beginMarker + "\nnew table\n" + endMarker + "\n\nafter\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	again, _ := replaceGenerated(got, "new table")
	if again != got {
		t.Fatal("replacing twice is not idempotent")
	}
	appended, err := replaceGenerated("# Perf", "x")
	if err != nil || appended != "# Perf\n\n"+beginMarker+"\nx\n"+endMarker+"\n" {
		t.Fatalf("append: %q %v", appended, err)
	}
	fresh, _ := replaceGenerated("", "x")
	if fresh != beginMarker+"\nx\n"+endMarker+"\n" {
		t.Fatalf("fresh: %q", fresh)
	}
	if _, err := replaceGenerated(endMarker+"\n"+beginMarker, "x"); err == nil {
		t.Fatal("markers in the wrong order: want an error")
	}
	if _, err := replaceGenerated(beginMarker+"\n", "x"); err == nil {
		t.Fatal("missing end marker: want an error")
	}
}

// A floor whose runs disagree by more than ±20% judges no floor-relative
// target: the 5% targets are "not judged", the JSON target falls back to
// its ratio to untraced (this run's figures: floor 1.89–4.15 s).
func TestTargetsUnstableFloor(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	lost := int64(0)
	results := []Result{
		{Workload: storm, Mode: "floor", Scale: 1, Runs: 5, WallS: 3.971, WallMinS: 1.887, WallMaxS: 4.154, Ratio: f(3.14)},
		{Workload: storm, Mode: "ctrace-selective", Scale: 1, Runs: 5, WallS: 2.165, WallMinS: 2.1, WallMaxS: 2.2, Ratio: f(1.71), RatioToFloor: f(0.55)},
		{Workload: storm, Mode: "ctrace-json-file", Scale: 1, Runs: 5, WallS: 2.92, WallMinS: 2.8, WallMaxS: 3.1, Ratio: f(2.31), RatioToFloor: f(0.74), AddedNsFloor: f(-263), Lost: &lost},
	}
	got := map[string]TargetCheck{}
	for _, tc := range checkTargets(results) {
		got[tc.Target] = tc
	}
	if s := got["ctrace-selective (--event execve) within 5% of the floor (same run)"].Status; !strings.HasPrefix(s, "not judged: floor unstable (±29% over 5 runs") {
		t.Errorf("selective: %q", s)
	}
	j := got["full tracing to a JSON file ≤ 2.0× untraced (or ≤ 150 ns/event added beyond the floor), zero lost, default buffer"]
	if j.Status != "NOT met" || !strings.Contains(j.Measured, "judged against untraced only") {
		t.Errorf("json file: %+v", j)
	}
	results[0].WallMinS, results[0].WallMaxS = 3.9, 4.1 // a steady floor: judged
	for _, tc := range checkTargets(results) {
		if strings.HasPrefix(tc.Target, "ctrace-selective") && tc.Status != "met" {
			t.Errorf("steady floor: %+v", tc)
		}
	}
}
