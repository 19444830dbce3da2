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
#include "include/drops_summary.bpf.h"
#include "include/sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* [start, end) of nf_hook_slow, from /proc/kallsyms: conntrack verdicts are
 * bare NF_DROPs, so kfree_skb reports them from there (nft rules report
 * nft_do_chain). 0/0 when the symbol is unknown: no conntrack classification.
 * Not rodata: userspace writes them after the load (before attaching), so reading
 * kallsyms (~50 ms of kernel time) overlaps the verifier instead of delaying it. */
__u64 nf_hook_slow_start = 0;
__u64 nf_hook_slow_end = 0;
/* Report kfree_skb drops whose reason is NOT_SPECIFIED (noisy, no cause). */
const volatile __u8 include_unspecified = 0;
/* The listen-overflow hook has its own rung (fexit/kretprobe syn_recv_sock): the
 * kfree_skb program must not report the same drop again. */
const volatile __u8 kfree_skips_listen_overflow = 0;
/* The conntrack hook's rung when it is fentry or kprobe (TS_SRC_*), 0 for the
 * tracepoint: then the cause comes from ct_pending, not from skb->_nfct. */
const volatile __u8 ct_cause_source = 0;
/* slow-accept: report accepts that waited longer than this (event mode). */
const volatile __u64 accept_wait_ns = 0;
/* Each fexit target's argument count from BTF (enum ts_fexit_target; fexit_ret()). */
const volatile __u8 fexit_nargs[TS_FX_TARGETS] = {};

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

/* `at_entry`: called before the attempt, when total_retrans does not count it yet. */
static __always_inline void handle_retransmit(const struct sock *sk, __s32 err, __u32 segs,
					      __u8 source, bool at_entry)
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
	e.d.rtx.total_retrans = BPF_CORE_READ(tp, total_retrans) + (at_entry ? segs : 0);
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

	if (retransmit_tp_has_err)
		err = (__s32)ctx[2];
	handle_retransmit(sk, err, 0, TS_SRC_TRACEPOINT, false);
	return 0;
}

/*
 * __tcp_retransmit_skb, not tcp_retransmit_skb: tail-loss probes call the inner
 * function directly (tcp_send_loss_probe), so the outer one misses TLPs. fexit
 * sees every attempt with its result (like the 6.17+ tracepoint) and `segs`.
 */
SEC("fexit/__tcp_retransmit_skb")
int BPF_PROG(retransmit__fentry, struct sock *sk, struct sk_buff *skb, int segs)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_RETRANSMIT]);

	handle_retransmit(sk, (__s32)ret, segs, TS_SRC_FENTRY, false);
	return 0;
}

SEC("kprobe/__tcp_retransmit_skb")
int BPF_KPROBE(retransmit__kprobe, struct sock *sk, struct sk_buff *skb, int segs)
{
	handle_retransmit(sk, 0, segs, TS_SRC_KPROBE, true);
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

	/* skb is the tp_btf program's (a BTF pointer): a plain load, no helper call. */
	if (bpf_core_field_exists(skb->_nfct))
		nfct = skb->_nfct;
	c = (const void *)(nfct & NFCT_PTRMASK);
	if (!c) {
		ct->entry = TS_CT_NO_ENTRY;
		ct->cause = TS_CTC_TABLE_FULL; /* presumed: allocation is what failed */
		return;
	}
	ct->status = BPF_CORE_READ(c, status);
	if (ct->status & TS_IPS_CONFIRMED) {
		ct->entry = TS_CT_CONFIRMED;
	} else {
		ct->entry = TS_CT_UNCONFIRMED;
		ct->cause = TS_CTC_INSERT_FAILED; /* presumed: confirm is what failed */
	}
	if (bpf_core_field_exists(c->zone))
		ct->zone = BPF_CORE_READ(c, zone.id);
	ct->ct_netns = net_inum(BPF_CORE_READ(c, ct_net.net));
}

/*
 * What the conntrack rungs saw on this CPU for the packet being processed:
 * conntrack runs synchronously inside nf_hook_slow, which then frees the packet
 * (kfree_skb NETFILTER_DROP) on the same CPU, with softirqs or preemption off.
 */
