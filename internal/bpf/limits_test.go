package bpf

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// headerDefine names the ctrace.h #define that each Go constant of this
// package with a literal value copies. Every such constant must be listed.
var headerDefine = map[string]string{
	"MaxSyscalls": "CTRACE_MAX_SYSCALLS",
	"MaxArgs":     "CTRACE_MAX_ARGS",
	"BytesMax":    "CTRACE_BYTES_MAX",
	"PathMax":     "CTRACE_PATH_MAX",
	"ArgvStrMax":  "CTRACE_ARGV_STR_MAX",
	"ArgvMax":     "CTRACE_ARGV_MAX",
	"DataMax":     "CTRACE_DATA_MAX",
	"RecNrMax":    "CTRACE_REC_NR_MAX",  // record.bpf.c (seccomp recording)
	"RecSetMax":   "CTRACE_REC_SET_MAX", // record.bpf.c
}

// TestLimitsMatchHeader: every limit copied from ctrace.h into Go (bpf2go
// generates types and enums, not #defines) has the header's value. The
// constants are found in the Go source, so a new one cannot be forgotten.
func TestLimitsMatchHeader(t *testing.T) {
	hdr, err := os.ReadFile("ctrace.h")
	if err != nil {
		t.Fatal(err)
	}
	defines := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^#define\s+(CTRACE_\w+)\s+(\d+)\b`).FindAllSubmatch(hdr, -1) {
		v, _ := strconv.ParseInt(string(m[2]), 10, 64)
		defines[string(m[1])] = v
	}
	if len(defines) < 5 {
		t.Fatalf("found only %d numeric #defines in ctrace.h", len(defines))
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool {
		return !regexp.MustCompile(`(_test|_bpfel)\.go$`).MatchString(fi.Name())
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
							v, _ := strconv.ParseInt(lit.Value, 0, 64)
							got[name.Name] = v
						}
					}
				}
				return true
			})
		}
	}
	for name, v := range got {
		def, ok := headerDefine[name]
		if !ok {
			t.Errorf("constant %s = %d copies a value: name its ctrace.h #define in headerDefine", name, v)
			continue
		}
		if hv, ok := defines[def]; !ok {
			t.Errorf("%s: ctrace.h has no #define %s", name, def)
		} else if hv != v {
			t.Errorf("%s = %d, but ctrace.h defines %s %d", name, v, def, hv)
		}
	}
	for name := range headerDefine {
		if _, ok := got[name]; !ok {
			t.Errorf("headerDefine lists %s, which is not a literal constant any more", name)
		}
	}
	// The generated objects agree too: syscall_conf has MaxSyscalls entries
	// and one more for every syscall number beyond the table.
	spec, err := LoadCtrace()
	if err != nil {
		t.Fatal(err)
	}
	if m := spec.Maps["syscall_conf"]; m == nil || int(m.MaxEntries) != MaxSyscalls+1 {
		t.Errorf("syscall_conf map does not have MaxSyscalls+1 (%d) entries", MaxSyscalls+1)
	}
}
