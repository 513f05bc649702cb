package sysfmt

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tableFile is the events package's declarative formatter table. It is data
// only and unexported, so this test reads it as Go source.
var tableFile = filepath.Join("..", "events", "fmt_table.go")

// readTSV returns the non-comment lines of a syscall table, split at tabs.
func readTSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "syscalls", "tables", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// x86Params returns, for each x86_64 syscall name, its parameter names,
// through its entry point and prototypes.tsv.
func x86Params(t *testing.T) map[string][]string {
	t.Helper()
	protos := map[string][]string{}
	for _, r := range readTSV(t, "prototypes.tsv") {
		if strings.Contains(r[0], "@") && !strings.HasSuffix(r[0], "@x86_64") {
			continue
		}
		var names []string
		if len(r) > 1 && r[1] != "" {
			for _, p := range strings.Split(r[1], ";") {
				f := strings.Fields(p)
				names = append(names, f[len(f)-1])
			}
		}
		protos[strings.TrimSuffix(r[0], "@x86_64")] = names
	}
	out := map[string][]string{}
	for _, r := range readTSV(t, "x86_64.tsv") {
		if len(r) < 3 || !strings.HasPrefix(r[2], "sys_") {
			continue
		}
		if ps, ok := protos[strings.TrimPrefix(r[2], "sys_")]; ok {
			out[r[1]] = ps
		}
	}
	return out
}

// parseMapLit returns the two-level composite literal assigned to the
// package-level var name in file, as syscall -> param -> value expression.
func parseMapLit(t *testing.T, file *ast.File, name string) map[string]map[string]ast.Expr {
	t.Helper()
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != name {
				continue
			}
			out := map[string]map[string]ast.Expr{}
			for _, e := range vs.Values[0].(*ast.CompositeLit).Elts {
				kv := e.(*ast.KeyValueExpr)
				sc := unquote(t, kv.Key)
				if _, dup := out[sc]; dup {
					t.Errorf("%s: %s listed twice", name, sc)
				}
				out[sc] = map[string]ast.Expr{}
				for _, pe := range kv.Value.(*ast.CompositeLit).Elts {
					pkv := pe.(*ast.KeyValueExpr)
					out[sc][unquote(t, pkv.Key)] = pkv.Value
				}
			}
			return out
		}
	}
	t.Fatalf("%s: no var %s", tableFile, name)
	return nil
}

func unquote(t *testing.T, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Fatalf("%s: key %T is not a string literal", tableFile, e)
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestParamFormats checks events.paramFormats: every syscall exists on
// x86_64, every parameter exists in its prototype, and every formatter is a
// Kind of this package.
func TestParamFormats(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), tableFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	params := x86Params(t)
	formats := parseMapLit(t, file, "paramFormats")
	if len(formats) < 100 {
		t.Errorf("paramFormats covers only %d syscalls", len(formats))
	}
	dirfds := 0
	for sc, ps := range formats {
		proto, ok := params[sc]
		if !ok {
			t.Errorf("paramFormats: %s is not an x86_64 syscall with a prototype", sc)
			continue
		}
		for p, e := range ps {
			if !contains(proto, p) {
				t.Errorf("paramFormats: %s has no parameter %q (it has %v)", sc, p, proto)
			}
			sel, ok := e.(*ast.SelectorExpr)
			if !ok || sel.X.(*ast.Ident).Name != "sysfmt" {
				t.Errorf("paramFormats: %s.%s is not a sysfmt.Kind constant", sc, p)
				continue
			}
			k, ok := KindByName(sel.Sel.Name)
			if !ok || k == None {
				t.Errorf("paramFormats: %s.%s: %s is not a formatter", sc, p, sel.Sel.Name)
			}
			if k == DirFd {
				dirfds++
			}
		}
	}
	// Every directory-fd parameter of a *at call has DirFd.
	for sc, proto := range params {
		for _, p := range proto {
			if p == "dfd" || p == "olddfd" || p == "newdfd" || p == "from_dfd" || p == "to_dfd" {
				if sel, ok := formats[sc][p].(*ast.SelectorExpr); !ok || sel.Sel.Name != "DirFd" {
					t.Errorf("paramFormats: %s.%s should be sysfmt.DirFd", sc, p)
				}
			}
		}
	}
	// The controlling parameters exist, and control Kinds that Resolve refines.
	for sc, ps := range parseMapLit(t, file, "paramControls") {
		for p, e := range ps {
			ctrl := unquote(t, e)
			if !contains(params[sc], p) || !contains(params[sc], ctrl) {
				t.Errorf("paramControls: %s has no parameter %q or %q", sc, p, ctrl)
			}
			if _, ok := formats[sc][p]; !ok {
				t.Errorf("paramControls: %s.%s has no formatter", sc, p)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
