// Package bpf holds ctrace's BPF programs (ctrace.bpf.c), the header that is
// the contract between kernel and user space (ctrace.h), and the Go bindings
// bpf2go generates from them. The generated files are committed so that
// `go build` needs no clang; `make generate` rebuilds them.
package bpf

//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -target amd64,arm64 -type ctrace_header -type ctrace_item -type ctrace_syscall_rec -type ctrace_fork_rec -type ctrace_exec_rec -type ctrace_exit_rec -type ctrace_cgroup_rec -type ctrace_syscall_conf -type ctrace_cgroup_info -type ctrace_record_kind -type ctrace_record_flags -type ctrace_arg_kind -type ctrace_item_flags -type ctrace_syscall_flags -type ctrace_cgroup_state -type ctrace_stat -type ctrace_lifecycle Ctrace ctrace.bpf.c -- -I/usr/include/bpf -I. -Wall -Werror

//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -target amd64,arm64 -type ctrace_rec_cgroup -type ctrace_rec_args -type ctrace_rec_cgroup_event -type ctrace_rec_abi -type ctrace_rec_view -type ctrace_rec_set -type ctrace_rec_overflow -type ctrace_rec_stat Record record.bpf.c -- -I/usr/include/bpf -I. -Wall -Werror -mcpu=v3
