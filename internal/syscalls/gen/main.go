// Command gen turns the syscall tables under ../tables into Go source.
//
// It is normally run through go generate from the parent package directory:
//
//	go run ./gen                      # tables/*.tsv -> zz_generated.go
//	go run ./gen -out /tmp/x.go       # same, to another file (used by tests)
//	go run ./gen -prototypes-from /sys/kernel/tracing/events/syscalls
//	                                  # refresh tables/prototypes.tsv from tracefs
//
// Table formats (all tab separated, '#' starts a comment line, blank lines
// are ignored):
//
//	tables/<arch>.tsv:     <nr> <name> <entry point>   (entry may be empty)
//	tables/prototypes.tsv: <key> <params> [# manual]
//
// In prototypes.tsv the key is the SYSCALL_DEFINE name (the entry point
// without "sys_"), optionally suffixed with "@<arch>" for an
// architecture-specific prototype that overrides the generic one. params is
// a ';' separated list of "<c type> <name>" pairs, in prototype order, in the
// same spelling as the tracefs format files ("const char *const * argv").
// Lines with a trailing "# manual" column were written by hand because the
// kernel the file was generated on has no tracefs metadata for them.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// arches lists the architectures we generate, with the Go identifier suffix
// used for their tables.
var arches = []struct {
	name  string // file name stem and Arch value
	ident string // Go identifier suffix
}{
	{"x86_64", "X86_64"},
	{"arm64", "ARM64"},
}

const manualMarker = "# manual"

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	var (
		dir       = flag.String("dir", ".", "package directory (contains tables/)")
		out       = flag.String("out", "zz_generated.go", "output Go file, relative to -dir unless absolute")
		protoFrom = flag.String("prototypes-from", "", "tracefs events/syscalls directory; rewrite tables/prototypes.tsv from it instead of generating Go")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		log.Fatalf("unexpected arguments: %q", flag.Args())
	}
	tablesDir := filepath.Join(*dir, "tables")
	if *protoFrom != "" {
		if err := refreshPrototypes(*protoFrom, filepath.Join(tablesDir, "prototypes.tsv")); err != nil {
			log.Fatal(err)
		}
		return
	}
	src, err := generate(tablesDir)
	if err != nil {
		log.Fatal(err)
	}
	path := *out
	if !filepath.IsAbs(path) {
		path = filepath.Join(*dir, path)
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// Table parsing

type entry struct {
	nr    int
	name  string
	entry string
}

type param struct{ ctype, name string }

type proto struct {
	key    string
	params []param
	manual bool
}

// readLines returns the non-comment, non-blank lines of a file with their
// 1-based line numbers.
func readLines(path string) (lines []string, nums []int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
		nums = append(nums, n)
	}
	return lines, nums, sc.Err()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func readArchTable(path string) ([]entry, error) {
	lines, nums, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var es []entry
	names := map[string]bool{}
	for i, l := range lines {
		where := fmt.Sprintf("%s:%d", path, nums[i])
		f := strings.Split(l, "\t")
		if len(f) == 2 {
			f = append(f, "")
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%s: want 3 tab-separated fields, got %d", where, len(f))
		}
		nr, err := strconv.Atoi(f[0])
		if err != nil || nr < 0 || nr > 4095 {
			return nil, fmt.Errorf("%s: bad syscall number %q", where, f[0])
		}
		if len(es) > 0 && nr <= es[len(es)-1].nr {
			return nil, fmt.Errorf("%s: number %d not strictly increasing", where, nr)
		}
		if !isIdent(f[1]) {
			return nil, fmt.Errorf("%s: bad name %q", where, f[1])
		}
		if names[f[1]] {
			return nil, fmt.Errorf("%s: duplicate name %q", where, f[1])
		}
		names[f[1]] = true
		if f[2] != "" && (!strings.HasPrefix(f[2], "sys_") || !isIdent(f[2])) {
			return nil, fmt.Errorf("%s: bad entry point %q", where, f[2])
		}
		es = append(es, entry{nr: nr, name: f[1], entry: f[2]})
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("%s: empty table", path)
	}
	return es, nil
}

func parseParams(s string) ([]param, error) {
	if s == "" {
		return nil, nil
	}
	var ps []param
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		i := strings.LastIndexByte(p, ' ')
		if i <= 0 {
			return nil, fmt.Errorf("bad parameter %q (want \"<c type> <name>\")", p)
		}
		ct, name := strings.TrimSpace(p[:i]), p[i+1:]
		if !isIdent(name) || ct == "" {
			return nil, fmt.Errorf("bad parameter %q", p)
		}
		ps = append(ps, param{ct, name})
	}
	return ps, nil
}

