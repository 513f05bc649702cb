package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/schematest"
)

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	w.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC) }
	w.Logf(KindHookSkipped)("optional hook %s not attached: %v", "sched_process_fork", "EPERM")
	w.Write(Entry{Kind: KindRuntimeAPI, Message: "no runtime answered", Container: &Container{ID: "ab\\c\xff", Runtime: "docker"}})
	l := NewLosses(w)
	l.Update(CauseRingBuffer, 0)
	l.Update(CauseRingBuffer, 5)
	l.Update(CauseRingBuffer, 5)
	l.Update(CauseRingBuffer, 12)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 || w.Written() != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	want0 := `{"timestamp":"2026-01-02T03:04:05.000000006Z","kind":"hook-skipped","message":"optional hook sched_process_fork not attached: EPERM"}`
	if lines[0] != want0 {
		t.Errorf("line 0 = %s\nwant    %s", lines[0], want0)
	}
	if !strings.Contains(lines[1], `"container":{"id":"ab\\\\c\\xff","name":"","image":"","runtime":"docker"}`) {
		t.Errorf("line 1 = %s", lines[1])
	}
	var sum uint64
	for _, l := range lines[2:] {
		var e struct {
			Kind  string `json:"kind"`
			Cause string `json:"cause"`
			Count uint64 `json:"count"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind != "lost" || e.Cause != CauseRingBuffer {
			t.Errorf("loss entry %s", l)
		}
		sum += e.Count
	}
	if sum != 12 {
		t.Errorf("loss entries add up to %d, want 12", sum)
	}
}

func TestKindsTable(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range Kinds {
		if k.Kind == "" || k.Doc == "" || seen[k.Kind] {
			t.Errorf("bad or duplicate kind %q", k.Kind)
		}
		seen[k.Kind] = true
	}
	for _, k := range []Kind{KindDecode, KindLost, KindRuntimeAPI, KindProbe, KindHookSkipped, KindOutput, KindTraceFile, KindSummary} {
		if !seen[k] {
			t.Errorf("kind %s missing from Kinds", k)
		}
	}
}

// TestSchemaAndDocs: entries of every kind match docs/errors.schema.json,
// whose kind enum is exactly Kinds, and docs/errors.md lists every kind as
// Kinds documents it.
func TestSchemaAndDocs(t *testing.T) {
	s := schematest.Load(t, schematest.Errors)
	var buf bytes.Buffer
	w := New(&buf)
	for _, k := range Kinds {
		e := Entry{Kind: k.Kind, Message: "m"}
		switch k.Kind {
		case KindLost:
			e.Cause, e.Count = CauseHoldQueue, 2
		case KindRuntimeAPI:
			e.Container = &Container{ID: "abc", Runtime: "docker"}
		}
		w.Write(e)
	}
	NewLosses(w).Update(CauseUndecodable, 3)
	if n := s.ValidateLines(t, "entries", buf.Bytes(), 10); n != len(Kinds)+1 {
		t.Errorf("%d lines", n)
	}
	for _, bad := range []string{
		`{"timestamp":"2026-01-01T00:00:00Z","kind":"nosuch","message":"m"}`,
		`{"timestamp":"2026-01-01T00:00:00Z","kind":"lost","message":"m"}`,
		`{"timestamp":"2026-01-01T00:00:00Z","kind":"probe","message":"m","cause":"hold-queue-full"}`,
	} {
		if s.Validate([]byte(bad)) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
	raw, err := os.ReadFile("../../docs/errors.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Kind struct {
				Enum []string `json:"enum"`
			} `json:"kind"`
			Cause struct {
				Enum []string `json:"enum"`
			} `json:"cause"`
		} `json:"properties"`
	}
	json.Unmarshal(raw, &schema)
	var kinds []string
	var table strings.Builder
	for _, k := range Kinds {
		kinds = append(kinds, string(k.Kind))
		fmt.Fprintf(&table, "| `%s` | %s |\n", k.Kind, k.Doc)
	}
	if strings.Join(schema.Properties.Kind.Enum, ",") != strings.Join(kinds, ",") {
		t.Errorf("schema kinds %v, diag.Kinds %v", schema.Properties.Kind.Enum, kinds)
	}
	causes := []string{CauseRingBuffer, CausePending, CauseUndecodable, CauseHoldQueue}
	if strings.Join(schema.Properties.Cause.Enum, ",") != strings.Join(causes, ",") {
		t.Errorf("schema causes %v, diag %v", schema.Properties.Cause.Enum, causes)
	}
	doc, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "|---|---|\n"+table.String()+"<!-- end kinds -->") {
		t.Errorf("docs/errors.md's kind table is not diag.Kinds; it should read:\n%s", table.String())
	}
}
