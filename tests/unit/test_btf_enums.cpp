#include <bpf/btf.h>
#include <catch2/catch_test_macros.hpp>

#include "core/btf_enums.h"

using tcpsight::EnumNames;

TEST_CASE("drop reasons are named from BTF, whatever their numbering", "[unit]")
{
	// Two kernels, two numberings of the same names (NETFILTER_DROP: 7 on 6.1, 12 on 6.18).
	for (auto [nf, lo] : {std::pair<int, int>{7, -1}, std::pair<int, int>{12, 40}}) {
		struct btf* b = btf__new_empty();
		btf__add_enum(b, "skb_drop_reason", 4);
		btf__add_enum_value(b, "SKB_NOT_DROPPED_YET", 0);
		btf__add_enum_value(b, "SKB_DROP_REASON_NETFILTER_DROP", nf);
		if (lo >= 0)
			btf__add_enum_value(b, "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW", lo);
		EnumNames n(b);
		CHECK(n.drop_reason(nf) == "NETFILTER_DROP");
		CHECK(n.drop_reason(0) == "NOT_DROPPED_YET");
		CHECK(n.drop_reason_value("NETFILTER_DROP") == (uint64_t)nf);
		CHECK(n.drop_reason_value("TCP_LISTEN_OVERFLOW").has_value() == (lo >= 0));
		CHECK_FALSE(n.drop_reason(1000).has_value());
		btf__free(b);
	}
}

TEST_CASE("TCP states come from the anonymous enum, rst reasons from sk_rst_reason", "[unit]")
{
	struct btf* b = btf__new_empty();
	btf__add_enum(b, nullptr, 4);
	btf__add_enum_value(b, "TCP_FLAG_CWR", 1); // a decoy anonymous enum
	btf__add_enum(b, nullptr, 4);
	btf__add_enum_value(b, "TCP_ESTABLISHED", 1);
	btf__add_enum_value(b, "TCP_TIME_WAIT", 6);
	btf__add_enum_value(b, "TCP_LISTEN", 10);
	btf__add_enum_value(b, "TCP_NEW_SYN_RECV", 12);
	btf__add_enum_value(b, "TCP_MAX_STATES", 14);
	btf__add_enum(b, "sk_rst_reason", 4);
	btf__add_enum_value(b, "SK_RST_REASON_NOT_SPECIFIED", 0);
	btf__add_enum_value(b, "SK_RST_REASON_NO_SOCKET", 1);
	EnumNames n(b);
	CHECK(n.tcp_state(1) == "ESTABLISHED");
	CHECK(n.tcp_state(12) == "NEW_SYN_RECV");
	CHECK_FALSE(n.tcp_state(14).has_value());
	CHECK(n.rst_reason(1) == "NO_SOCKET");
	btf__free(b);
}

TEST_CASE("enum64 drop reasons are read too", "[unit]")
{
	struct btf* b = btf__new_empty();
	int id = btf__add_enum64(b, "skb_drop_reason", 8, false);
	REQUIRE(id > 0);
	btf__add_enum64_value(b, "SKB_DROP_REASON_NO_SOCKET", 3);
	EnumNames n(b);
	CHECK(n.drop_reason(3) == "NO_SOCKET");
	btf__free(b);
}

TEST_CASE("no BTF gives empty names, not a crash", "[unit]")
{
	EnumNames n(nullptr);
	CHECK(n.empty());
	CHECK_FALSE(n.drop_reason(2).has_value());
}
