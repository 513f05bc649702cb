package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeContainer plays the container's side of the gate protocol in-process.
func fakeContainer(t *testing.T, dir string, status string, started chan<- time.Time) {
	done, err := os.OpenFile(filepath.Join(dir, "done"), os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer done.Close()
	gate, err := os.Open(filepath.Join(dir, "go")) // blocks until the harness arms
	if err != nil {
		t.Error(err)
		return
	}
	buf := make([]byte, 2)
	if _, err := gate.Read(buf); err != nil || string(buf) != "g\n" {
		t.Errorf("gate read %q %v", buf, err)
	}
	gate.Close()
	started <- time.Now()
	if status != "" {
		done.WriteString(status)
	}
}

func TestGate(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		rc           int
		err          string
	}{
		{"success", "0\n", 0, ""},
		{"failure status", "3\n", 3, ""},
		{"died", "", -1, "without reporting a status"},
		{"garbage", "x\n", -1, "bad status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "gate")
			g, err := newGate(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer g.close()
			started := make(chan time.Time, 1)
			go fakeContainer(t, dir, tc.status, started)
			ctx := context.Background()
			if err := g.waitArmed(ctx, 10*time.Second, func() error { return nil }); err != nil {
				t.Fatal(err)
			}
			select {
			case <-started:
				t.Fatal("the work started before the gate was released")
			case <-time.After(50 * time.Millisecond):
			}
			t0 := time.Now()
			if err := g.release(); err != nil {
				t.Fatal(err)
			}
			rc, err := g.waitDone(ctx, time.Now().Add(10*time.Second))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || rc != tc.rc {
				t.Fatalf("rc %d err %v, want %d", rc, err, tc.rc)
			}
			if s := <-started; s.Before(t0) {
				t.Fatal("work started before release")
			}
		})
	}
}

func TestGateArmDeadline(t *testing.T) {
	g, err := newGate(filepath.Join(t.TempDir(), "gate"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	err = g.waitArmed(context.Background(), 100*time.Millisecond, func() error { return nil })
	if err == nil || !strings.Contains(err.Error(), "did not reach its start gate") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.waitArmed(ctx, time.Minute, func() error { return nil }); err != context.Canceled {
		t.Fatalf("cancelled: err = %v", err)
	}
}
