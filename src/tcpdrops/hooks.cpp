#include "tcpdrops/hooks.h"

#include "shared/events.h"

namespace tcpsight {

std::vector<HookSpec> tcpdrops_hooks()
{
	return {
	    {"retransmit",
	     "retrans",
	     {
		 {Rung::Tracepoint, "retransmit__tracepoint", "tcp:tcp_retransmit_skb",
		  "the segment count; failed retransmit attempts before 6.17 (the tracepoint fired on success only)"},
	     }},
	    {"synack-retransmit",
	     "synack-retrans",
	     {
		 {Rung::Tracepoint, "synack_retransmit__tracepoint", "tcp:tcp_retransmit_synack", ""},
	     }},
	    {"kfree-skb",
	     "listen-overflow, conntrack, drop",
	     {
		 {Rung::Tracepoint, "kfree_skb__tracepoint", "skb:kfree_skb",
		  "listen-overflow before 6.11 (no listener in the event); conntrack: table full is told from "
		  "allocation failure, and insert failure from an iptables rule on a new flow, only by skb->_nfct; "
		  "no winning tuple of a clash"},
	     }},
	    {"syn-drop",
	     "syn-drop",
	     {
		 {Rung::Iter, "", "tcp",
		  "the tuple and exact time of each refused SYN: counted per netns each second from TcpExt "
		  "counters, listener named from an iter/tcp queue snapshot"},
		 {Rung::Counter, "", "TcpExt counters",
		  "the tuple and time of each refused SYN, and which listener refused it"},
	     }},
	};
}

std::string hook_of_kind(uint8_t kind)
{
	switch (kind) {
	case TS_KIND_RETRANS: return "retransmit";
	case TS_KIND_SYNACK_RETRANS: return "synack-retransmit";
	case TS_KIND_LISTEN_OVERFLOW:
	case TS_KIND_CONNTRACK:
	case TS_KIND_DROP: return "kfree-skb";
	case TS_KIND_SYN_DROP: return "syn-drop";
	default: return "";
	}
}

} // namespace tcpsight
