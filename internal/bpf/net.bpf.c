//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Network events from the stable socket tracepoints (issue 9), included at
 * the end of ctrace.bpf.c so that it shares the ring buffer, the container map
 * and the record helpers.
 *
 *   sock:inet_sock_set_state  TCP connect, accept, listen (and close, without
 *                             tcp_destroy_sock)
 *   tcp:tcp_destroy_sock      TCP close, once the application has let go of
 *                             the socket (after its last read)
 *   sock:sock_send_length     payload bytes per TCP connection; UDP peers of
 *   sock:sock_recv_length     connected UDP sockets
 *
 * State changes often run in softirq context, where the current task is not
 * the socket's: the owner (a full record header) is kept per socket from
 * process context (connect, listen) and copied to accepted sockets from their
 * listener, or from the network namespace's container when the listener was
 * opened before tracing started. Records carry the owner's header.
 */
#include "vmlinux_netfile.h"

#define CT_AF_INET 2
#define CT_AF_INET6 10
#define CT_IPPROTO_TCP 6
#define CT_IPPROTO_UDP 17

/* Kernel TCP states (include/net/tcp_states.h). */
#define CT_TCP_ESTABLISHED 1
#define CT_TCP_SYN_SENT 2
#define CT_TCP_SYN_RECV 3
#define CT_TCP_CLOSE 7
#define CT_TCP_LISTEN 10

#define SOCKADDR_IN_SIZE 16
#define SOCKADDR_IN6_SIZE 28
#define NET_ADDR_ITEM4 (sizeof(struct ctrace_item) + SOCKADDR_IN_SIZE)
#define NET_ADDR_ITEM6 (sizeof(struct ctrace_item) + SOCKADDR_IN6_SIZE)

/*
 * A network record as reserved in the ring buffer: the fixed part and room
 * for its two addresses. Built in place (no scratch memory: state changes
 * run in softirq context too, which may interrupt a program using it); the
 * record's data_len says how much of data is used.
 */
struct net_rec_buf {
	struct ctrace_net_rec r;
	__u8 data[2 * NET_ADDR_ITEM6];
};

/* Set by user space before load: minimum gap between two UDP records for one peer. */
volatile const __u64 cfg_udp_interval_ns = 10000000000ULL;

/* Set by user space once sock_send_length/sock_recv_length are attached. */
__u32 net_app_bytes = 0;
/* Set by user space once tcp_destroy_sock is attached: close is reported there. */
__u32 net_destroy_hook = 0;

/* Sockets of containers, by struct sock address, from connect/accept to close. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct ctrace_sock_owner);
} net_socks SEC(".maps");

/* Listening sockets of containers. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ctrace_listen_key);
	__type(value, struct ctrace_sock_owner);
} net_listeners SEC(".maps");

/*
 * A container's network namespace -> a process of it (filled by user space
 * from the runtimes' PIDs, and by the kernel from connect/listen): names the
 * owner of connections accepted on listeners opened before tracing started.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ctrace_sock_owner);
} net_netns SEC(".maps");

/* UDP peers recently reported: key -> time of the last record. */
struct udp_peer_key {
	__u32 tgid;
	__u16 event;
	__u16 port;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_peer_key);
	__type(value, __u64);
} net_udp_peers SEC(".maps");

/* Make the contract's types visible to bpf2go. */
const struct ctrace_net_rec *unused_net_rec __attribute__((unused));
const struct ctrace_file_rec *unused_file_rec __attribute__((unused));
const enum ctrace_nf_record_kind *unused_nf_kind __attribute__((unused));
const enum ctrace_net_event *unused_net_event __attribute__((unused));
const enum ctrace_net_role *unused_net_role __attribute__((unused));
const enum ctrace_net_flags *unused_net_flags __attribute__((unused));
const enum ctrace_file_event *unused_file_event __attribute__((unused));

