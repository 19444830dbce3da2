#include <catch2/catch_test_macros.hpp>
#include <sstream>

#include "core/kallsyms.h"
#include "core/net_counters.h"
#include "tcpdrops/syn_drop_monitor.h"

using namespace tcpsight;

TEST_CASE("netstat and snmp text parse into prefixed counters", "[unit]")
{
	auto m = parse_snmp_text("TcpExt: SyncookiesSent ListenOverflows ListenDrops\n"
				 "TcpExt: 0 5 7\n"
				 "Tcp: RtoAlgorithm MaxConn RetransSegs\n"
				 "Tcp: 1 -1 42\n"
				 "Broken: A B\n"
				 "Other: 1 2\n");
	CHECK(m.at("TcpExt.ListenOverflows") == 5);
	CHECK(m.at("TcpExt.ListenDrops") == 7);
	CHECK(m.at("Tcp.RetransSegs") == 42);
	CHECK(m.at("Tcp.MaxConn") == (uint64_t)-1);
	CHECK(m.count("Broken.A") == 0);
}

TEST_CASE("nf_conntrack stat rows are summed per CPU, entries taken once", "[unit]")
{
	auto m = parse_conntrack_stat("entries clashres found new invalid ignore delete chainlength insert insert_failed drop\n"
				      "00000004 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000003\n"
				      "00000004 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000001\n");
	CHECK(m.at("Conntrack.entries") == 4);
	CHECK(m.at("Conntrack.insert_failed") == 12);
	CHECK(m.at("Conntrack.drop") == 4);
}

TEST_CASE("SYN drops split into causes; final-ACK overflows are not SYN drops", "[unit]")
{
	CounterMap base = {{"TcpExt.TCPReqQFullDrop", 10}, {"TcpExt.ListenOverflows", 3}, {"TcpExt.ListenDrops", 20}};
	CounterMap now = {{"TcpExt.TCPReqQFullDrop", 12}, {"TcpExt.TCPReqQFullDoCookies", 4},
			  {"TcpExt.ListenOverflows", 8}, {"TcpExt.ListenDrops", 28}};
	auto t = split_syn_drops(base, now, 3);
	CHECK(t.syn_queue_full == 2);
	CHECK(t.cookie_sent == 4);
	CHECK(t.accept_queue_full == 2); // 5 overflows, 3 of them at the final ACK
	CHECK(t.other == 1);             // 8 drops - 2 - 5
	auto none = split_syn_drops(now, now, 0);
	CHECK(none.syn_queue_full + none.cookie_sent + none.accept_queue_full + none.other == 0);
	auto more_acks = split_syn_drops(base, now, 50); // never negative
	CHECK(more_acks.accept_queue_full == 0);
}

TEST_CASE("kallsyms: ranges and symbolization", "[unit]")
{
	std::istringstream in("ffffffff81000000 T _text\n"
			      "ffffffff81000100 t nf_hook_slow\n"
			      "ffffffff81000180 T next_fn\n"
			      "ffffffff81000200 d some_data\n"
			      "0000000000000000 T hidden\n"
			      "ffffffffc0000000 t mod_fn\t[nf_conntrack]\n"
			      "ffffffff81000300 t __tcp_retransmit_skb.part.0\n"
			      "ffffffff81000400 T __tcp_retransmit_skb"); // no final newline
	auto k = Kallsyms::parse(in);
	auto r = k.range("nf_hook_slow");
	REQUIRE(r);
	CHECK(r->start == 0xffffffff81000100ULL);
	CHECK(r->end == 0xffffffff81000180ULL);
	CHECK(k.symbolize(0xffffffff8100014cULL) == "nf_hook_slow+0x4c");
	// Straight from the text (before the index is built): the same range.
	auto t = Kallsyms::range_in_text(in.str(), "nf_hook_slow");
	REQUIRE(t);
	CHECK(t->start == r->start);
	CHECK(t->end == r->end);
	CHECK_FALSE(Kallsyms::range_in_text(in.str(), "nf_hook").has_value()); // a prefix is not a name
	CHECK_FALSE(Kallsyms::range_in_text(in.str(), "some_data").has_value());
	CHECK_FALSE(Kallsyms::range_in_text(in.str(), "hidden").has_value());
	CHECK(Kallsyms::range_in_text(in.str(), "mod_fn")->start == 0xffffffffc0000000ULL);
	CHECK(k.symbolize(0xffffffffc0000010ULL) == "mod_fn+0x10");
	CHECK(k.symbolize(0x10) == "");
	// Listed after a module's symbol: sorted by address all the same.
	CHECK(k.symbolize(0xffffffff81000310ULL) == "__tcp_retransmit_skb.part.0+0x10");
	CHECK(k.symbolize(0xffffffff81000400ULL) == "__tcp_retransmit_skb+0x0");
	CHECK_FALSE(k.range("hidden").has_value());
	CHECK_FALSE(k.range("some_data").has_value());
	CHECK(k.has("hidden")); // the name exists even when its address is hidden
	CHECK(k.has("mod_fn"));
	CHECK_FALSE(k.has("some_data"));
	CHECK(k.clone_of("__tcp_retransmit_skb") == "__tcp_retransmit_skb.part.0");
	CHECK_FALSE(k.clone_of("nf_hook_slow").has_value());
	CHECK(k.module_of("mod_fn") == "nf_conntrack");
	CHECK(k.module_of("nf_hook_slow") == "");
	CHECK_FALSE(k.module_of("absent").has_value());
}
