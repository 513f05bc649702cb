package tracefile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Container is an event's "container" object.
type Container struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Image   string `json:"image"`
	Runtime string `json:"runtime"`
}

// Process is an event's "process" object.
type Process struct {
	PID  int64  `json:"pid"`
	TID  int64  `json:"tid"`
	PPID int64  `json:"ppid"`
	Comm string `json:"comm"`
	UID  int64  `json:"uid"`
	GID  int64  `json:"gid"`
}

// Event is one line of a JSON trace file (docs/events.md). String values
// are as decoded from JSON, in ctrace's string convention: DecodeString
// gives their bytes. Args stays raw until asked for (Arg, ArgString, Args),
// so reading a file costs little for fields a reader does not use.
type Event struct {
	Timestamp  string            `json:"timestamp"`
	Event      string            `json:"event"`
	Syscall    bool              `json:"syscall"`
	Container  Container         `json:"container"`
	Process    Process           `json:"process"`
	RawArgs    json.RawMessage   `json:"args"`
	Retval     *int64            `json:"retval,omitempty"`
	Error      string            `json:"error,omitempty"`
	Fds        map[string]string `json:"fds,omitempty"`
	NoReturn   bool              `json:"noreturn,omitempty"`
	Unfinished bool              `json:"unfinished,omitempty"`
	Truncated  []string          `json:"truncated,omitempty"`
	Faults     []string          `json:"faults,omitempty"`

	// Line is the event's 1-based line number in its file.
	Line int `json:"-"`

	args map[string]json.RawMessage
}

// Time parses the timestamp (RFC 3339 with nanoseconds).
func (e *Event) Time() (time.Time, error) { return time.Parse(time.RFC3339Nano, e.Timestamp) }

// Failed reports a syscall that returned an error (Error is its errno name).
func (e *Event) Failed() bool { return e.Error != "" }

// Arg returns the raw JSON value of parameter name.
func (e *Event) Arg(name string) (json.RawMessage, bool) {
	if e.args == nil {
		if len(e.RawArgs) == 0 || json.Unmarshal(e.RawArgs, &e.args) != nil {
			return nil, false
		}
	}
	v, ok := e.args[name]
	return v, ok
}

// ArgString returns a string parameter (in ctrace's string convention).
func (e *Event) ArgString(name string) (string, bool) {
	raw, ok := e.Arg(name)
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// ArgInt returns an integer parameter.
func (e *Event) ArgInt(name string) (int64, bool) {
	raw, ok := e.Arg(name)
	if !ok {
		return 0, false
	}
	var n int64
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return n, true
}

// ArgStrings returns a string-array parameter (argv).
func (e *Event) ArgStrings(name string) ([]string, bool) {
	raw, ok := e.Arg(name)
	if !ok || len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	var ss []string
	if json.Unmarshal(raw, &ss) != nil {
		return nil, false
	}
	return ss, true
}

// Sockaddr is a decoded sockaddr parameter.
type Sockaddr struct {
	Family string `json:"family"`
	Addr   string `json:"addr,omitempty"`
	Port   int    `json:"port,omitempty"`
	Path   string `json:"path,omitempty"`
}

// ArgSockaddr returns a sockaddr parameter; false when absent or empty ({}).
func (e *Event) ArgSockaddr(name string) (Sockaddr, bool) {
	raw, ok := e.Arg(name)
	var sa Sockaddr
	if !ok || len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &sa) != nil || sa.Family == "" {
		return sa, false
	}
	return sa, true
}

// Warning is a problem a Reader worked around; the file is still read.
type Warning struct {
	Line    int
	Message string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Message) }

// Reader reads events from a JSON trace file, line by line.
//
// A last line without its newline that is not a complete JSON object is
// what a writer leaves when it is killed mid-line: it is skipped with a
// warning. A malformed line anywhere else is an error, unless SkipMalformed
// is set, in which case it too is skipped with a warning. Blank lines are
// ignored.
type Reader struct {
	br   *bufio.Reader
	line int
	buf  []byte
	// SkipMalformed turns malformed lines in the middle of the file into
	// warnings instead of errors.
	SkipMalformed bool
	// Warn receives each warning as it happens (optional); Warnings keeps them too.
	Warn     func(Warning)
	warnings []Warning
	cache    containerCache
}

// NewReader returns a reader of the trace in r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<20), cache: containerCache{}}
}

// Warnings returns the warnings so far.
func (r *Reader) Warnings() []Warning { return r.warnings }

func (r *Reader) warn(line int, format string, args ...any) {
	w := Warning{Line: line, Message: fmt.Sprintf(format, args...)}
	r.warnings = append(r.warnings, w)
	if r.Warn != nil {
		r.Warn(w)
	}
}

// LineError is a malformed line that is not the last: Line is its 1-based
// number, Err why it is not a ctrace JSON event.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: not a ctrace JSON event: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrTableFormat is returned for a file written with --output-format table.
var ErrTableFormat = errors.New("this is a table-format trace; only JSON traces (--output-format json) can be read back")

// Next reads the next event into ev (which it resets first). It returns
// io.EOF at the end of the file.
func (r *Reader) Next(ev *Event) error {
	for {
		line, complete, err := r.readLine()
		if err != nil {
			return err
		}
		r.line++
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			if !complete {
				return io.EOF
			}
			continue
		}
		if r.line == 1 && bytes.HasPrefix(trimmed, []byte("TIME ")) {
			return fmt.Errorf("line 1: %w", ErrTableFormat)
		}
		*ev = Event{}
		if err = decodeEvent(trimmed, ev, r.cache); err != nil {
			// The fast decoder declined: encoding/json decides (and explains).
			*ev = Event{}
			err = json.Unmarshal(trimmed, ev)
		}
		if err == nil && ev.Event == "" {
			err = errors.New(`no "event" field`)
		}
		if err == nil {
			ev.Line = r.line
			return nil
		}
		switch {
		case !complete:
			r.warn(r.line, "partial last line of %d bytes skipped (the writer stopped mid-line: crash or SIGKILL)", len(line))
			return io.EOF
		case r.SkipMalformed:
			r.warn(r.line, "malformed line skipped: %v", err)
		default:
			return &LineError{Line: r.line, Err: err}
		}
	}
}

// readLine returns the next line without its newline; complete is false
// for a last line that has no newline. io.EOF only when nothing is left.
func (r *Reader) readLine() (line []byte, complete bool, err error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		switch {
		case err == nil:
			return r.buf[:len(r.buf)-1], true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(r.buf) == 0 {
				return nil, false, io.EOF
			}
			return r.buf, false, nil
		default:
			return nil, false, err
		}
	}
}

// ReadFile calls f for every event of the trace file at path, in order,
// and returns the reader's warnings. f may keep ev only until it returns.
func ReadFile(path string, warn func(Warning), f func(ev *Event) error) ([]Warning, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	r := NewReader(file)
	r.Warn = warn
	var ev Event
	for {
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return r.Warnings(), nil
		}
		if err != nil {
			return r.Warnings(), fmt.Errorf("%s: %w", path, err)
		}
		if err := f(&ev); err != nil {
			return r.Warnings(), err
		}
	}
}