struct ct_verdict {
	__u64 ts;            /* when the cause was recorded; 0: nothing pending */
	__u64 early_drop_ts; /* early_drop() found nothing to evict */
	__u8 cause;          /* enum ts_ct_cause */
	__u8 has_winner;
	__u16 zone;
	__u32 _pad;
	struct ts_tuple winner;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_verdict);
} ct_pending SEC(".maps");

static __always_inline struct ct_verdict *ct_verdict_slot(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ct_pending, &zero);
}

/* A cause is only trusted for the packet freed right after it on this CPU. That is
 * microseconds on hardware; kretprobes under emulation (the test guests) take far
 * longer, hence 100 ms. The slot is consumed by the first drop that reads it. */
static __always_inline bool ct_recent(__u64 ts, __u64 now)
{
	return ts && now - ts < 100000000;
}

/* Takes the pending cause, if any: the fentry/kprobe rungs' view of this drop. */
static __always_inline bool take_ct_verdict(struct ts_conntrack *ct)
{
	struct ct_verdict *v = ct_verdict_slot();
	bool ok;

	if (!v || !v->ts) /* nothing pending, the common case: no clock read */
		return false;
	ok = ct_recent(v->ts, bpf_ktime_get_boot_ns());
	if (ok) {
		ct->cause = v->cause;
		if (v->cause == TS_CTC_TABLE_FULL || v->cause == TS_CTC_ALLOC_FAILED)
			ct->zone = v->zone;
		ct->has_winner = v->has_winner;
		ct->winner = v->winner;
	}
	v->ts = 0;
	v->has_winner = 0;
	return ok;
}

/* skb and sk are the tp_btf program's (BTF pointers): plain loads, not five helper
 * calls; a NULL device or net faults to 0 as a failed probe read would. */
static __always_inline __u32 skb_netns(const struct sk_buff *skb, const struct sock *sk)
{
	if (sk)
		return skc_netns_btf(&sk->__sk_common);
	return skb->dev->nd_net.net->ns.inum;
}

/*
 * The event of a drop that passed the cheap tests: classified, filtered by tuple,
 * sent. Separate so the event is built (and zeroed) only for drops that may be kept.
 */
static __always_inline void report_kfree_skb(const struct sk_buff *skb, const struct sock *sk, __u32 netns,
					      const struct pkt_tuple *pkt, enum pkt_parse parsed, __u64 location,
					      __u32 reason, const struct sock *rx_sk, __u8 source)
{
	struct ts_event e = {};

	if (is_listen_overflow(reason, rx_sk, pkt, parsed == PKT_TCP)) {
		if (kfree_skips_listen_overflow)
			return;
		e.kind = TS_KIND_LISTEN_OVERFLOW;
	} else if ((!kfree_skb_has_reason() ||
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP)) &&
		   location >= nf_hook_slow_start && location < nf_hook_slow_end) {
		conntrack_detail(skb, &e.d.ct);
		if (ct_cause_source) {
			/* The rungs saw conntrack itself refuse it, or it was a rule. */
			e.kind = take_ct_verdict(&e.d.ct) ? TS_KIND_CONNTRACK : TS_KIND_DROP;
			if (e.kind == TS_KIND_CONNTRACK)
				source = ct_cause_source;
		} else {
			/* A confirmed entry means conntrack accepted the flow: a legacy
			 * iptables rule dropped it. */
			e.kind = e.d.ct.entry == TS_CT_CONFIRMED ? TS_KIND_DROP : TS_KIND_CONNTRACK;
		}
	} else {
		if (!include_unspecified && kfree_skb_has_reason() &&
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
			return;
		e.kind = TS_KIND_DROP;
	}
	if (!kind_wanted(e.kind))
		return;

	e.netns = netns ? netns : skb_netns(skb, sk);
	if (e.kind == TS_KIND_CONNTRACK && e.d.ct.ct_netns)
		e.netns = e.d.ct.ct_netns;
	if (!netns_wanted(e.netns))
		return;
	if (parsed == PKT_TCP)
		tuple_from_packet_sk(pkt, sk, &e.t, true);
	else
		tuple_from_skc((const void *)sk, &e.t);
	if (!event_wanted(&e))
		return;

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
	/* Counts need no time (userspace tells idle keys by their counts): ~20 ns saved. */
	if (emit_events)
		e.ts_ns = bpf_ktime_get_boot_ns();
	/* The kind as a constant on each branch: see agg_sub(). A listen overflow's key
	 * keeps the queue numbers (its value's q): not counted in a hot slot. */
	if (e.kind == TS_KIND_LISTEN_OVERFLOW)
		submit_as(TS_KIND_LISTEN_OVERFLOW, &e);
	else if (e.kind == TS_KIND_CONNTRACK)
		submit_from(TS_KIND_CONNTRACK, &e, true);
	else
		submit_from(TS_KIND_DROP, &e, true);
}

