#include <arpa/inet.h>
#include <bpf/btf.h>
#include <catch2/catch_test_macros.hpp>
#include <cstring>

#include "decode/event_decoder.h"
#include "support/json_lines.h"
#include "support/unit_fixtures.h"
#include "output/output.h"

using namespace tcpsight;
using tcpsight::test::FakeKernel;

namespace {

ts_event base_event(uint8_t kind)
{
	ts_event e{};
	e.ts_ns = 1'000'000'000ULL;
	e.netns = 4026532246u;
	e.kind = kind;
	e.source = TS_SRC_TRACEPOINT;
	e.t.family = AF_INET;
	e.t.lport = 17002;
	e.t.rport = 50982;
	inet_pton(AF_INET, "127.0.0.1", e.t.laddr);
	inet_pton(AF_INET, "10.0.0.9", e.t.raddr);
	return e;
}

test::JsonObject roundtrip(const Record& r) { return *test::parse_json_object(json_line(r)); }

NetnsKnobs knobs()
{
	NetnsKnobs k;
	k.somaxconn = 4096;
	k.nf_conntrack_max = 65536;
	k.nf_conntrack_count = 65536;
	k.tcp_abort_on_overflow = 0;
	k.tcp_synack_retries = 5;
	return k;
}

DecodeContext context(const EnumNames& names)
{
	DecodeContext ctx;
	ctx.names = &names;
	ctx.clock = WallClock(1'700'000'000'000'000'000LL - 1'000'000'000LL);
	ctx.knobs = [](uint32_t) { return std::optional<NetnsKnobs>(knobs()); };
	ctx.symbolize = [](uint64_t a) { return a == 0xffffffff81000010ULL ? std::string("tcp_v4_rcv+0x10") : ""; };
	return ctx;
}

} // namespace

TEST_CASE("listen-overflow decodes with queue numbers, reason name and hint", "[unit]")
{
	FakeKernel k;
	EnumNames names(k.btf);
	auto e = base_event(TS_KIND_LISTEN_OVERFLOW);
	e.reason = 40;
	e.location = 0xffffffff81000010ULL;
	e.t.state = 10;
	e.d.q = {2, 1, 1, 1, 0, 0, 1, 0, 0};
	auto j = roundtrip(decode_event(e, context(names)));
	CHECK(test::str(j, "ts") == "2023-11-14T22:13:20.000000Z");
	CHECK(test::str(j, "kind") == "listen-overflow");
	CHECK(test::str(j, "source") == "tracepoint");
	CHECK(test::num(j, "netns") == 4026532246LL);
	CHECK(test::str(j, "family") == "ipv4");
	CHECK(test::str(j, "laddr") == "127.0.0.1");
	CHECK(test::num(j, "lport") == 17002);
	CHECK(test::str(j, "raddr") == "10.0.0.9");
	CHECK(test::num(j, "rport") == 50982);
	CHECK(test::str(j, "state") == "LISTEN");
	CHECK(test::str(j, "reason") == "TCP_LISTEN_OVERFLOW");
	CHECK(test::num(j, "accept_queue") == 2);
	CHECK(test::num(j, "accept_queue_max") == 1);
	CHECK(test::num(j, "syn_queue") == 1);
	CHECK(test::str(j, "abort_on_overflow") == "false");
	CHECK(test::str(j, "location") == "tcp_v4_rcv+0x10");
	CHECK(test::str(j, "hint").find("net.core.somaxconn (now 4096)") != std::string::npos);
	CHECK(test::str(j, "hint").find("listen backlog (now 1)") != std::string::npos);
}

TEST_CASE("retrans decodes its kind and socket numbers", "[unit]")
{
	FakeKernel k;
	EnumNames names(k.btf);
	auto e = base_event(TS_KIND_RETRANS);
	e.t.state = 1;
	e.d.rtx = {3, 125, 10, 0, TS_RTX_RTO, {}, 0};
	auto j = roundtrip(decode_event(e, context(names)));
	CHECK(test::str(j, "reason") == "rto");
	CHECK(test::str(j, "retrans_kind") == "rto");
	CHECK(test::str(j, "state") == "ESTABLISHED");
	CHECK(test::num(j, "total_retrans") == 3);
	CHECK(test::num(j, "srtt_us") == 125);
	CHECK(test::num(j, "cwnd") == 10);
	CHECK_FALSE(test::has(j, "err"));
	e.d.rtx.err = -1;
	CHECK(test::num(roundtrip(decode_event(e, context(names))), "err") == -1);
}

TEST_CASE("conntrack decodes table full with the netns counts", "[unit]")
{
	FakeKernel k;
	EnumNames names(k.btf);
	auto e = base_event(TS_KIND_CONNTRACK);
	e.reason = 12;
	e.d.ct.entry = TS_CT_NO_ENTRY;
	e.d.ct.cause = TS_CTC_TABLE_FULL;
	auto j = roundtrip(decode_event(e, context(names)));
	CHECK(test::str(j, "reason") == "NETFILTER_DROP");
	CHECK(test::str(j, "ct_cause") == "table_full");
	CHECK(test::str(j, "ct_entry") == "none");
	CHECK(test::num(j, "ct_count") == 65536);
	CHECK(test::num(j, "ct_max") == 65536);
	CHECK(test::str(j, "hint").find("nf_conntrack_max 65536") != std::string::npos);
	CHECK_FALSE(test::has(j, "ct_winner_saddr"));
	e.d.ct.entry = TS_CT_UNCONFIRMED;
	e.d.ct.cause = TS_CTC_INSERT_FAILED;
	e.d.ct.has_winner = 1;
	e.d.ct.winner.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", e.d.ct.winner.laddr);
	inet_pton(AF_INET, "127.0.0.1", e.d.ct.winner.raddr);
	e.d.ct.winner.lport = 5555;
	e.d.ct.winner.rport = 17020;
	auto w = roundtrip(decode_event(e, context(names)));
	CHECK(test::str(w, "ct_cause") == "insert_failed");
	CHECK(test::str(w, "ct_winner_saddr") == "127.0.0.2");
	CHECK(test::num(w, "ct_winner_sport") == 5555);
	CHECK(test::str(w, "ct_winner_daddr") == "127.0.0.1");
	CHECK(test::num(w, "ct_winner_dport") == 17020);
	e.d.ct.cause = TS_CTC_ALLOC_FAILED;
	CHECK(test::str(roundtrip(decode_event(e, context(names))), "hint").find("memory") != std::string::npos);
}

TEST_CASE("drop with an unknown reason number and IPv6 addresses", "[unit]")
{
	FakeKernel k;
	EnumNames names(k.btf);
	auto e = base_event(TS_KIND_DROP);
	e.reason = 999;
	e.t.family = AF_INET6;
	inet_pton(AF_INET6, "::1", e.t.laddr);
	inet_pton(AF_INET6, "::ffff:10.0.0.1", e.t.raddr);
	auto j = roundtrip(decode_event(e, context(names)));
	CHECK(test::str(j, "reason") == "reason_999");
	CHECK(test::str(j, "family") == "ipv6");
	CHECK(test::str(j, "laddr") == "::1");
	CHECK(test::str(j, "raddr") == "::ffff:10.0.0.1");
	CHECK(test::str(j, "state") == "-");
	CHECK_FALSE(test::has(j, "hint"));
	e.reason = 3;
	CHECK(test::str(roundtrip(decode_event(e, context(names))), "hint").find("no socket") != std::string::npos);
}

TEST_CASE("a short ring-buffer sample is rejected", "[unit]")
{
	char buf[sizeof(ts_event) - 1] = {};
	CHECK_FALSE(event_from_sample(buf, sizeof(buf)).has_value());
	ts_event e = base_event(TS_KIND_DROP);
	CHECK(event_from_sample(&e, sizeof(e)).has_value());
}

TEST_CASE("summary rows carry count, folded ports and hints", "[unit]")
{
	FakeKernel k;
	EnumNames names(k.btf);
	SummaryRow row;
	row.kind = TS_KIND_SYN_DROP;
	row.sub = TS_SYN_QUEUE_FULL;
	row.netns = 7;
	row.lport = 17003;
	row.source = TS_SRC_COUNTER;
	row.count = 2;
	row.has_queues = true;
	row.q.syn_queue = 2;
	row.q.syn_queue_max = 1;
	row.q.accept_queue_max = 1;
	auto j = roundtrip(decode_summary_row(row, 0, context(names)));
	CHECK(test::str(j, "kind") == "syn-drop");
	CHECK(test::str(j, "source") == "counter");
	CHECK(test::str(j, "reason") == "syn_queue_full");
	CHECK(test::num(j, "count") == 2);
	CHECK(test::num(j, "syn_queue") == 2);
	CHECK(test::str(j, "hint").find("SYN queue of :17003 full (2/1)") != std::string::npos);
	row.kind = TS_KIND_RETRANS;
	row.ephemeral = true;
	row.lport = 0;
	row.has_queues = false;
	auto r = roundtrip(decode_summary_row(row, 0, context(names)));
	CHECK(test::str(r, "lport") == "ephemeral");
}
