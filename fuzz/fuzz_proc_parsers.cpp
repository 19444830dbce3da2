// libFuzzer: the /proc text parsers on any bytes: nstat-style counters (/proc/net/snmp,
// netstat), conntrack stats, /proc/kallsyms (index, lookups, symbolization).
#include <cstdint>
#include <sstream>
#include <string>

#include "core/kallsyms.h"
#include "core/net_counters.h"

using namespace tcpsight;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	std::string text(reinterpret_cast<const char*>(data), size);
	parse_snmp_text(text);
	parse_conntrack_stat(text);
	std::istringstream in(text);
	Kallsyms k = Kallsyms::parse(in);
	k.range("nf_hook_slow");
	k.symbolize(0xffffffff81000100ULL);
	k.clone_of("__tcp_retransmit_skb");
	k.module_of("nf_conntrack");
	k.has("tcp_v4_rcv");
	return 0;
}
