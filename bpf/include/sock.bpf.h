/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading tuples, netns and queue numbers from sockets and packets. Reads go through
 * BPF_CORE_READ so the same bodies serve tp_btf, fentry and kprobe programs; the
 * socket readers also come as plain-load `_btf` variants for BTF pointers (below).
 */
#ifndef TCPSIGHT_SOCK_BPF_H
#define TCPSIGHT_SOCK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "shared/events.h"
#include "include/core_fixes.bpf.h"
#include "include/net_defs.bpf.h"

/* No NULL test: a probe read of a NULL net fails and leaves 0, and each test would
 * double the verifier's paths through everything after it (kfree_skb's program). */
static __always_inline __u32 net_inum(const struct net *net)
{
	return BPF_CORE_READ(net, ns.inum);
}

/*
 * Netns and 4-tuple of a socket (local = this host's side); full socks, request socks
 * and TIME_WAIT socks all start with sock_common. One body, two ways to read: through
 * BPF_CORE_READ (a helper call per field) for pointers the verifier does not know
 * (kprobe arguments, values kept in maps), and as plain loads where it does (tp_btf
 * and fentry arguments: BTF pointers, the loads checked by the verifier and guarded by
 * the kernel's exception table), several times cheaper on hot paths.
 */
#define SKC_DIRECT_READ(src, a) ((src)->a)
#define SKC_DIRECT_READ_INTO(dst, src, a) __builtin_memcpy((dst), &(src)->a, sizeof(*(dst)))

#define DEFINE_SKC_READERS(suffix, READ, READ_INTO)                                          \
	static __always_inline __u32 skc_netns##suffix(const struct sock_common *skc)           \
	{                                                                                        \
		/* NULL net: 0 either way (failed probe read, or a faulting BTF load) */          \
		const struct net *net = READ(skc, skc_net.net);                                  \
		return READ(net, ns.inum);                                                       \
	}                                                                                        \
	static __always_inline void tuple_from_skc##suffix(const struct sock_common *skc,       \
							    struct ts_tuple *t)                  \
	{                                                                                        \
		t->family = READ(skc, skc_family);                                               \
		t->lport = READ(skc, skc_num);                                                   \
		t->rport = bpf_ntohs(READ(skc, skc_dport));                                      \
		t->state = READ(skc, skc_state);                                                 \
		if (t->family == AF_INET) {                                                      \
			READ_INTO((__u32 *)t->laddr, skc, skc_rcv_saddr);                        \
			READ_INTO((__u32 *)t->raddr, skc, skc_daddr);                            \
		} else { /* &: the size is sizeof(*dst) */                                      \
			READ_INTO(&t->laddr, skc, skc_v6_rcv_saddr.in6_u.u6_addr8);              \
			READ_INTO(&t->raddr, skc, skc_v6_daddr.in6_u.u6_addr8);                  \
		}                                                                                \
	}

DEFINE_SKC_READERS(, BPF_CORE_READ, BPF_CORE_READ_INTO)
DEFINE_SKC_READERS(_btf, SKC_DIRECT_READ, SKC_DIRECT_READ_INTO)

static __always_inline bool sk_is_tcp(const struct sock *sk)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam != AF_INET && fam != AF_INET6)
		return false;
	/* sk_protocol became a u16 of its own in 5.6 (bf9765145b85); older kernels
	 * had it in a bitfield, which the PROBED read handles too. */
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP;
}

/* The listener's queues and the knobs that decide what an overflow does. */
static __always_inline void listener_queues(const struct sock *sk, struct ts_queues *q)
{
	const struct inet_connection_sock *icsk = (const void *)sk;
	const struct net *net = BPF_CORE_READ(sk, __sk_common.skc_net.net);

	q->accept_queue = sk_ack_backlog(sk);
	q->accept_queue_max = sk_max_ack_backlog(sk);
	q->syn_queue = BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter);
	/* inet_csk_reqsk_queue_is_full(): qlen > sk_max_ack_backlog. */
	q->syn_queue_max = q->accept_queue_max;
	q->abort_on_overflow = BPF_CORE_READ(net, ipv4.sysctl_tcp_abort_on_overflow);
	q->syncookies = BPF_CORE_READ(net, ipv4.sysctl_tcp_syncookies);
}

/*
 * Parse IPv4/IPv6 + TCP headers of a packet: PKT_NOT_TCP for other protocols,
 * PKT_UNREADABLE when the network header is unset or unreadable. IPv6
 * extension headers are not walked: such packets are reported only when a
 * socket gives the tuple.
 */
struct pkt_tuple {
	__u8 family;
	__u8 syn, ack, rst; /* TCP flags */
	__u16 sport, dport;
	__u8 saddr[16], daddr[16];
};

enum pkt_parse { PKT_NOT_TCP = 0, PKT_TCP = 1, PKT_UNREADABLE = 2 };

/*
 * The headers as they are on the wire (RFC 791, 8200, 9293), declared here rather than
 * taken from vmlinux.h: a wire format never changes, so they need no CO-RE relocation,
 * and each relocated type costs libbpf a walk of the kernel's ~126k BTF types at start.
 */
struct wire_ip4 {
	__u8 ver_ihl; /* version in the high nibble, header length in 32-bit words in the low */
	__u8 tos;
	__be16 tot_len, id, frag_off;
	__u8 ttl, protocol;
	__sum16 check;
	__be32 saddr, daddr;
};

struct wire_ip6 {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr, hop_limit;
	__u8 saddr[16], daddr[16];
};