/* An IPv4/IPv6 socket of another protocol (UDP, ICMP, SCTP...), told without reading
 * the packet. Raw sockets send any protocol (a TCP SYN storm from a raw socket is
 * TCP), and request and TIME_WAIT socks have no sk_type or sk_protocol to read. */
static __always_inline bool inet_sock_not_tcp(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family, type, proto;
	__u8 state = sk->__sk_common.skc_state;

	if ((family != AF_INET && family != AF_INET6) || state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV)
		return false;
	/* sk_type and sk_protocol: u16s of their own since 5.6 (bf9765145b85), so plain
	 * loads (no helper call). Here, before the paths split, they cost the verifier
	 * less than the probe read they replace (15,601 instructions processed, 15,898). */
	type = sk->sk_type;
	proto = sk->sk_protocol;
	return type != SOCK_RAW && proto != IPPROTO_TCP;
}

#define REJECT 0xffffffffU

/*
 * The tests that need only the socket and device: not TCP (a UDP socket's drop), or
 * in a netns that is filtered out. The netns of the packet (0 without a netns
 * filter: read later, for reported drops only), or REJECT.
 * Its pointers are loaded afresh and die here: the verifier splits its walk at each
 * NULL test of a pointer, for as long as that pointer lives, so testing the socket
 * the rest of the program uses would double the load time.
 */
static __always_inline __u32 early_netns_or_reject(const struct sk_buff *skb, const unsigned long long *ctx,
						     bool ct_site)
{
	const struct sock *s = skb->sk;
	const struct net_device *dev;
	__u32 netns = 0, dev_ns = 0;

	if (!s && kfree_skb_has_rx_sk())
		s = (const struct sock *)ctx[3];
	/* Without a netns filter the netns is read only for drops that are reported (a
	 * plain load through net_device costs the verifier a walk of its members). With
	 * one, it comes first: plain loads, cheaper than the protocol's probe read. */
	if (filter_netns) {
		if (s)
			netns = s->__sk_common.skc_net.net->ns.inum;
		if (!netns || ct_site) {
			dev = skb->dev;
			if (dev)
				dev_ns = dev->nd_net.net->ns.inum;
			if (!netns)
				netns = dev_ns;
		}
		if (netns != filter_netns && !(ct_site && dev_ns == filter_netns))
			return REJECT;
	}
	if (s && inet_sock_not_tcp(s))
		return REJECT;
	return netns;
}

/*
 * Every kfree_skb in the system comes here (hundreds of thousands a second in a
 * storm), so the tests run cheapest first: the reason alone (no memory read), the
 * kinds it could become, the socket's protocol and the netns through direct loads
 * (tp_btf pointers are trusted: no helper call), and only then the packet headers.
 */
