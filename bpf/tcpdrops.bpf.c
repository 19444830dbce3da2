// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpdrops: what the kernel loses or refuses, with its cause.
 *
 * Each hook has one shared body (handle_*) and one thin program per rung of
 * its attach ladder; userspace (src/core/attach_ladder.cpp) keeps exactly one
 * program per hook loaded. Programs are named <hook>__<rung>.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "shared/events.h"
#include "include/core_fixes.bpf.h"
#include "include/net_defs.bpf.h"
#include "include/emit.bpf.h"
#include "include/sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* [start, end) of nf_hook_slow, from /proc/kallsyms: conntrack verdicts are
 * bare NF_DROPs, so kfree_skb reports them from there (nft rules report
 * nft_do_chain). 0/0 when the symbol is unknown: no conntrack classification. */
const volatile __u64 nf_hook_slow_start = 0;
const volatile __u64 nf_hook_slow_end = 0;
/* Report kfree_skb drops whose reason is NOT_SPECIFIED (noisy, no cause). */
const volatile __u8 include_unspecified = 0;

/* ---- retransmits ---------------------------------------------------------- */

static __always_inline __u8 classify_retransmit(const struct sock *sk, __u8 state)
{
	const struct inet_connection_sock *icsk = (const void *)sk;
	__u8 ca_state = BPF_CORE_READ_BITFIELD_PROBED(icsk, icsk_ca_state);

	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV)
		return TS_RTX_SYN;
	if (ca_state == TCP_CA_Loss)
		return TS_RTX_RTO;
	if (ca_state == TCP_CA_Recovery)
		return TS_RTX_FAST;
	/* tcp_write_timer_handler() leaves icsk_pending set while it runs
	 * tcp_send_loss_probe(), which calls __tcp_retransmit_skb() directly. */
	if (BPF_CORE_READ(icsk, icsk_pending) == ICSK_TIME_LOSS_PROBE)
		return TS_RTX_TLP;
	return TS_RTX_OTHER;
}

static __always_inline void handle_retransmit(const struct sock *sk, __s32 err, __u32 segs,
					      __u8 source)
{
	const struct tcp_sock *tp = (const void *)sk;
	struct ts_event e = {};

	if (!kind_wanted(TS_KIND_RETRANS) || !sk)
		return;
	e.netns = skc_netns((const void *)sk);
	if (!netns_wanted(e.netns))
		return;
	tuple_from_skc((const void *)sk, &e.t);
	if (!event_wanted(&e))
		return;
	e.kind = TS_KIND_RETRANS;
	e.source = source;
	e.d.rtx.rtx_kind = classify_retransmit(sk, e.t.state);
	e.d.rtx.total_retrans = BPF_CORE_READ(tp, total_retrans);
	e.d.rtx.srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e.d.rtx.cwnd = BPF_CORE_READ(tp, snd_cwnd);
	e.d.rtx.err = err;
	e.d.rtx.segs = segs;
	e.ts_ns = bpf_ktime_get_boot_ns();
	submit(&e);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit__tracepoint, const struct sock *sk, const struct sk_buff *skb)
{
	__s32 err = 0;

	if (retransmit_tp_has_err())
		err = (__s32)ctx[2];
	handle_retransmit(sk, err, 0, TS_SRC_TRACEPOINT);
	return 0;
}

/* ---- SYN-ACK retransmits -------------------------------------------------- */

static __always_inline void handle_synack_retransmit(const struct sock *listener,
						     const struct request_sock *req, __u8 source)
{
	struct ts_event e = {};

	if (!kind_wanted(TS_KIND_SYNACK_RETRANS) || !listener || !req)
		return;
	e.netns = skc_netns((const void *)listener);
	if (!netns_wanted(e.netns))
		return;
	tuple_from_skc((const void *)req, &e.t);
	if (!event_wanted(&e))
		return;
	e.kind = TS_KIND_SYNACK_RETRANS;
	e.source = source;
	listener_queues(listener, &e.d.q);
	e.d.q.req_retrans = BPF_CORE_READ(req, num_retrans);
	e.ts_ns = bpf_ktime_get_boot_ns();
	submit(&e);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(synack_retransmit__tracepoint, const struct sock *sk, const struct request_sock *req)
{
	handle_synack_retransmit(sk, req, TS_SRC_TRACEPOINT);
	return 0;
}

/* ---- kfree_skb: listen overflow, conntrack, every other TCP drop ---------- */

/*
 * Accept-queue overflow at the final ACK (syn_recv_sock fails: sk_acceptq_is_full).
 *  - 6.15+: reason TCP_LISTEN_OVERFLOW from tcp_check_req (a11a791ca81e);
 *  - a syncookie ACK that overflows (cookie_v4_check -> tcp_get_cookie_sock) is
 *    dropped as NO_SOCKET (seen on 6.18);
 *  - 6.11-6.14 report every overflow as NOT_SPECIFIED.
 * The last two are recognised by rx_sk (6.11+, c53795d48ee8) being a listener
 * whose accept queue is over its limit (ack_backlog > max), and the packet being
 * a handshake-completing ACK: an RST or SYN at such a listener is something else.
 * Before 6.11 there is no rx_sk: only the ListenOverflows counter sees it.
 */
static __always_inline bool is_listen_overflow(__u32 reason, const struct sock *rx_sk,
					       const struct pkt_tuple *pkt, bool parsed)
{
	bool has_lo = bpf_core_enum_value_exists(enum skb_drop_reason,
						  SKB_DROP_REASON_TCP_LISTEN_OVERFLOW);

	if (has_lo && reason == bpf_core_enum_value(enum skb_drop_reason,
						    SKB_DROP_REASON_TCP_LISTEN_OVERFLOW))
		return true;
	if (!rx_sk || !parsed || !pkt->ack || pkt->rst || pkt->syn)
		return false;
	if (reason != bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NO_SOCKET) &&
	    (has_lo || reason != bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED)))
		return false;
	return BPF_CORE_READ(rx_sk, __sk_common.skc_state) == TCP_LISTEN &&
	       sk_ack_backlog(rx_sk) > sk_max_ack_backlog(rx_sk);
}