static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct___nf *t = (void *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

/* The current task t (current_task()) as the owner of a socket (process context only). */
static __always_inline void owner_from_current(struct ctrace_sock_owner *o, struct task_struct *t, __u64 cgid,
					       __u32 role)
{
	fill_header(&o->hdr, t, 0, cgid, CTRACE_REC_NET, 0);
	o->start_ns = bpf_ktime_get_boot_ns();
	o->bytes_sent = 0;
	o->bytes_received = 0;
	o->role = role;
	o->flags = 0;
	o->lport = 0;
	o->established = 0;
	o->pad[0] = o->pad[1] = 0;
}

/*
 * Write one sockaddr item (arg) at p for an IPv4 or IPv6 address (IPv4-mapped
 * IPv6 as IPv4) and return its size: NET_ADDR_ITEM4 or NET_ADDR_ITEM6. p has
 * room for NET_ADDR_ITEM6 bytes.
 */
static __always_inline __u32 put_sockaddr(__u8 *p, __u8 arg, __u16 family, const __u8 *a6, __u32 a4, __u16 port_be)
{
	struct ctrace_item *it = (void *)p;
	__u8 *sa = p + sizeof(*it);

	if (family == CT_AF_INET6 && a6) {
		__u32 w0 = 0, w1 = 0, w2 = 0;
		__builtin_memcpy(&w0, a6, 4);
		__builtin_memcpy(&w1, a6 + 4, 4);
		__builtin_memcpy(&w2, a6 + 8, 4);
		if (w0 == 0 && w1 == 0 && w2 == 0xffff0000) { /* ::ffff:a.b.c.d (little-endian load) */
			family = CT_AF_INET;
			__builtin_memcpy(&a4, a6 + 12, 4);
		}
	}
	*it = (struct ctrace_item){ .arg = arg, .kind = CTRACE_ARG_SOCKADDR };
	if (family == CT_AF_INET6 && a6) {
		__builtin_memset(sa, 0, SOCKADDR_IN6_SIZE);
		*(__u16 *)sa = CT_AF_INET6;
		*(__u16 *)(sa + 2) = port_be;
		__builtin_memcpy(sa + 8, a6, 16);
		it->len = SOCKADDR_IN6_SIZE;
		return NET_ADDR_ITEM6;
	}
	__builtin_memset(sa, 0, SOCKADDR_IN_SIZE);
	*(__u16 *)sa = CT_AF_INET;
	*(__u16 *)(sa + 2) = port_be;
	*(__u32 *)(sa + 4) = a4;
	it->len = SOCKADDR_IN_SIZE;
	return NET_ADDR_ITEM4;
}

static __always_inline __u16 bswap16(__u16 v)
{
	return (v >> 8) | (v << 8);
}

/* Build and submit a record for socket sk with the owner's header. */
static __always_inline void emit_sock(const struct sock *sk, const struct ctrace_sock_owner *o, __u16 event,
				      __s32 err, __u32 flags)
{
	struct net_rec_buf *b = bpf_ringbuf_reserve(&events, sizeof(*b), 0);
	if (!b) {
		count(CTRACE_STAT_LOST_RINGBUF);
		return;
	}
	struct ctrace_net_rec *r = &b->r;
	__u64 now = bpf_ktime_get_boot_ns();
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	r->hdr = o->hdr;
	r->hdr.ts_ns = now;
	r->hdr.kind = CTRACE_REC_NET;
	r->hdr.flags = 0;
	r->bytes_sent = o->bytes_sent;
	r->bytes_received = o->bytes_received;
	r->tcp_bytes_acked = 0;
	r->tcp_bytes_received = 0;
	r->duration_ns = 0;
	if (event == CTRACE_NET_CLOSE) {
		const struct tcp_sock *tp = (const void *)sk;
		r->tcp_bytes_acked = BPF_CORE_READ(tp, bytes_acked);
		r->tcp_bytes_received = BPF_CORE_READ(tp, bytes_received);
		r->duration_ns = now - o->start_ns;
	}
	r->netns = sock_netns(sk);
	r->err = err;
	r->event = event;
	r->family = family;
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	r->role = o->role;
	r->flags = o->flags | flags;
	if (net_app_bytes)
		r->flags |= CTRACE_NETF_APP_BYTES;
	r->pad = 0;

	struct in6_addr l6 = {}, r6 = {};
	__u32 l4 = 0, r4 = 0;
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (lport == 0)
		lport = o->lport; /* unhashed on its way to close */
	__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (family == CT_AF_INET6) {
		BPF_CORE_READ_INTO(&l6, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r6, sk, __sk_common.skc_v6_daddr);
	} else {
		l4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		r4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	}
	__u32 n = put_sockaddr(b->data, 0, family, family == CT_AF_INET6 ? l6.in6_u.u6_addr8 : 0, l4, bswap16(lport));
	n += put_sockaddr(b->data + (n == NET_ADDR_ITEM4 ? NET_ADDR_ITEM4 : NET_ADDR_ITEM6), 1, family,
			  family == CT_AF_INET6 ? r6.in6_u.u6_addr8 : 0, r4, rport);
	r->hdr.data_len = n;
	bpf_ringbuf_submit(b, wakeup_flags());
}

/* inet_sock_set_state(const struct sock *sk, const int oldstate, const int newstate) */
SEC("raw_tp/inet_sock_set_state")
int ctrace_net_state(struct bpf_raw_tracepoint_args *ctx)
{
	const struct sock *sk = (const void *)ctx->args[0];
	int oldstate = (int)ctx->args[1];
	int newstate = (int)ctx->args[2];
	__u64 key = (__u64)sk;

	if (BPF_CORE_READ(sk, sk_protocol) != CT_IPPROTO_TCP)
		return 0;

	if (newstate == CT_TCP_SYN_SENT || newstate == CT_TCP_LISTEN) {
		/* connect() or listen(): process context, the owner runs. */
		struct task_struct *t = current_task();
		__u64 cgid;
		if (!traced(t, &cgid))
			return 0;
		struct ctrace_sock_owner o;
		owner_from_current(&o, t, cgid, newstate == CT_TCP_SYN_SENT ? CTRACE_ROLE_CLIENT : CTRACE_ROLE_SERVER);
		__u32 netns = sock_netns(sk);
		bpf_map_update_elem(&net_netns, &netns, &o, BPF_ANY);
		if (newstate == CT_TCP_SYN_SENT) {
			bpf_map_update_elem(&net_socks, &key, &o, BPF_ANY);
			return 0;
		}
		struct ctrace_listen_key lk = { .netns = netns, .port = BPF_CORE_READ(sk, __sk_common.skc_num) };
		bpf_map_update_elem(&net_listeners, &lk, &o, BPF_ANY);
		emit_sock(sk, &o, CTRACE_NET_LISTEN, 0, 0);
		return 0;
	}

	if (oldstate == CT_TCP_LISTEN && newstate == CT_TCP_SYN_RECV) {
		/* A connection request cloned from a listener (softirq). */
		__u32 netns = sock_netns(sk);
		struct ctrace_listen_key lk = { .netns = netns, .port = BPF_CORE_READ(sk, __sk_common.skc_num) };
		struct ctrace_sock_owner *l = bpf_map_lookup_elem(&net_listeners, &lk);
		__u32 guessed = 0;
		if (!l) {
			l = bpf_map_lookup_elem(&net_netns, &netns);
			guessed = CTRACE_NETF_OWNER_GUESSED;
		}
		if (!l)
			return 0;
		struct ctrace_sock_owner o = *l;
		o.start_ns = bpf_ktime_get_boot_ns();
		o.bytes_sent = 0;
		o.bytes_received = 0;
		o.role = CTRACE_ROLE_SERVER;
		o.flags = guessed;
		bpf_map_update_elem(&net_socks, &key, &o, BPF_ANY);
		return 0;
	}

	if (oldstate == CT_TCP_LISTEN && newstate == CT_TCP_CLOSE) {
		__u32 netns = sock_netns(sk);
		struct ctrace_listen_key lk = { .netns = netns, .port = BPF_CORE_READ(sk, __sk_common.skc_num) };
		bpf_map_delete_elem(&net_listeners, &lk);
		return 0;
	}

	struct ctrace_sock_owner *o = bpf_map_lookup_elem(&net_socks, &key);
	if (!o)
		return 0;
	if (newstate == CT_TCP_ESTABLISHED && (oldstate == CT_TCP_SYN_SENT || oldstate == CT_TCP_SYN_RECV)) {
		o->start_ns = bpf_ktime_get_boot_ns();
		o->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		o->established = 1;
		emit_sock(sk, o, oldstate == CT_TCP_SYN_SENT ? CTRACE_NET_CONNECT : CTRACE_NET_ACCEPT, 0, 0);
		return 0;
	}
	if (newstate == CT_TCP_CLOSE) {
		if (!o->established) {
			if (oldstate == CT_TCP_SYN_SENT) {
				/* The connect failed (refused, unreachable, timed out). */
				int err = BPF_CORE_READ(sk, sk_err);
				emit_sock(sk, o, CTRACE_NET_CONNECT, err ? -err : -111 /* ECONNREFUSED */, 0);
			}
			bpf_map_delete_elem(&net_socks, &key);
			return 0;
		}
		if (net_destroy_hook)
			return 0; /* the application may still read what is queued: report at destroy */
		emit_sock(sk, o, CTRACE_NET_CLOSE, 0, 0);
		bpf_map_delete_elem(&net_socks, &key);
	}
	return 0;
}

/* tcp_destroy_sock(struct sock *sk): the socket is freed, its last data read. */
SEC("raw_tp/tcp_destroy_sock")
int ctrace_net_destroy(struct bpf_raw_tracepoint_args *ctx)
{
	const struct sock *sk = (const void *)ctx->args[0];
	__u64 key = (__u64)sk;
	struct ctrace_sock_owner *o = bpf_map_lookup_elem(&net_socks, &key);
	if (!o)
		return 0;
	if (o->established)
		emit_sock(sk, o, CTRACE_NET_CLOSE, 0, 0);
	bpf_map_delete_elem(&net_socks, &key);
	return 0;
}

/* UDP on a connected socket: one record per peer per interval, from process context. */
static __always_inline void udp_connected(const struct sock *sk, __u16 event)
{
	struct task_struct *t = current_task();
	__u64 cgid;
	if (!traced(t, &cgid))
		return;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct udp_peer_key k = { .tgid = bpf_get_current_pid_tgid() >> 32, .event = event };
	k.port = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (k.port == 0)
		return; /* not connected: the cgroup sendmsg/recvmsg hooks see the peer */
	if (family == CT_AF_INET6)
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_v6_daddr);
	else
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_daddr);
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last = bpf_map_lookup_elem(&net_udp_peers, &k);
	if (last && now - *last < cfg_udp_interval_ns)
		return;
	bpf_map_update_elem(&net_udp_peers, &k, &now, BPF_ANY);
	struct ctrace_sock_owner o;
	owner_from_current(&o, t, cgid, 0);
	emit_sock(sk, &o, event, 0, 0);
}

