//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Optional hooks of program types that kernels may refuse (cgroup sock_addr,
 * kprobes, fentry/fexit, BPF LSM). They are compiled into their own object,
 * which includes all of ctrace.bpf.c so that maps, records and helpers are
 * the very same definitions; user space loads only these programs from it,
 * one by one, with the main object's maps in place of its own, and reports
 * each one that the kernel refuses. The main object never contains a program
 * that could fail to load.
 */
#include "ctrace.bpf.c"
#include <bpf/bpf_tracing.h>

/* ---------------------------------------------------------------------------
 * UDP peers of unconnected sockets: cgroup sendmsg/recvmsg hooks (process
 * context), attached to the cgroup v2 root. They always allow the call.
 */

static __always_inline void udp_sockaddr(struct bpf_sock_addr *ctx, __u16 event, __u16 family)
{
	struct task_struct *t = current_task();
	__u64 cgid;
	if (!traced(t, &cgid))
		return;
	struct udp_peer_key k = { .tgid = bpf_get_current_pid_tgid() >> 32, .event = event };
	__u16 port = (__u16)ctx->user_port;
	k.port = port;
	if (family == CT_AF_INET6) {
		__u32 a[4];
		a[0] = ctx->user_ip6[0];
		a[1] = ctx->user_ip6[1];
		a[2] = ctx->user_ip6[2];
		a[3] = ctx->user_ip6[3];
		__builtin_memcpy(k.addr, a, 16);
	} else {
		__u32 a4 = ctx->user_ip4;
		__builtin_memcpy(k.addr, &a4, 4);
	}
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last = bpf_map_lookup_elem(&net_udp_peers, &k);
	if (last && now - *last < cfg_udp_interval_ns)
		return;
	bpf_map_update_elem(&net_udp_peers, &k, &now, BPF_ANY);

	struct net_rec_buf *b = bpf_ringbuf_reserve(&events, sizeof(*b), 0);
	if (!b) {
		count(CTRACE_STAT_LOST_RINGBUF);
		return;
	}
	struct ctrace_net_rec *r = &b->r;
	fill_header(&r->hdr, t, now, cgid, CTRACE_REC_NET, 0);
	r->bytes_sent = 0;
	r->bytes_received = 0;
	r->tcp_bytes_acked = 0;
	r->tcp_bytes_received = 0;
	r->duration_ns = 0;
	r->netns = current_netns();
	r->err = 0;
	r->event = event;
	r->family = family;
	r->protocol = CT_IPPROTO_UDP;
	r->role = 0;
	r->flags = 0;
	r->pad = 0;

	__u8 l6[16] = {}, r6[16] = {};
	__u32 l4 = 0, lport = 0;
	struct bpf_sock *sk = ctx->sk;
	if (sk) {
		lport = sk->src_port;
		if (family == CT_AF_INET6) {
			__u32 a[4];
			a[0] = sk->src_ip6[0];
			a[1] = sk->src_ip6[1];
			a[2] = sk->src_ip6[2];
			a[3] = sk->src_ip6[3];
			__builtin_memcpy(l6, a, 16);
		} else {
			l4 = sk->src_ip4;
		}
	}
	__builtin_memcpy(r6, k.addr, 16);
	__u32 r4 = 0;
	__builtin_memcpy(&r4, k.addr, 4);
	__u32 n = put_sockaddr(b->data, 0, family, family == CT_AF_INET6 ? l6 : 0, l4, bswap16((__u16)lport));
	n += put_sockaddr(b->data + (n == NET_ADDR_ITEM4 ? NET_ADDR_ITEM4 : NET_ADDR_ITEM6), 1, family,
			  family == CT_AF_INET6 ? r6 : 0, r4, port);
	r->hdr.data_len = n;
	bpf_ringbuf_submit(b, wakeup_flags());
}

SEC("cgroup/sendmsg4")
int ctrace_udp_sendmsg4(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, CTRACE_NET_UDP_SEND, CT_AF_INET);
	return 1;
}

SEC("cgroup/sendmsg6")
int ctrace_udp_sendmsg6(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, CTRACE_NET_UDP_SEND, CT_AF_INET6);
	return 1;
}

SEC("cgroup/recvmsg4")
int ctrace_udp_recvmsg4(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, CTRACE_NET_UDP_RECV, CT_AF_INET);
	return 1;
}

SEC("cgroup/recvmsg6")
int ctrace_udp_recvmsg6(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, CTRACE_NET_UDP_RECV, CT_AF_INET6);
	return 1;
}

#include "filehooks.bpf.c"