static __always_inline int handle_kfree_skb(const unsigned long long *ctx, const struct sk_buff *skb,
					    __u64 location, __u32 reason, const struct sock *rx_sk, __u8 source)
{
	bool has_lo = bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_TCP_LISTEN_OVERFLOW);
	bool nf = false, lo = false, ct_site;
	const struct sock *sk;
	__u32 netns;
	struct pkt_tuple pkt = {};
	enum pkt_parse parsed;

	if (kfree_skb_has_reason()) {
		if (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
			return 0;
		if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
			return 0;
		nf = reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP);
		/* What is_listen_overflow() could accept, from the reason and rx_sk alone. */
		lo = (has_lo && reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_TCP_LISTEN_OVERFLOW)) ||
		     (rx_sk && (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NO_SOCKET) ||
				(!has_lo && reason == bpf_core_enum_value(enum skb_drop_reason,
									  SKB_DROP_REASON_NOT_SPECIFIED))));
		if (!include_unspecified && !lo &&
		    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
			return 0;
	} else {
		/* Before 5.17 (c504e5c2f964) kfree_skb has no reason: the call site is the
		 * cause. nf_hook_slow frees what a netfilter hook dropped (NF_DROP), and the
		 * low 32 bits of the call site stand in for the reason, so summary rows split
		 * by it and userspace names it (kernel text: the high half is all ones). */
		nf = location >= nf_hook_slow_start && location < nf_hook_slow_end;
		reason = (__u32)location;
	}
	if (!kind_wanted(TS_KIND_DROP) && !(nf && kind_wanted(TS_KIND_CONNTRACK)) &&
	    !(lo && kind_wanted(TS_KIND_LISTEN_OVERFLOW)))
		return 0;

	/* A drop at nf_hook_slow may be conntrack's, and conntrack's entry is in the netns
	 * of the hook that ran: the packet's device's when its socket is in another netns
	 * (since 5.13, 9c4c325252c5, a packet keeps its socket across a veth). */
	ct_site = nf && location >= nf_hook_slow_start && location < nf_hook_slow_end;
	netns = early_netns_or_reject(skb, ctx, ct_site);
	if (netns == REJECT)
		return 0;
	/* The loads above are not reused below: see early_netns_or_reject(). */
	asm volatile("" ::: "memory");
	sk = skb->sk;
	if (!sk)
		sk = rx_sk;

	parsed = parse_tcp_headers(skb->head, skb->network_header, bpf_ntohs(skb->protocol), &pkt);
	if (parsed == PKT_NOT_TCP)
		return 0;
	if (parsed == PKT_UNREADABLE && (!sk || !sk_is_tcp(sk)))
		return 0;
	report_kfree_skb(skb, sk, netns, &pkt, parsed, location, reason, rx_sk, source);
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
		rx_sk = untrusted((const struct sock *)ctx[3], struct sock);
	return handle_kfree_skb(ctx, untrusted(skb, struct sk_buff), (__u64)location, reason, rx_sk,
				TS_SRC_TRACEPOINT);
}

/* ---- listen overflow on every kernel: syn_recv_sock returning NULL -------- */

/* An incoming handshake packet at a listener: netns, tuple (local = the listener's
 * side), state LISTEN, and whether the filters keep it. */
static __always_inline bool listener_packet_tuple(const struct sock *listener, const struct sk_buff *skb,
						  struct ts_event *e)
{
	struct pkt_tuple pkt = {};

	e->netns = skc_netns((const void *)listener);
	if (!netns_wanted(e->netns))
		return false;
	if (parse_tcp_packet(skb, &pkt) == PKT_TCP)
		tuple_from_packet(&pkt, listener, &e->t);
	else
		tuple_from_skc((const void *)listener, &e->t);
	e->t.state = TCP_LISTEN;
	return event_wanted(e);
}

/*
 * tcp_v{4,6}_syn_recv_sock() create the child for a completed handshake (from
 * tcp_check_req or a syncookie ACK). On `if (sk_acceptq_is_full(sk)) goto
 * exit_overflow` they count ListenOverflows and return NULL, leaving the
 * listener's ack_backlog over its limit: NULL plus that is the overflow, on every
 * kernel, where the kfree_skb view needs rx_sk (6.11+).
 */
static __always_inline void handle_syn_recv_sock(const struct sock *listener, const struct sk_buff *skb,
						 __u64 child, __u8 source)
{
	struct ts_event e = {};

	if (child || !listener || !kind_wanted(TS_KIND_LISTEN_OVERFLOW))
		return;
	if (sk_ack_backlog(listener) <= sk_max_ack_backlog(listener))
		return; /* NULL for another reason (memory, route) */
	if (!listener_packet_tuple(listener, skb, &e))
		return;
	e.kind = TS_KIND_LISTEN_OVERFLOW;
	e.source = source;
	/* The reason the kernel gives this drop: TCP_LISTEN_OVERFLOW from 6.15
	 * (a11a791ca81e), NOT_SPECIFIED from 5.17 (c504e5c2f964, the enum's birth), no
	 * enum at all before (5.10: reason 0, named from the call site in userspace). */
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_TCP_LISTEN_OVERFLOW))
		e.reason = bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_TCP_LISTEN_OVERFLOW);
	else if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
		e.reason = bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED);
	listener_queues(listener, &e.d.q);
	e.ts_ns = bpf_ktime_get_boot_ns();
	submit(&e);
}