struct wire_tcp {
	__be16 source, dest;
	__be32 seq, ack_seq;
	__u8 doff_res, flags;
	__be16 window;
	__sum16 check;
	__be16 urg_ptr;
};

/* IPv4 without options, then TCP, in one read. */
struct ip4_tcp {
	struct wire_ip4 ip;
	struct wire_tcp th;
};

static __always_inline enum pkt_parse tcp_ports(const struct wire_tcp *th, struct pkt_tuple *t)
{
	t->sport = bpf_ntohs(th->source);
	t->dport = bpf_ntohs(th->dest);
	t->syn = !!(th->flags & TCP_FLAG_SYN_BIT);
	t->ack = !!(th->flags & TCP_FLAG_ACK_BIT);
	t->rst = !!(th->flags & TCP_FLAG_RST_BIT);
	return PKT_TCP;
}

/* From the three skb fields it needs, however the caller read them (direct loads in
 * tp_btf programs, BPF_CORE_READ elsewhere). One probe read for IPv4 without options,
 * the common case: each helper call is a good part of a drop's cost. */
static __always_inline enum pkt_parse parse_tcp_headers(const unsigned char *head, __u16 nh, __u16 proto,
							  struct pkt_tuple *t)
{
	struct wire_tcp th;
	__u32 l4off;

	if (nh == (__u16)~0U || !head)
		return PKT_UNREADABLE;
	if (proto == ETH_P_IP) {
		struct ip4_tcp h;
		if (bpf_probe_read_kernel(&h, sizeof(h), head + nh))
			return PKT_UNREADABLE;
		if (h.ip.protocol != IPPROTO_TCP)
			return PKT_NOT_TCP;
		t->family = AF_INET;
		__builtin_memcpy(t->saddr, &h.ip.saddr, 4);
		__builtin_memcpy(t->daddr, &h.ip.daddr, 4);
		if ((h.ip.ver_ihl & 0x0f) == 5)
			return tcp_ports(&h.th, t);
		l4off = nh + (h.ip.ver_ihl & 0x0f) * 4;
	} else if (proto == ETH_P_IPV6) {
		struct wire_ip6 ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return PKT_UNREADABLE;
		if (ip6.nexthdr != IPPROTO_TCP)
			return PKT_NOT_TCP;
		t->family = AF_INET6;
		__builtin_memcpy(t->saddr, &ip6.saddr, 16);
		__builtin_memcpy(t->daddr, &ip6.daddr, 16);
		l4off = nh + sizeof(ip6);
	} else {
		return PKT_UNREADABLE;
	}
	if (bpf_probe_read_kernel(&th, sizeof(th), head + l4off))
		return PKT_UNREADABLE;
	return tcp_ports(&th, t);
}

static __always_inline enum pkt_parse parse_tcp_packet(const struct sk_buff *skb, struct pkt_tuple *t)
{
	return parse_tcp_headers(BPF_CORE_READ(skb, head), BPF_CORE_READ(skb, network_header),
				 bpf_ntohs(BPF_CORE_READ(skb, protocol)), t);
}

/* skc_num and skc_state, 4 bytes apart in sock_common: one probe read instead of two
 * (each helper call is a good part of a drop's cost). Offsets from CO-RE, so the test
 * of their distance is a constant to the verifier. */
static __always_inline void sk_num_and_state(const struct sock *sk, __u16 *num, __u8 *state)
{
	__u32 off_num = bpf_core_field_offset(sk->__sk_common.skc_num);
	__u32 off_state = bpf_core_field_offset(sk->__sk_common.skc_state);
	__u8 b[8];

	if (off_state > off_num && off_state - off_num < sizeof(b)) {
		/* a failed read leaves b zeroed: no test (it would split the verifier's walk) */
		bpf_probe_read_kernel(b, sizeof(b), (const char *)sk + off_num);
		__builtin_memcpy(num, b, sizeof(*num));
		*state = b[(off_state - off_num) & (sizeof(b) - 1)];
		return;
	}
	*num = BPF_CORE_READ(sk, __sk_common.skc_num);
	*state = BPF_CORE_READ(sk, __sk_common.skc_state);
}

/*
 * Orient a packet's tuple: local = this host. A packet whose source port is
 * the socket's own port was being sent; everything else, including packets
 * with no socket, was being received.
 * `btf`: sk is a BTF pointer (tp_btf, fentry), whose fields are plain loads.
 */
static __always_inline void tuple_from_packet_sk(const struct pkt_tuple *p, const struct sock *sk,
						 struct ts_tuple *t, const bool btf)
{
	__u16 num = 0;
	__u8 state = 0;

	if (sk && btf) {
		num = sk->__sk_common.skc_num;
		state = sk->__sk_common.skc_state;
	} else if (sk) {
		sk_num_and_state(sk, &num, &state);
	}
	bool sent = sk && num == p->sport;

	t->family = p->family;
	if (sent) {
		t->lport = p->sport;
		t->rport = p->dport;
		__builtin_memcpy(t->laddr, p->saddr, 16);
		__builtin_memcpy(t->raddr, p->daddr, 16);
	} else {
		t->lport = p->dport;
		t->rport = p->sport;
		__builtin_memcpy(t->laddr, p->daddr, 16);
		__builtin_memcpy(t->raddr, p->saddr, 16);
	}
	if (sk)
		t->state = state;
}

static __always_inline void tuple_from_packet(const struct pkt_tuple *p, const struct sock *sk,
					      struct ts_tuple *t)
{
	tuple_from_packet_sk(p, sk, t, false);
}

#endif
