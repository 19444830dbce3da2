#include "tcpdrops/hooks.h"

#include "shared/events.h"

namespace tcpsight {

const FexitTarget kTcpdropsFexitTargets[] = {
    {TS_FX_RETRANSMIT, "__tcp_retransmit_skb", "retransmit"},
    {TS_FX_SYN_RECV_V4, "tcp_v4_syn_recv_sock", "listen-overflow"},
    {TS_FX_SYN_RECV_V6, "tcp_v6_syn_recv_sock", "listen-overflow"},
    {TS_FX_ACCEPT, "inet_csk_accept", "slow-accept"},
    {TS_FX_CT_EARLY_DROP, "early_drop", "conntrack"},
    {TS_FX_CT_ALLOC, "__nf_conntrack_alloc", "conntrack"},
    {TS_FX_CT_CONFIRM, "__nf_conntrack_confirm", "conntrack"},
    {TS_FX_CT_CLASH, "nf_ct_resolve_clash", "conntrack-clash"},
};
const size_t kTcpdropsFexitTargetCount = sizeof(kTcpdropsFexitTargets) / sizeof(kTcpdropsFexitTargets[0]);
static_assert(sizeof(kTcpdropsFexitTargets) / sizeof(kTcpdropsFexitTargets[0]) == TS_FX_TARGETS);

std::vector<HookSpec> tcpdrops_hooks()
{
	return {
	    {"retransmit",
	     "retrans",
	     {
		 // __tcp_retransmit_skb: TLPs call it directly, bypassing tcp_retransmit_skb.
		 {Rung::Fentry, "retransmit__fentry", "__tcp_retransmit_skb", ""},
		 {Rung::Kprobe, "retransmit__kprobe", "__tcp_retransmit_skb",
		  "the result of the attempt (failed retransmits are reported as sent)"},
		 {Rung::Tracepoint, "retransmit__tracepoint", "tcp:tcp_retransmit_skb",
		  "the segment count; failed retransmit attempts before 6.17 (the tracepoint fired on success only)"},
	     }},
	    {"synack-retransmit",
	     "synack-retrans",
	     {
		 {Rung::Tracepoint, "synack_retransmit__tracepoint", "tcp:tcp_retransmit_synack", ""},
	     }},
	    {"kfree-skb",
	     "drop; conntrack and listen-overflow when their hooks have no rung of their own",
	     {
		 {Rung::Tracepoint, "kfree_skb__tracepoint", "skb:kfree_skb", ""},
	     }},
	    {"conntrack",
	     "conntrack (the cause: table full, allocation failure, insert or confirm failure)",
	     {
		 {Rung::Fentry, "ct_alloc__fentry", "__nf_conntrack_alloc", "",
		  {"ct_early_drop__fentry", "ct_confirm__fentry"}},
		 {Rung::Kprobe, "ct_alloc__kprobe", "__nf_conntrack_alloc", "",
		  {"ct_alloc__kretprobe", "ct_early_drop__kretprobe", "ct_confirm__kretprobe"}},
		 // No program of its own: the kfree-skb hook presumes the cause from skb->_nfct.
		 {Rung::Tracepoint, "", "skb:kfree_skb",
		  "the cause is presumed from skb->_nfct: table full vs allocation failure, insert failure vs an "
		  "iptables rule on a new flow"},
	     }},
	    {"conntrack-clash",
	     "the winning entry of a conntrack insert failure",
	     {
		 {Rung::Fentry, "ct_clash__fentry", "nf_ct_resolve_clash", ""},
		 {Rung::Kprobe, "ct_clash__kprobe", "nf_ct_resolve_clash", "", {"ct_clash__kretprobe"}},
	     }},
	    {"listen-overflow",
	     "listen-overflow",
	     {
		 {Rung::Fentry, "syn_recv_sock_v4__fentry", "tcp_v4_syn_recv_sock", "", {"syn_recv_sock_v6__fentry"}},
		 {Rung::Kprobe, "syn_recv_sock_v4__kprobe", "tcp_v4_syn_recv_sock", "",
		  {"syn_recv_sock_v4__kretprobe", "syn_recv_sock_v6__kprobe", "syn_recv_sock_v6__kretprobe"}},
		 // No program of its own: the kfree-skb hook reports it from rx_sk.
		 {Rung::Tracepoint, "", "skb:kfree_skb",
		  "every overflow before 6.11 (the event has no listener); ListenOverflows still counts them"},
	     }},
	    {"syn-drop",
	     "syn-drop",
	     {
		 {Rung::Fentry, "conn_request__fentry", "tcp_conn_request",
		  "whether a peer is 'proven' (tcp_metrics) when the last-quarter rule applies"},
		 {Rung::Kprobe, "conn_request__kprobe", "tcp_conn_request",
		  "whether a peer is 'proven' (tcp_metrics) when the last-quarter rule applies"},
		 {Rung::Iter, "", "tcp",
		  "the tuple and exact time of each refused SYN: counted per netns each second from TcpExt "
		  "counters, listener named from an iter/tcp queue snapshot"},
		 {Rung::Counter, "", "TcpExt counters",
		  "the tuple and time of each refused SYN, and which listener refused it"},
	     }},
	    {"slow-accept",
	     "slow-accept",
	     {
		 {Rung::Fentry, "accept__fentry", "inet_csk_accept",
		  "accepts through io_uring are seen; connections established before tcpdrops started are not",
		  {"accept_queued__tracepoint"}},
		 {Rung::Kprobe, "accept__kprobe", "inet_csk_accept",
		  "threads already blocked in accept() when tcpdrops started",
		  {"accept__kretprobe", "accept_queued__tracepoint"}},
	     }},
	};
}

std::string hook_of_kind(uint8_t kind)
{
	switch (kind) {
	case TS_KIND_RETRANS: return "retransmit";
	case TS_KIND_SYNACK_RETRANS: return "synack-retransmit";
	case TS_KIND_LISTEN_OVERFLOW: return "listen-overflow";
	case TS_KIND_SLOW_ACCEPT: return "slow-accept";
	case TS_KIND_CONNTRACK: return "conntrack";
	case TS_KIND_DROP: return "kfree-skb";
	case TS_KIND_SYN_DROP: return "syn-drop";
	default: return "";
	}
}

} // namespace tcpsight

namespace tcpsight {

std::vector<std::string> hooks_for_kind(uint8_t kind)
{
	switch (kind) {
	case TS_KIND_CONNTRACK: return {"conntrack", "conntrack-clash", "kfree-skb"};
	// A NETFILTER_DROP at nf_hook_slow is conntrack's or a rule's: where conntrack's
	// own rung runs, its verdict tells them apart (the tracepoint rung only presumes).
	case TS_KIND_DROP: return {"kfree-skb", "conntrack"};
	case TS_KIND_SYN_DROP: return {"syn-drop", "listen-overflow", "synack-retransmit"};
	default: return {hook_of_kind(kind)};
	}
}

bool needs_kfree_skb(uint32_t kinds_mask, const RungSpec* lo)
{
	auto has = [&](uint8_t k) { return (kinds_mask & (1u << k)) != 0; };
	if (has(TS_KIND_DROP) || has(TS_KIND_CONNTRACK))
		return true;
	// listen-overflow's tracepoint rung has no program: kfree_skb reports it.
	return (has(TS_KIND_LISTEN_OVERFLOW) || has(TS_KIND_SYN_DROP)) && lo && lo->program.empty();
}

} // namespace tcpsight