/*
 * kprobe rungs: the arguments are only visible at entry and the result only at
 * return, so entry stashes them per task and per function (softirq does not nest
 * one of these functions on a CPU; process context keys by thread). One map serves
 * every kprobe/kretprobe pair.
 */
enum stashed_fn { STASH_SYN_RECV_SOCK, STASH_ACCEPT, STASH_CT_ALLOC, STASH_CT_CLASH };

struct stash_key {
	__u64 pid_tgid;
	__u32 fn; /* enum stashed_fn */
	__u32 _pad;
};

struct call_args {
	__u64 a0, a1;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct stash_key);
	__type(value, struct call_args);
} stashed_args SEC(".maps");

static __always_inline void stash(enum stashed_fn fn, __u64 a0, __u64 a1)
{
	struct stash_key key = {.pid_tgid = bpf_get_current_pid_tgid(), .fn = fn};
	struct call_args args = {a0, a1};

	bpf_map_update_elem(&stashed_args, &key, &args, BPF_ANY);
}

static __always_inline bool unstash(enum stashed_fn fn, struct call_args *out)
{
	struct stash_key key = {.pid_tgid = bpf_get_current_pid_tgid(), .fn = fn};
	struct call_args *a = bpf_map_lookup_elem(&stashed_args, &key);

	if (!a)
		return false;
	*out = *a;
	bpf_map_delete_elem(&stashed_args, &key);
	return true;
}

/*
 * The same three programs for tcp_v4_syn_recv_sock and tcp_v6_syn_recv_sock.
 * The return value's slot follows the argument count (6, 7 by 6.18): fexit_ret().
 */
