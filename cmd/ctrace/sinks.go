package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/config"
	"github.com/ctrace-dev/ctrace/internal/diag"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/status"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// traceSinks are where a trace writes: the events (standard output or
// events-path), the errors file (errors-path, else standard error) and,
// while events go to a file, the live status on standard error.
type traceSinks struct {
	events     *tracefile.Counter // every event line goes through it
	eventsPath string             // "" for standard output
	eventsFile *os.File
	errorsFile *os.File
	diag       *diag.Writer
	status     *status.Line // nil when off
	stderr     io.Writer    // standard error, clearing the status line first
	term       output.TerminalOptions
}

// openSinks opens the outputs a trace writes to.
func openSinks(e *env, cfg config.Config, overwrite, quiet bool) (*traceSinks, error) {
	s := &traceSinks{stderr: e.stderr}
	if cfg.EventsPath != "" {
		tty, width := terminal(e.stderr)
		if !quiet {
			s.status = status.New(e.stderr, tty, width)
			s.stderr = s.status
		}
	}
	if cfg.ErrorsPath != "" {
		f, cut, err := tracefile.Create(cfg.ErrorsPath, false)
		if err != nil {
			return nil, fmt.Errorf("errors-path %w", err)
		}
		s.errorsFile = f
		s.diag = diag.New(f)
		if cut > 0 {
			s.diag.Write(diag.Entry{Kind: diag.KindTraceFile, Count: uint64(cut),
				Message: fmt.Sprintf("%s: cut a partial last line of %d bytes left by an earlier run that was killed mid-line", cfg.ErrorsPath, cut)})
		}
	} else {
		s.diag = diag.New(s.stderr)
	}
	if cfg.EventsPath == "" {
		s.events = &tracefile.Counter{W: e.stdout}
		if tty, width := terminal(e.stdout); tty {
			s.term = output.TerminalOptions{Color: colorAllowed(), Width: width}
		}
		return s, nil
	}
	f, cut, err := tracefile.Create(cfg.EventsPath, overwrite)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("events-path %w", err)
	}
	if cut > 0 {
		msg := fmt.Sprintf("%s: cut a partial last line of %d bytes left by an earlier run that was killed mid-line, so new events start on a line of their own", cfg.EventsPath, cut)
		s.diag.Write(diag.Entry{Kind: diag.KindTraceFile, Count: uint64(cut), Message: msg})
		if cfg.ErrorsPath != "" {
			fmt.Fprintf(s.stderr, "ctrace: warning: %s\n", msg)
		}
	}
	s.eventsPath, s.eventsFile = cfg.EventsPath, f
	s.events = &tracefile.Counter{W: output.NewWriteBehind(f)}
	return s, nil
}

// fileSize is the events file's size, -1 when events go to standard output.
func (s *traceSinks) fileSize() int64 {
	if s.eventsFile == nil {
		return -1
	}
	if st, err := s.eventsFile.Stat(); err == nil && st.Mode().IsRegular() {
		return st.Size()
	}
	return s.events.Bytes()
}

// Close closes the files.
func (s *traceSinks) Close() {
	if s.status != nil {
		s.status.Clear()
	}
	if s.eventsFile != nil {
		s.eventsFile.Close()
	}
	if s.errorsFile != nil {
		s.errorsFile.Close()
	}
}

// terminal reports whether w is a terminal, and its width in columns.
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok {
		return false, 0
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return false, 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return true, 0
	}
	return true, int(ws.Col)
}

// colorAllowed: colours unless NO_COLOR is set (no-color.org) or TERM is dumb.
func colorAllowed() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && !strings.HasPrefix(os.Getenv("TERM"), "dumb")
}
