#include <arpa/inet.h>
#include <catch2/catch_test_macros.hpp>
#include <unistd.h>

#include "output/output.h"
#include "portcontend/decode.h"
#include "portcontend/dest_summary.h"
#include "portcontend/hints.h"
#include "support/json_lines.h"
#include "support/scenario.h"

using namespace tcpsight;

namespace {

test::JsonObject roundtrip(const Record& r) { return *test::parse_json_object(json_line(r)); }

DecodeContext context()
{
	DecodeContext ctx;
	ctx.clock = WallClock(0);
	ctx.knobs = [](uint32_t) {
		NetnsKnobs k;
		k.tcp_tw_reuse = 0;
		k.tcp_timestamps = 1;
		k.port_range_low = 40000;
		k.port_range_high = 40001;
		return std::optional<NetnsKnobs>(k);
	};
	return ctx;
}

pc_event connect_event(uint8_t source)
{
	pc_event e{};
	e.kind = PC_KIND_CONNECT;
	e.source = source;
	e.result = PC_EADDRNOTAVAIL;
	e.err = -99;
	e.netns = 7;
	e.pid = 42;
	memcpy(e.comm, "php-fpm\0\0\0\0\0\0\0\0\0", 16);
	e.t.family = AF_INET;
	e.t.rport = 9000;
	inet_pton(AF_INET, "10.0.0.2", e.t.raddr);
	e.search_ns = 15000;
	e.c.probes = 2;
	e.c.tw_rejected[PC_TW_REUSE_OFF] = 2;
	return e;
}

} // namespace

TEST_CASE("a connect's search decodes with its TIME_WAIT rejections by reason", "[unit]")
{
	auto j = roundtrip(decode_pc_event(connect_event(TS_SRC_FENTRY), context()));
	CHECK(test::str(j, "kind") == "connect");
	CHECK(test::str(j, "result") == "EADDRNOTAVAIL");
	CHECK(test::str(j, "reason") == "EADDRNOTAVAIL");
	CHECK(test::num(j, "err") == -99);
	CHECK(test::str(j, "comm") == "php-fpm");
	CHECK(test::num(j, "pid") == 42);
	CHECK(test::str(j, "raddr") == "10.0.0.2");
	CHECK(test::num(j, "probes") == 2);
	CHECK(test::num(j, "search_us") == 15);
	CHECK(test::num(j, "tw_rejected") == 2);
	CHECK(test::num(j, "tw_rejected_reuse_off") == 2);
	CHECK_FALSE(test::has(j, "tw_rejected_too_recent"));
	// The tracepoint rung sees no search: no invented zeros.
	auto t = roundtrip(decode_pc_event(connect_event(TS_SRC_TRACEPOINT), context()));
	CHECK_FALSE(test::has(t, "probes"));
	CHECK_FALSE(test::has(t, "tw_rejected"));
}

TEST_CASE("a TIME_WAIT decision decodes with its reason", "[unit]")
{
	pc_event e = connect_event(TS_SRC_KPROBE);
	e.kind = PC_KIND_TW_DECISION;
	e.tw_reason = PC_TW_NOT_LOOPBACK;
	e.t.lport = 40001;
	auto j = roundtrip(decode_pc_event(e, context()));
	CHECK(test::str(j, "kind") == "tw-decision");
	CHECK(test::str(j, "reason") == "not_loopback");
	CHECK(test::num(j, "lport") == 40001);
	CHECK_FALSE(test::has(j, "result"));
	char small[8] = {};
	CHECK_FALSE(pc_event_from_sample(small, sizeof(small)).has_value());
}

TEST_CASE("search time p99 from the log2 histogram", "[unit]")
{
	__u64 h[PC_HIST_BUCKETS] = {};
	CHECK(hist_quantile_us(h, PC_HIST_BUCKETS, 0.99) == 0);
	h[0] = 98; // < 2 µs
	h[4] = 2;  // 16-31 µs
	CHECK(hist_quantile_us(h, PC_HIST_BUCKETS, 0.5) == 1);
	CHECK(hist_quantile_us(h, PC_HIST_BUCKETS, 0.99) == 31);
}

TEST_CASE("destination rows are interval deltas, most starved first", "[unit]")
{
	pc_dest_key a{}, b{};
	a.netns = b.netns = 1;
	a.dport = 9000;
	b.dport = 3306;
	pc_dest_val va{}, vb{};
	va.connects = 10;
	va.eaddrnotavail = 1;
	va.probes_sum = 40;
	vb.connects = 100;
	DestDiffer d;
	auto first = d.diff({{a, va}, {b, vb}});
	rank_destinations(first, 0);
	REQUIRE(first.size() == 2);
	CHECK(first[0].key.dport == 9000); // EADDRNOTAVAIL ranks first
	va.connects = 15;
	va.probes_sum = 60;
	auto second = d.diff({{a, va}, {b, vb}});
	REQUIRE(second.size() == 1);
	CHECK(second[0].d.connects == 5);
	CHECK(second[0].d.probes_sum == 20);
	CHECK(second[0].d.eaddrnotavail == 0);
}