#define SYN_RECV_SOCK_PROGS(fam, FX)                                                               \
	SEC("fexit/tcp_" #fam "_syn_recv_sock")                                                     \
	int BPF_PROG(syn_recv_sock_##fam##__fentry, const struct sock *sk, struct sk_buff *skb)      \
	{                                                                                            \
		__u64 ret = fexit_ret(ctx, fexit_nargs[FX]);                                         \
		handle_syn_recv_sock(sk, skb, ret, TS_SRC_FENTRY);                                  \
		return 0;                                                                           \
	}                                                                                            \
	SEC("kprobe/tcp_" #fam "_syn_recv_sock")                                                    \
	int BPF_KPROBE(syn_recv_sock_##fam##__kprobe, const struct sock *sk, struct sk_buff *skb)    \
	{                                                                                            \
		stash(STASH_SYN_RECV_SOCK, (__u64)sk, (__u64)skb);                                      \
		return 0;                                                                           \
	}                                                                                            \
	SEC("kretprobe/tcp_" #fam "_syn_recv_sock")                                                 \
	int BPF_KRETPROBE(syn_recv_sock_##fam##__kretprobe, void *ret)                               \
	{                                                                                            \
		struct call_args a;                                                                 \
		if (unstash(STASH_SYN_RECV_SOCK, &a))                                                   \
			handle_syn_recv_sock((const void *)a.a0, (const void *)a.a1, (__u64)ret,     \
					     TS_SRC_KPROBE);                                         \
		return 0;                                                                           \
	}

SYN_RECV_SOCK_PROGS(v4, TS_FX_SYN_RECV_V4)
SYN_RECV_SOCK_PROGS(v6, TS_FX_SYN_RECV_V6)

/* ---- syn-drop per SYN: the kernel's own predicate at tcp_conn_request ------ */

/*
 * Mirrors tcp_conn_request() (5.10 ... 7.2, unchanged):
 *   if ((syncookies == 2 || inet_csk_reqsk_queue_is_full(sk)) && !isn) {
 *           want_cookie = tcp_syn_flood_action();  -> drop unless cookies
 *   }
 *   if (sk_acceptq_is_full(sk)) -> ListenOverflows, drop
 *   if (!syncookies && max_syn_backlog - qlen < max_syn_backlog >> 2 &&
 *       !tcp_peer_is_proven()) -> drop ("last quarter")
 * with queue_is_full: qlen > sk_max_ack_backlog, acceptq_is_full: ack_backlog >
 * sk_max_ack_backlog. isn != 0 is a SYN that hit a TIME_WAIT socket: no limits.
 * tcp_peer_is_proven() (tcp_metrics) is not evaluated: last-quarter drops of
 * proven peers are reported although the kernel lets them through.
 */
static __always_inline void handle_conn_request(const struct sock *sk, const struct sk_buff *skb, __u8 source)
{
	const struct inet_connection_sock *icsk = (const void *)sk;
	const struct net *net;
	struct ts_event e = {};
	__u32 qlen, max, isn = 0;
	__u8 syncookies, cause;
	bool queue_path;
	int max_syn;

	if (!sk || !kind_wanted(TS_KIND_SYN_DROP))
		return;
	net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	syncookies = BPF_CORE_READ(net, ipv4.sysctl_tcp_syncookies);
	qlen = BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter);
	max = sk_max_ack_backlog(sk);
	if (bpf_core_field_exists(struct tcp_skb_cb, tcp_tw_isn)) /* TCP_SKB_CB(skb)->tcp_tw_isn */
		bpf_probe_read_kernel(&isn, sizeof(isn),
				      (const char *)skb + bpf_core_field_offset(struct sk_buff, cb) +
					  bpf_core_field_offset(struct tcp_skb_cb, tcp_tw_isn));
	queue_path = (syncookies == 2 || qlen > max) && !isn;
	max_syn = BPF_CORE_READ(net, ipv4.sysctl_max_syn_backlog);

	if (queue_path && !syncookies)
		cause = TS_SYN_QUEUE_FULL;
	else if (sk_ack_backlog(sk) > max)
		cause = TS_SYN_ACCEPT_FULL;
	else if (queue_path && qlen > max)
		cause = TS_SYN_COOKIE_SENT;
	else if (!syncookies && !isn && max_syn - (int)qlen < (max_syn >> 2))
		cause = TS_SYN_LAST_QUARTER;
	else
		return; /* accepted: the common case */

	if (!listener_packet_tuple(sk, skb, &e))
		return;
	e.kind = TS_KIND_SYN_DROP;
	e.source = source;
	listener_queues(sk, &e.d.q);
	e.d.q.syn_cause = cause;
	e.ts_ns = bpf_ktime_get_boot_ns();
	submit(&e);
}

SEC("fentry/tcp_conn_request")
int BPF_PROG(conn_request__fentry, struct request_sock_ops *rsk_ops, const struct tcp_request_sock_ops *af_ops,
	     struct sock *sk, struct sk_buff *skb)
{
	handle_conn_request(sk, skb, TS_SRC_FENTRY);
	return 0;
}

SEC("kprobe/tcp_conn_request")
int BPF_KPROBE(conn_request__kprobe, struct request_sock_ops *rsk_ops, const struct tcp_request_sock_ops *af_ops,
	       struct sock *sk, struct sk_buff *skb)
{
	handle_conn_request(sk, skb, TS_SRC_KPROBE);
	return 0;
}

/* ---- slow-accept: time a connection waited in the accept queue ------------ */

/* When each child became ESTABLISHED (the kernel keeps no "queued at" time). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);   /* child sock pointer */
	__type(value, __u64); /* boot ns */
} established_at SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(accept_queued__tracepoint, const struct sock *sk, int oldstate, int newstate)
{
	/* A passive child goes SYN_RECV -> ESTABLISHED as it enters the accept queue. */
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED &&
	    BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP) {
		__u64 key = (__u64)sk, now = bpf_ktime_get_boot_ns();
		bpf_map_update_elem(&established_at, &key, &now, BPF_ANY);
	}
	return 0;
}

static __always_inline void handle_accept(const struct sock *listener, const struct sock *child, __u8 source)
{
	__u64 key = (__u64)child, now, *t;
	struct ts_event e = {};

	if (!child || !listener || !kind_wanted(TS_KIND_SLOW_ACCEPT))
		return;
	t = bpf_map_lookup_elem(&established_at, &key);
	if (!t)
		return; /* established before we attached */
	now = bpf_ktime_get_boot_ns();
	e.d.acc.wait_ns = now - *t;
	bpf_map_delete_elem(&established_at, &key);
	/* Event mode reports waits over the threshold; summary mode histograms all. */
	if (!aggregate && e.d.acc.wait_ns < accept_wait_ns)
		return;
	e.netns = skc_netns((const void *)child);
	if (!netns_wanted(e.netns))
		return;
	tuple_from_skc((const void *)child, &e.t);
	if (!event_wanted(&e))
		return;
	e.kind = TS_KIND_SLOW_ACCEPT;
	e.source = source;
	e.d.acc.accept_queue = sk_ack_backlog(listener);
	e.d.acc.accept_queue_max = sk_max_ack_backlog(listener);
	e.d.acc.pid = bpf_get_current_pid_tgid() >> 32;
	e.ts_ns = now;
	if (aggregate)
		aggregate_event(&e);
	if (emit_events && e.d.acc.wait_ns >= accept_wait_ns)
		emit_record(&e, sizeof(e));
}

/* inet_csk_accept's arguments changed in 6.10 (92ef0fd55ac8, proto_accept_arg);
 * only the listener (arg 0) and the returned child are used. */
SEC("fexit/inet_csk_accept")
int BPF_PROG(accept__fentry, struct sock *sk)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_ACCEPT]);

	handle_accept(sk, (const void *)ret, TS_SRC_FENTRY);
	return 0;
}

