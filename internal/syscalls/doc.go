// Package syscalls provides per-architecture Linux syscall tables: numbers,
// names, kernel entry points and parameter prototypes.
//
// The data lives in tables/*.tsv (one line per syscall, our own format) and
// tables/prototypes.tsv (parameters, mostly extracted from the kernel's
// tracefs syscall event formats). The generator in ./gen compiles them into
// static Go arrays in zz_generated.go, so lookups need no initialisation and
// no access to the running kernel:
//
//	go generate ./internal/syscalls
//
// To refresh prototypes.tsv from a newer kernel (as root, tracefs mounted):
//
//	cd internal/syscalls && go run ./gen -prototypes-from /sys/kernel/tracing/events/syscalls && go generate
package syscalls

//go:generate go run ./gen
