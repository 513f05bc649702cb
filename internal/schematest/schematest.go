// Package schematest validates ctrace's JSON output against the schemas in
// docs/ (events.schema.json, errors.schema.json) in tests, with a
// maintained JSON Schema validator (santhosh-tekuri/jsonschema, draft
// 2020-12). It is only imported by tests.
package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Names of the schemas in docs/.
const (
	Events = "events.schema.json"
	Errors = "errors.schema.json"
)

// Schema is a compiled schema of docs/.
type Schema struct {
	name string
	s    *jsonschema.Schema
}

// Load compiles docs/<name>, found from the working directory upwards.
func Load(t testing.TB, name string) *Schema {
	t.Helper()
	s, err := Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Compile is Load for callers without a testing.TB.
func Compile(name string) (*Schema, error) {
	path, err := find(filepath.Join("docs", name))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not JSON: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(name)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid JSON Schema: %v", path, err)
	}
	return &Schema{name: name, s: s}, nil
}

// Validate checks one JSON document (a line).
func (s *Schema) Validate(line []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if err := s.s.Validate(inst); err != nil {
		return fmt.Errorf("does not match %s: %s", s.name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

// ValidateLines checks every non-empty line of data and reports each
// failure (at most max) as a test error; it returns the number of lines.
func (s *Schema) ValidateLines(t testing.TB, what string, data []byte, max int) int {
	t.Helper()
	n, bad := 0, 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n++
		if err := s.Validate(line); err != nil {
			bad++
			if bad <= max {
				l := string(line)
				if len(l) > 300 {
					l = l[:300] + "…"
				}
				t.Errorf("%s line %d %v\n%s", what, i+1, err, l)
			}
		}
	}
	if bad > max {
		t.Errorf("%s: %d more lines do not match %s", what, bad-max, s.name)
	}
	return n
}

func find(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found above the working directory", rel)
		}
		dir = parent
	}
}