/* sock_send_length(struct sock *sk, int ret, int flags) */
SEC("raw_tp/sock_send_length")
int ctrace_net_send(struct bpf_raw_tracepoint_args *ctx)
{
	const struct sock *sk = (const void *)ctx->args[0];
	int ret = (int)ctx->args[1];
	__u64 key = (__u64)sk;

	if (ret <= 0)
		return 0;
	struct ctrace_sock_owner *o = bpf_map_lookup_elem(&net_socks, &key);
	if (o) {
		__sync_fetch_and_add(&o->bytes_sent, ret);
		return 0;
	}
	if (BPF_CORE_READ(sk, sk_protocol) == CT_IPPROTO_UDP)
		udp_connected(sk, CTRACE_NET_UDP_SEND);
	return 0;
}

/* sock_recv_length(struct sock *sk, int ret, int flags) */
SEC("raw_tp/sock_recv_length")
int ctrace_net_recv(struct bpf_raw_tracepoint_args *ctx)
{
	const struct sock *sk = (const void *)ctx->args[0];
	int ret = (int)ctx->args[1];
	int flags = (int)ctx->args[2];
	__u64 key = (__u64)sk;

	if (ret <= 0 || (flags & 2 /* MSG_PEEK */))
		return 0;
	struct ctrace_sock_owner *o = bpf_map_lookup_elem(&net_socks, &key);
	if (o) {
		__sync_fetch_and_add(&o->bytes_received, ret);
		return 0;
	}
	if (BPF_CORE_READ(sk, sk_protocol) == CT_IPPROTO_UDP)
		udp_connected(sk, CTRACE_NET_UDP_RECV);
	return 0;
}
