// Package bpf holds ctrace's BPF programs (ctrace.bpf.c), the header that is
// the contract between kernel and user space (ctrace.h), and the Go bindings
// bpf2go generates from them. The generated files are committed so that
// `go build` needs no clang; `make generate` rebuilds them.
package bpf

//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -target amd64,arm64 -type ctrace_header -type ctrace_item -type ctrace_syscall_rec -type ctrace_fork_rec -type ctrace_exec_rec -type ctrace_exit_rec -type ctrace_cgroup_rec -type ctrace_syscall_conf -type ctrace_cgroup_info -type ctrace_record_kind -type ctrace_record_flags -type ctrace_arg_kind -type ctrace_item_flags -type ctrace_syscall_flags -type ctrace_cgroup_state -type ctrace_stat -type ctrace_lifecycle -type ctrace_filter -type ctrace_filter_verdict -type ctrace_comm_key -type ctrace_net_rec -type ctrace_file_rec -type ctrace_nf_record_kind -type ctrace_net_event -type ctrace_net_role -type ctrace_net_flags -type ctrace_file_event -type ctrace_sock_owner Ctrace ctrace.bpf.c -- -I/usr/include/bpf -I. -Wall -Werror

// Optional hooks (hooks.bpf.c includes ctrace.bpf.c): programs of types a
// kernel may refuse, loaded one by one over the main object's maps.
//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -target amd64,arm64 Hooks hooks.bpf.c -- -I/usr/include/bpf -I. -Wall -Werror

//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -target amd64,arm64 -type ctrace_rec_cgroup -type ctrace_rec_args -type ctrace_rec_cgroup_event -type ctrace_rec_abi -type ctrace_rec_view -type ctrace_rec_set -type ctrace_rec_overflow -type ctrace_rec_stat Record record.bpf.c -- -I/usr/include/bpf -I. -Wall -Werror -mcpu=v3