SEC("kprobe/inet_csk_accept")
int BPF_KPROBE(accept__kprobe, struct sock *sk)
{
	stash(STASH_ACCEPT, (__u64)sk, 0);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(accept__kretprobe, void *ret)
{
	struct call_args a;

	if (unstash(STASH_ACCEPT, &a))
		handle_accept((const void *)a.a0, (const void *)ret, TS_SRC_KPROBE);
	return 0;
}

/* ---- conntrack: the exact cause where fentry or kprobes work ---------------- */

/*
 * nf_conntrack is a module on distribution kernels: libbpf finds these functions
 * in /sys/kernel/btf/nf_conntrack. Signatures identical 5.10 ... 7.2:
 *   static noinline int early_drop(struct net *, unsigned int hash)
 *   static struct nf_conn *__nf_conntrack_alloc(net, zone, orig, repl, gfp, hash)
 *   int __nf_conntrack_confirm(struct sk_buff *)
 *   static __cold noinline int nf_ct_resolve_clash(skb, h, reply_hash) (inlined on
 *   Debian 6.1: a hook of its own, so its absence costs only the winner tuple)
 */
#define MAX_ERRNO 4095

static __always_inline void ct_note_early_drop(__u64 evicted)
{
	struct ct_verdict *v = ct_verdict_slot();

	if (v && !evicted) /* nothing evictable: the table is full of assured flows */
		v->early_drop_ts = bpf_ktime_get_boot_ns();
}

static __always_inline void ct_note_alloc(const struct nf_conntrack_zone *zone, __u64 ret)
{
	struct ct_verdict *v;
	__u64 now;

	if (ret < (__u64)-MAX_ERRNO) /* IS_ERR() */
		return;
	v = ct_verdict_slot();
	if (!v)
		return;
	now = bpf_ktime_get_boot_ns();
	/* early_drop() only runs when the count is over nf_conntrack_max. */
	v->cause = ct_recent(v->early_drop_ts, now) ? TS_CTC_TABLE_FULL : TS_CTC_ALLOC_FAILED;
	v->zone = zone ? BPF_CORE_READ(zone, id) : 0;
	v->has_winner = 0;
	v->early_drop_ts = 0;
	v->ts = now;
}

static __always_inline void ct_note_confirm(__u64 ret)
{
	struct ct_verdict *v;
	__u64 now;

	if ((int)ret != 0) /* NF_DROP is 0 */
		return;
	v = ct_verdict_slot();
	if (!v)
		return;
	now = bpf_ktime_get_boot_ns();
	/* nf_ct_resolve_clash, called inside, may already have named the winner. */
	if (!(ct_recent(v->ts, now) && v->cause == TS_CTC_INSERT_FAILED))
		v->cause = TS_CTC_CONFIRM_FAILED;
	v->ts = now;
}

static __always_inline void tuple_from_ct(const struct nf_conntrack_tuple *t, struct ts_tuple *out)
{
	__u16 l3 = BPF_CORE_READ(t, src.l3num);

	out->family = l3;
	out->lport = bpf_ntohs(BPF_CORE_READ(t, src.u.tcp.port));
	out->rport = bpf_ntohs(BPF_CORE_READ(t, dst.u.tcp.port));
	if (l3 == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)out->laddr, t, src.u3.ip);
		BPF_CORE_READ_INTO((__u32 *)out->raddr, t, dst.u3.ip);
	} else {
		BPF_CORE_READ_INTO(&out->laddr, t, src.u3.in6.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&out->raddr, t, dst.u3.in6.in6_u.u6_addr8);
	}
}