func formatParams(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(p.ctype)
		b.WriteByte(' ')
		b.WriteString(p.name)
	}
	return b.String()
}

func readPrototypes(path string) (map[string]proto, error) {
	lines, nums, err := readLines(path)
	if err != nil {
		return nil, err
	}
	m := map[string]proto{}
	for i, l := range lines {
		where := fmt.Sprintf("%s:%d", path, nums[i])
		f := strings.Split(l, "\t")
		if len(f) == 1 {
			f = append(f, "")
		}
		if len(f) > 3 || (len(f) == 3 && f[2] != manualMarker) {
			return nil, fmt.Errorf("%s: want <key>\\t<params>[\\t%s]", where, manualMarker)
		}
		key := f[0]
		base, arch, hasArch := strings.Cut(key, "@")
		if !isIdent(base) || (hasArch && !knownArch(arch)) {
			return nil, fmt.Errorf("%s: bad key %q", where, key)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("%s: duplicate key %q", where, key)
		}
		ps, err := parseParams(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		if len(ps) > 6 {
			return nil, fmt.Errorf("%s: %d parameters, syscalls take at most 6", where, len(ps))
		}
		m[key] = proto{key: key, params: ps, manual: len(f) == 3}
	}
	return m, nil
}

func knownArch(a string) bool {
	for _, x := range arches {
		if x.name == a {
			return true
		}
	}
	return false
}

// implemented reports whether an entry point refers to real kernel code that
// should have a prototype.
func implemented(ent string) bool { return ent != "" && ent != "sys_ni_syscall" }

// ---------------------------------------------------------------------------
// Go generation

func generate(tablesDir string) ([]byte, error) {
	protos, err := readPrototypes(filepath.Join(tablesDir, "prototypes.tsv"))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by \"go run ./gen\" from tables/*.tsv; DO NOT EDIT.\n\n")
	b.WriteString("package syscalls\n\n")

	used := map[string]bool{}
	for _, a := range arches {
		es, err := readArchTable(filepath.Join(tablesDir, a.name+".tsv"))
		if err != nil {
			return nil, err
		}
		maxNr := es[len(es)-1].nr
		if len(es) > 32767 {
			return nil, errors.New("table too large for int16 index")
		}

		fmt.Fprintf(&b, "// table%s is the %s syscall table, ordered by number (from tables/%s.tsv).\n", a.ident, a.name, a.name)
		fmt.Fprintf(&b, "var table%s = []Syscall{\n", a.ident)
		var missing []string
		for _, e := range es {
			fmt.Fprintf(&b, "\t{Nr: %d, Name: %q, Entry: %q", e.nr, e.name, e.entry)
			if implemented(e.entry) {
				key := strings.TrimPrefix(e.entry, "sys_")
				p, ok := protos[key+"@"+a.name]
				if ok {
					used[key+"@"+a.name] = true
				} else if p, ok = protos[key]; ok {
					used[key] = true
				} else {
					missing = append(missing, key)
				}
				if len(p.params) > 0 {
					b.WriteString(", Params: []Param{")
					for i, pp := range p.params {
						if i > 0 {
							b.WriteString(", ")
						}
						fmt.Fprintf(&b, "{Name: %q, CType: %q}", pp.name, pp.ctype)
					}
					b.WriteString("}")
				}
			}
			b.WriteString("},\n")
		}
		b.WriteString("}\n\n")
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: no prototype in prototypes.tsv for %s", a.name, strings.Join(missing, ", "))
		}

		// index: syscall number -> position in the table, -1 if unknown.
		idx := make([]int, maxNr+1)
		for i := range idx {
			idx[i] = -1
		}
		for i, e := range es {
			idx[e.nr] = i
		}
		fmt.Fprintf(&b, "// index%s maps a syscall number to its position in table%s, or -1.\n", a.ident, a.ident)
		fmt.Fprintf(&b, "var index%s = []int16{ // %d entries", a.ident, maxNr+1)
		for i, v := range idx {
			if i%16 == 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d,", v)
		}
		b.WriteString("\n}\n\n")

		// byName: table positions sorted by name, for binary search.
		order := make([]int, len(es))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool { return es[order[i]].name < es[order[j]].name })
		fmt.Fprintf(&b, "// byName%s lists positions in table%s sorted by syscall name.\n", a.ident, a.ident)
		fmt.Fprintf(&b, "var byName%s = []int16{", a.ident)
		for i, v := range order {
			if i%16 == 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d,", v)
		}
		b.WriteString("\n}\n\n")

		fmt.Fprintf(&b, "var data%s = archData{table: table%s, index: index%s, byName: byName%s}\n\n",
			a.ident, a.ident, a.ident, a.ident)
	}

	// Arch-specific overrides must be used; a stale one is a bug in the data.
	var unusedOverrides []string
	for k := range protos {
		if strings.Contains(k, "@") && !used[k] {
			unusedOverrides = append(unusedOverrides, k)
		}
	}
	if len(unusedOverrides) > 0 {
		sort.Strings(unusedOverrides)
		return nil, fmt.Errorf("prototypes.tsv: arch-specific keys not used by any table: %s", strings.Join(unusedOverrides, ", "))
	}

	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt generated code: %v", err)
	}
	return src, nil
}

