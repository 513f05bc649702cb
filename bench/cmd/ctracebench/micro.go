package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MicroReport holds the decode/encode micro-benchmarks of ./internal/...
type MicroReport struct {
	Command string        `json:"command"`
	Note    string        `json:"note,omitempty"`
	Results []MicroResult `json:"results,omitempty"`
}

// MicroResult is one `go test -bench` line.
type MicroResult struct {
	Package       string   `json:"package"`
	Name          string   `json:"name"`
	Iterations    int64    `json:"iterations"`
	NsPerOp       float64  `json:"ns_per_op"`
	OpsPerSecCore float64  `json:"ops_per_s_per_core"` // 1e9 / ns/op, with -cpu 1
	BytesPerOp    *float64 `json:"bytes_per_op,omitempty"`
	AllocsPerOp   *float64 `json:"allocs_per_op,omitempty"`
	Extra         string   `json:"extra,omitempty"` // custom metrics, verbatim
}

var microWanted = regexp.MustCompile(`(?i)decode|encode|json`)

// runMicro runs the Go micro-benchmarks on one CPU and keeps the decode/
// encode/JSON ones. It never fails the suite: problems become the note.
func runMicro(ctx context.Context, repo string, quick bool) MicroReport {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-cpu", "1", "-count", "1"}
	if quick {
		args = append(args, "-benchtime", "1x")
	}
	args = append(args, "./internal/...")
	rep := MicroReport{Command: "go " + strings.Join(args, " ")}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	rep.Results = parseBench(string(out))
	if err != nil {
		rep.Note = fmt.Sprintf("go test failed (%v); lines parsed before the failure are kept: %s", err, lastLines(string(out), 4))
	}
	if len(rep.Results) == 0 && rep.Note == "" {
		rep.Note = "no benchmark whose name contains Decode, Encode or JSON exists in ./internal/... yet"
	}
	if quick && len(rep.Results) > 0 {
		rep.Note = strings.TrimSpace(rep.Note + " (quick mode: one iteration each, the figures are meaningless)")
	}
	return rep
}

// parseBench parses `go test -bench` output, keeping the wanted benchmarks.
func parseBench(out string) []MicroResult {
	var res []MicroResult
	pkg := ""
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), modulePath+"/")
			continue
		}
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || !microWanted.MatchString(f[0]) {
			continue
		}
		iters, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := MicroResult{Package: pkg, Name: f[0], Iterations: iters}
		var extra []string
		ok := false
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				r.NsPerOp, ok = v, true
			case "B/op":
				r.BytesPerOp = ptr(v)
			case "allocs/op":
				r.AllocsPerOp = ptr(v)
			default:
				extra = append(extra, f[i]+" "+unit)
			}
		}
		if !ok {
			continue
		}
		if r.NsPerOp > 0 {
			r.OpsPerSecCore = 1e9 / r.NsPerOp
		}
		r.Extra = strings.Join(extra, ", ")
		res = append(res, r)
	}
	return res
}