/* h is the entry already in the table; its nf_conn is
 * container_of(h, struct nf_conn, tuplehash[h->tuple.dst.dir]). */
static __always_inline void ct_note_clash(const struct nf_conntrack_tuple_hash *h, __u64 ret)
{
	struct ct_verdict *v;
	const struct nf_conn *winner;
	__u8 dir;

	if ((int)ret != 0 || !h)
		return;
	v = ct_verdict_slot();
	if (!v)
		return;
	dir = BPF_CORE_READ(h, tuple.dst.dir);
	/* Constant steps only: the 6.1 verifier refuses arithmetic between a BTF pointer and
	 * an unbounded scalar (dir * size), which made the fexit rung fail to load there. */
	winner = (const void *)((const char *)h - bpf_core_field_offset(struct nf_conn, tuplehash));
	if (dir) /* IP_CT_DIR_REPLY: h is tuplehash[1] */
		winner = (const void *)((const char *)winner - bpf_core_type_size(struct nf_conntrack_tuple_hash));
	tuple_from_ct((const struct nf_conntrack_tuple *)((const char *)winner +
							  bpf_core_field_offset(struct nf_conn, tuplehash) +
							  bpf_core_field_offset(struct nf_conntrack_tuple_hash, tuple)),
		      &v->winner);
	v->has_winner = 1;
	v->cause = TS_CTC_INSERT_FAILED;
	v->ts = bpf_ktime_get_boot_ns();
}

SEC("fexit/early_drop")
int BPF_PROG(ct_early_drop__fentry, struct net *net, unsigned int hash)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_CT_EARLY_DROP]);

	ct_note_early_drop(ret);
	return 0;
}

SEC("fexit/__nf_conntrack_alloc")
int BPF_PROG(ct_alloc__fentry, struct net *net, const struct nf_conntrack_zone *zone)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_CT_ALLOC]);

	ct_note_alloc(zone, ret);
	return 0;
}

SEC("fexit/__nf_conntrack_confirm")
int BPF_PROG(ct_confirm__fentry, struct sk_buff *skb)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_CT_CONFIRM]);

	ct_note_confirm(ret);
	return 0;
}

SEC("fexit/nf_ct_resolve_clash")
int BPF_PROG(ct_clash__fentry, struct sk_buff *skb, struct nf_conntrack_tuple_hash *h)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[TS_FX_CT_CLASH]);

	ct_note_clash(h, ret);
	return 0;
}

SEC("kretprobe/early_drop")
int BPF_KRETPROBE(ct_early_drop__kretprobe, int ret)
{
	ct_note_early_drop(ret);
	return 0;
}

SEC("kprobe/__nf_conntrack_alloc")
int BPF_KPROBE(ct_alloc__kprobe, struct net *net, const struct nf_conntrack_zone *zone)
{
	stash(STASH_CT_ALLOC, (__u64)zone, 0);
	return 0;
}

SEC("kretprobe/__nf_conntrack_alloc")
int BPF_KRETPROBE(ct_alloc__kretprobe, void *ret)
{
	struct call_args a;

	if (unstash(STASH_CT_ALLOC, &a))
		ct_note_alloc((const void *)a.a0, (__u64)ret);
	return 0;
}

SEC("kretprobe/__nf_conntrack_confirm")
int BPF_KRETPROBE(ct_confirm__kretprobe, int ret)
{
	ct_note_confirm(ret);
	return 0;
}

SEC("kprobe/nf_ct_resolve_clash")
int BPF_KPROBE(ct_clash__kprobe, struct sk_buff *skb, struct nf_conntrack_tuple_hash *h)
{
	stash(STASH_CT_CLASH, (__u64)h, 0);
	return 0;
}

SEC("kretprobe/nf_ct_resolve_clash")
int BPF_KRETPROBE(ct_clash__kretprobe, int ret)
{
	struct call_args a;

	if (unstash(STASH_CT_CLASH, &a))
		ct_note_clash((const void *)a.a0, ret);
	return 0;
}