// ---------------------------------------------------------------------------
// tracefs prototypes

// tracefsPrototypes parses <dir>/sys_enter_*/format and returns the
// parameters of every syscall, keyed by SYSCALL_DEFINE name.
func tracefsPrototypes(dir string) (map[string][]param, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "sys_enter_*", "format"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no sys_enter_*/format files under %s (is tracefs mounted?)", dir)
	}
	m := map[string][]param{}
	for _, path := range matches {
		key := strings.TrimPrefix(filepath.Base(filepath.Dir(path)), "sys_enter_")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ps, err := parseFormat(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		m[key] = ps
	}
	return m, nil
}

// parseFormat extracts the syscall parameters from a tracefs format file:
// every field after __syscall_nr, up to the blank line that ends the
// field list. Dynamic (__data_loc) fields, which some kernels append to carry
// copied user memory, are not parameters and are skipped.
func parseFormat(s string) ([]param, error) {
	var ps []param
	seenNr := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		decl, ok := strings.CutPrefix(l, "field:")
		if !ok {
			if seenNr && l == "" {
				break
			}
			continue
		}
		decl, _, _ = strings.Cut(decl, ";")
		decl = strings.TrimSpace(decl)
		if !seenNr {
			if strings.HasSuffix(decl, " __syscall_nr") {
				seenNr = true
			}
			continue
		}
		if strings.HasPrefix(decl, "__data_loc ") {
			continue
		}
		i := strings.LastIndexByte(decl, ' ')
		if i <= 0 {
			return nil, fmt.Errorf("cannot parse field %q", decl)
		}
		p := param{ctype: strings.TrimSpace(decl[:i]), name: decl[i+1:]}
		if !isIdent(p.name) {
			return nil, fmt.Errorf("cannot parse field %q", decl)
		}
		ps = append(ps, p)
	}
	if !seenNr {
		return nil, errors.New("no __syscall_nr field")
	}
	return ps, nil
}

const protoHeader = `# Syscall prototypes, keyed by SYSCALL_DEFINE name (entry point without "sys_").
# Format: <key>TAB<c type> <name>;<c type> <name>;...[TAB# manual]
# A key of the form <name>@<arch> overrides <name> for that architecture.
# Generated by "go run ./gen -prototypes-from /sys/kernel/tracing/events/syscalls";
# lines marked "# manual" have no tracefs metadata on the generating kernel and
# were written by hand from the kernel source. They are kept on regeneration.
`

// refreshPrototypes rewrites the prototypes file from tracefs, keeping manual
// lines for syscalls the running kernel has no metadata for.
func refreshPrototypes(traceDir, path string) error {
	fromKernel, err := tracefsPrototypes(traceDir)
	if err != nil {
		return err
	}
	old := map[string]proto{}
	if _, err := os.Stat(path); err == nil {
		if old, err = readPrototypes(path); err != nil {
			return err
		}
	}
	all := map[string]proto{}
	for k, ps := range fromKernel {
		all[k] = proto{key: k, params: ps}
	}
	for k, p := range old {
		if !p.manual {
			continue
		}
		if kp, ok := all[k]; ok {
			if formatParams(kp.params) != formatParams(p.params) {
				log.Printf("warning: manual prototype for %s differs from tracefs; using tracefs", k)
			}
			continue
		}
		all[k] = p
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString(protoHeader)
	for _, k := range keys {
		p := all[k]
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(formatParams(p.params))
		if p.manual {
			b.WriteString("\t" + manualMarker)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s: %d prototypes (%d from tracefs)", path, len(keys), len(fromKernel))
	return nil
}