static __always_inline void conntrack_detail(const struct sk_buff *skb, struct ts_conntrack *ct)
{
	unsigned long nfct = 0;
	const struct nf_conn *c;

	if (bpf_core_field_exists(skb->_nfct))
		nfct = BPF_CORE_READ(skb, _nfct);
	c = (const void *)(nfct & NFCT_PTRMASK);
	if (!c) {
		ct->entry = TS_CT_NO_ENTRY;
		return;
	}
	ct->status = BPF_CORE_READ(c, status);
	ct->entry = ct->status & bpf_core_enum_value(enum ip_conntrack_status, IPS_CONFIRMED)
			    ? TS_CT_CONFIRMED
			    : TS_CT_UNCONFIRMED;
	if (bpf_core_field_exists(c->zone))
		ct->zone = BPF_CORE_READ(c, zone.id);
	ct->ct_netns = net_inum(BPF_CORE_READ(c, ct_net.net));
}

static __always_inline __u32 skb_netns(const struct sk_buff *skb, const struct sock *sk)
{
	if (sk)
		return skc_netns((const void *)sk);
	return net_inum(BPF_CORE_READ(skb, dev, nd_net.net));
}

static __always_inline int handle_kfree_skb(const struct sk_buff *skb, __u64 location,
					    __u32 reason, const struct sock *rx_sk, __u8 source)
{
	const struct sock *sk = BPF_CORE_READ(skb, sk);
	struct pkt_tuple pkt = {};
	enum pkt_parse parsed;
	struct ts_event e = {};

	if (kfree_skb_has_reason()) {
		if (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
			return 0;
		if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
			return 0;
	}
	if (!sk)
		sk = rx_sk;

	parsed = parse_tcp_packet(skb, &pkt);
	if (parsed == PKT_NOT_TCP)
		return 0;
	if (parsed == PKT_UNREADABLE && (!sk || !sk_is_tcp(sk)))
		return 0;

	if (is_listen_overflow(reason, rx_sk, &pkt, parsed == PKT_TCP)) {
		e.kind = TS_KIND_LISTEN_OVERFLOW;
	} else if (kfree_skb_has_reason() &&
		   reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP) &&
		   location >= nf_hook_slow_start && location < nf_hook_slow_end) {
		conntrack_detail(skb, &e.d.ct);
		/* A confirmed entry means conntrack accepted the flow: a legacy
		 * iptables rule dropped it. */
		e.kind = e.d.ct.entry == TS_CT_CONFIRMED ? TS_KIND_DROP : TS_KIND_CONNTRACK;
	} else {
		if (!include_unspecified && kfree_skb_has_reason() &&
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
			return 0;
		e.kind = TS_KIND_DROP;
	}
	if (!kind_wanted(e.kind))
		return 0;

	e.netns = skb_netns(skb, sk);
	if (e.kind == TS_KIND_CONNTRACK && e.d.ct.ct_netns)
		e.netns = e.d.ct.ct_netns;
	if (!netns_wanted(e.netns))
		return 0;
	if (parsed == PKT_TCP)
		tuple_from_packet(&pkt, sk, &e.t);
	else
		tuple_from_skc((const void *)sk, &e.t);
	if (!event_wanted(&e))
		return 0;

	if (e.kind == TS_KIND_LISTEN_OVERFLOW) {
		const struct sock *listener = rx_sk ? rx_sk : sk;
		if (listener) {
			listener_queues(listener, &e.d.q);
			e.t.state = TCP_LISTEN;
		}
	}
	e.reason = reason;
	e.location = location;
	e.source = source;
	e.ts_ns = bpf_ktime_get_boot_ns();
	submit(&e);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb__tracepoint, struct sk_buff *skb, void *location)
{
	__u32 reason = 0;
	const struct sock *rx_sk = NULL;

	if (kfree_skb_has_reason())
		reason = (__u32)ctx[2];
	if (kfree_skb_has_rx_sk())
		rx_sk = (const struct sock *)ctx[3];
	return handle_kfree_skb(skb, (__u64)location, reason, rx_sk, TS_SRC_TRACEPOINT);
}
