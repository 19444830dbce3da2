#include <catch2/catch_test_macros.hpp>

#include "hints/hints.h"

using namespace tcpsight;

static bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST_CASE("each cause names its knob with the current value", "[unit]")
{
	NetnsKnobs k;
	k.somaxconn = 128;
	k.tcp_syncookies = 0;
	k.tcp_max_syn_backlog = 256;
	k.nf_conntrack_max = 1000;
	k.nf_conntrack_count = 1000;
	k.tcp_abort_on_overflow = 1;
	HintInput in;
	in.lport = 80;
	in.has_queues = true;
	in.q.accept_queue = 129;
	in.q.accept_queue_max = 128;
	in.q.syn_queue = 129;
	in.q.syn_queue_max = 128;
	in.q.abort_on_overflow = 1;

	in.kind = TS_KIND_LISTEN_OVERFLOW;
	auto h = hint_for(in, k);
	CHECK(has(h, "accept queue of :80 full (129/128)"));
	CHECK(has(h, "listen backlog (now 128)"));
	CHECK(has(h, "net.core.somaxconn (now 128)"));
	CHECK(has(h, "tcp_abort_on_overflow=1 (clients get a RST)"));

	in.kind = TS_KIND_SYN_DROP;
	in.sub = TS_SYN_QUEUE_FULL;
	CHECK(has(hint_for(in, k), "tcp_syncookies=0"));
	in.sub = TS_SYN_LAST_QUARTER;
	CHECK(has(hint_for(in, k), "tcp_max_syn_backlog (now 256)"));
	in.sub = TS_SYN_ACCEPT_FULL;
	CHECK(has(hint_for(in, k), "accepts too slowly"));

	in.kind = TS_KIND_CONNTRACK;
	in.sub = TS_CTC_TABLE_FULL;
	CHECK(has(hint_for(in, k), "nf_conntrack_count 1000 of nf_conntrack_max 1000"));
	in.sub = TS_CTC_CONFIRM_FAILED;
	CHECK(has(hint_for(in, k), "nf_conntrack_buckets"));
	in.sub = TS_CTC_INSERT_FAILED;
	CHECK(has(hint_for(in, k), "insert_failed"));

	in.kind = TS_KIND_DROP;
	in.reason = "NETFILTER_DROP";
	CHECK(has(hint_for(in, k), "nft list ruleset"));
	in.reason = "SOMETHING_NEW";
	CHECK(hint_for(in, k).empty());
}

TEST_CASE("unknown knob values print as ?", "[unit]")
{
	HintInput in;
	in.kind = TS_KIND_CONNTRACK;
	in.sub = TS_CTC_TABLE_FULL;
	CHECK(has(hint_for(in, std::nullopt), "nf_conntrack_count ? of nf_conntrack_max ?"));
}