TEST_CASE("port hints name the cause and the knobs", "[unit]")
{
	DestRow r;
	r.key.family = AF_INET;
	r.key.dport = 9000;
	r.d.connects = 10;
	r.d.eaddrnotavail = 3;
	r.d.probes_sum = 20;
	r.d.tw_rejected[PC_TW_REUSE_OFF] = 20;
	auto k = context().knobs(0);
	std::string h = port_hint(r, "10.0.0.2", k);
	CHECK(h.find("2-port range exhausted toward 10.0.0.2:9000") != std::string::npos);
	CHECK(h.find("100% of probes hit TIME_WAIT") != std::string::npos);
	CHECK(h.find("tcp_tw_reuse=0") != std::string::npos);
	CHECK(h.find("enable tcp_tw_reuse (1)") != std::string::npos);
	r.d.tw_rejected[PC_TW_REUSE_OFF] = 0;
	r.d.tw_rejected[PC_TW_NO_TIMESTAMPS] = 20;
	CHECK(port_hint(r, "10.0.0.2", k).find("no TCP timestamps (tcp_timestamps=1)") != std::string::npos);
	r.d.tw_rejected[PC_TW_NO_TIMESTAMPS] = 0;
	r.d.est_conflicts = 20;
	CHECK(port_hint(r, "10.0.0.2", k).find("too many concurrent connections") != std::string::npos);
	DestRow calm;
	calm.d.connects = 100;
	calm.d.probes_sum = 100;
	CHECK(port_hint(calm, "10.0.0.2", k).empty());
}

TEST_CASE("a crowded half-range is named in the interval the collapse begins in", "[unit]")
{
	DestRow r;
	r.key.family = AF_INET;
	r.key.dport = 9000;
	r.d.connects = r.d.searches = r.d.ok = 3553;
	r.d.search_ns_sum = 3553ULL * 424000; // mean 424 us: fast connects, then slow ones
	r.d.search_hist[4] = 3400;            // 16-31 us
	r.d.search_hist[12] = 153;            // 4-8 ms
	r.held_tw = 28198;
	NetnsKnobs k;
	k.port_range_low = 10000;
	k.port_range_high = 65535;
	k.tcp_tw_reuse = 0;
	r.held_tw_first = 27767; // one port of the half still free: not yet
	CHECK(port_hint(r, "127.0.0.1", k).empty());
	r.held_tw_first = 27768;
	std::string h = port_hint(r, "127.0.0.1", k);
	INFO(h);
	CHECK(h.rfind("connect() to 127.0.0.1:9000 spends 424 us choosing a port: 28198 TIME_WAIT sockets toward it hold "
		      "27768 of the 27768 ports connect() tries first",
		      0) == 0);
	CHECK(h.find("tcp_tw_reuse=0: set it to 1") != std::string::npos);
	k.tcp_tw_reuse = 1; // TIME_WAIT recyclable: a slow tail alone is noise, the mean decides
	CHECK(port_hint(r, "127.0.0.1", k).empty());
	k.tcp_tw_reuse = 2; // recycled on loopback only
	CHECK(port_hint(r, "127.0.0.1", k).empty());
	CHECK(!port_hint(r, "10.0.0.2", k).empty());
	// Recyclable TIME_WAIT: one straggler's 10.6 ms search is not a crowd; ten are.
	DestRow one = r;
	one.d.connects = one.d.searches = one.d.ok = 1;
	one.d.search_ns_sum = 10641370;
	k.tcp_tw_reuse = 1;
	CHECK(port_hint(one, "127.0.0.1", k).empty());
	one.d.connects = one.d.searches = one.d.ok = 10;
	one.d.search_ns_sum = 10 * 10641370ULL;
	CHECK(port_hint(one, "127.0.0.1", k).find("spends 10.6 ms choosing a port") != std::string::npos);
	k.tcp_tw_reuse = 0; // where it cannot be recycled, one such connect is enough
	one.d.connects = one.d.searches = one.d.ok = 1;
	one.d.search_ns_sum = 10641370;
	CHECK(port_hint(one, "127.0.0.1", k).find("spends 10.6 ms choosing a port") != std::string::npos);
	// A connect() that walked the whole half and met one socket in the other half (seen
	// on 5.10 guests) is the crowded half still, not an exhausted range; three quarters is.
	DestRow walked;
	walked.key = r.key;
	walked.d.connects = walked.d.searches = walked.d.ok = 1;
	walked.d.probes_sum = 27769;
	walked.d.tw_rejected[PC_TW_REUSE_OFF] = 27769;
	walked.d.search_ns_sum = 135404000;
	walked.held_tw = 27799;
	walked.held_tw_first = 27768;
	CHECK(port_hint(walked, "127.0.0.1", k).rfind("connect() to 127.0.0.1:9000 spends 135.4 ms choosing a port: 27799 "
						      "TIME_WAIT sockets toward it hold 27768 of the 27768",
						      0) == 0);
	walked.d.probes_sum = walked.d.tw_rejected[PC_TW_REUSE_OFF] = 41700; // past 3/4 of 55,536
	CHECK(port_hint(walked, "127.0.0.1", k).rfind("55536-port range exhausted toward 127.0.0.1:9000", 0) == 0);
	r.d.search_hist[12] = 0; // the half full but every search fast: quiet
	r.d.search_hist[4] = 3553;
	CHECK(port_hint(r, "127.0.0.1", k).empty());
}

TEST_CASE("portcontend flag errors: one line, a hint, exit 2", "[unit]")
{
	for (auto args : {std::vector<std::string>{"--dport", "0"}, std::vector<std::string>{"--pid", "-3"},
			  std::vector<std::string>{"--events", "--nope"}}) {
		auto r = test::run_command(test::portcontend_binary(), args);
		CHECK(r.exit_code == 2);
		CHECK(r.err.rfind("portcontend: ", 0) == 0);
		CHECK(r.err.find("  hint: see `portcontend --help`") != std::string::npos);
	}
	{
		auto r = test::run_command(test::portcontend_binary(), {"--daddr", "not-an-address"});
		CHECK(r.exit_code == 2);
		CHECK(r.err == "portcontend: 'not-an-address' is not an IPv4 or IPv6 address\n  hint: give --daddr as 10.0.0.2 or fd00::2\n");
	}
}
