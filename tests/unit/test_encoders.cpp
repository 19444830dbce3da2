// The event path's encoders (JsonSink, TextSink) against the reference rendering of the
// same event's Record (json_line, TextOutput::event): byte for byte, for every kind and
// source, with and without hints, winners, call sites, errors and odd bytes in names.
#include <arpa/inet.h>
#include <bpf/btf.h>
#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>

#include "core/btf_enums.h"
#include "core/clock.h"
#include "decode/event_encoder.h"
#include "output/event_sinks.h"
#include "output/output.h"
#include "support/unit_fixtures.h"

using namespace tcpsight;

namespace {

// The fake kernel's BTF, read into names.
struct Names {
	test::FakeKernel kernel;
	std::unique_ptr<EnumNames> names = std::make_unique<EnumNames>(kernel.btf);
};

DecodeContext context(const EnumNames* names)
{
	DecodeContext ctx;
	ctx.names = names;
	ctx.clock = WallClock(1'763'700'000'000'000'000LL);
	ctx.symbolize = [](uint64_t a) { return a == 0xffffffff81000100ULL ? std::string("nf_hook_slow+0x4c") : std::string(); };
	ctx.knobs = [](uint32_t) {
		NetnsKnobs k;
		k.somaxconn = 4096;
		k.nf_conntrack_max = 65536;
		k.nf_conntrack_count = 65536;
		k.tcp_abort_on_overflow = 0;
		k.tcp_synack_retries = 5;
		k.tcp_syncookies = 1;
		k.tcp_max_syn_backlog = 256;
		return std::optional<NetnsKnobs>(k);
	};
	return ctx;
}

std::vector<ts_event> every_kind()
{
	std::vector<ts_event> evs;
	for (uint8_t kind = TS_KIND_RETRANS; kind < TS_KIND_MAX; kind++)
		for (uint8_t src : {TS_SRC_FENTRY, TS_SRC_KPROBE, TS_SRC_TRACEPOINT}) {
			ts_event e{};
			e.ts_ns = 123'456'789'012ULL;
			e.netns = 4026532246u;
			e.kind = kind;
			e.source = src;
			e.t.family = AF_INET;
			e.t.state = kind == TS_KIND_LISTEN_OVERFLOW ? 10 : 1;
			e.t.lport = 17002;
			e.t.rport = 50982;
			inet_pton(AF_INET, "127.0.0.1", e.t.laddr);
			inet_pton(AF_INET, "10.0.0.9", e.t.raddr);
			switch (kind) {
			case TS_KIND_RETRANS:
				e.d.rtx = {7, 1200, 10, src == TS_SRC_FENTRY ? -11 : 0, TS_RTX_RTO, {}, src == TS_SRC_KPROBE ? 2u : 0u};
				break;
			case TS_KIND_CONNTRACK:
				e.d.ct.cause = src == TS_SRC_FENTRY ? TS_CTC_INSERT_FAILED : TS_CTC_TABLE_FULL;
				e.d.ct.entry = TS_CT_UNCONFIRMED;
				e.d.ct.zone = 3;
				e.reason = 12;
				e.location = 0xffffffff81000100ULL;
				if (src == TS_SRC_FENTRY) {
					e.d.ct.has_winner = 1;
					e.d.ct.winner.family = AF_INET;
					e.d.ct.winner.lport = 5555;
					e.d.ct.winner.rport = 17020;
					inet_pton(AF_INET, "127.0.0.2", e.d.ct.winner.laddr);
					inet_pton(AF_INET, "127.0.0.1", e.d.ct.winner.raddr);
				}
				break;
			case TS_KIND_SLOW_ACCEPT:
				e.d.acc = {3, 16, 750'000'000ULL, 4242, 0};
				break;
			case TS_KIND_DROP:
				e.reason = src == TS_SRC_KPROBE ? 99 /* unknown to BTF */ : 3;
				e.location = src == TS_SRC_FENTRY ? 0xffffffff81000100ULL : 0xdead;
				e.t.family = AF_INET6;
				inet_pton(AF_INET6, "::1", e.t.laddr);
				inet_pton(AF_INET6, "fe80::1", e.t.raddr);
				e.t.state = 0;
				break;
			default: // the queue kinds
				e.d.q = {2, 1, 5, 128, 3, 1, 0, TS_SYN_QUEUE_FULL, 0};
				e.reason = 40;
			}
			evs.push_back(e);
		}
	return evs;
}

} // namespace

TEST_CASE("event encoders: byte-identical to the Record rendering, every kind and source", "[unit]")
{
	Names n;
	for (const EnumNames* names : {(const EnumNames*)n.names.get(), (const EnumNames*)nullptr}) {
		DecodeContext ctx = context(names);
		auto evs = every_kind();
		for (bool json : {true, false}) {
			std::string reference = test::render(json, [&](Output& o) {
				for (const auto& e : evs)
					o.event(decode_event(e, ctx));
			});
			EventEncoder enc(ctx);
			std::string fast = test::render(json, [&](Output& o) {
				for (const auto& e : evs)
					o.event(e, enc);
			});
			INFO((json ? "json" : "text") << (names ? " with BTF names" : " without names"));
			CHECK(fast == reference);
			CHECK(std::count(fast.begin(), fast.end(), '\n') >= (long)evs.size());
		}
	}
}

TEST_CASE("event encoders: JSON of one event pinned", "[unit]")
{
	Names n;
	DecodeContext ctx = context(n.names.get());
	ts_event e = every_kind()[3 * (TS_KIND_LISTEN_OVERFLOW - 1) + 2]; // tracepoint
	EventEncoder enc(ctx);
	std::vector<char> buf(OutStream::kRecordMax);
	Cursor c{buf.data()};
	JsonSink sink(c);
	enc.encode(e, sink);
	std::string out(buf.data(), c.p);
	INFO(out);
	CHECK(out.rfind("{\"ts\":\"2025-11-21T04:42:03.456789Z\",\"kind\":\"listen-overflow\",\"source\":\"tracepoint\","
			"\"netns\":4026532246,\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":17002,"
			"\"raddr\":\"10.0.0.9\",\"rport\":50982,\"state\":\"LISTEN\",\"reason\":\"TCP_LISTEN_OVERFLOW\","
			"\"accept_queue\":2,\"accept_queue_max\":1,\"syn_queue\":5,\"syn_queue_max\":128,"
			"\"abort_on_overflow\":true,\"syncookies\":0,\"hint\":",
			0) == 0);
	CHECK(out.back() == '\n');
}

TEST_CASE("JSON strings: the fast escaper matches json_quote on every byte", "[unit]")
{
	std::string all;
	for (int c = 0; c < 256; c++)
		all += (char)c;
	for (const std::string& s : {all, std::string("plain"), std::string(), std::string("\"\\\n")}) {
		char buf[8192];
		Cursor c{buf};
		put_json_string(c, s);
		CHECK(std::string(buf, c.p) == json_quote(s));
	}
}

TEST_CASE("JSON strings and printable text: one odd byte anywhere, every length the 16-byte steps split", "[unit]")
{
	// The fast paths test whole 16-byte steps, the last step again from the end, and
	// strings shorter than a step through a padded copy: each length and position.
	for (size_t len = 0; len <= 40; len++)
		for (size_t at = 0; at <= len; at++)
			for (char odd : {'"', '\\', '\n', '\x7f', '\x80', '\x1f', '\xff'}) {
				std::string s(len, 'x');
				if (at < len)
					s[at] = odd;
				char buf[512];
				Cursor c{buf};
				put_json_string(c, s);
				CHECK(std::string(buf, c.p) == json_quote(s));
				Cursor t{buf};
				put_printable(t, s);
				CHECK(std::string(buf, t.p) == printable(s));
			}
}

TEST_CASE("event time text: the per-second cache gives what rfc3339() gives", "[unit]")
{
	TimeText t;
	for (int64_t ns : {0LL, 1000LL, 999999999LL, 1763700123000000000LL, 1763700123000001000LL,
			   1763700123456789123LL, 1763700123999999999LL, 1763700124000000000LL, 1763700124090807000LL})
		CHECK(std::string(t.rfc3339(ns)) == rfc3339(ns));
}
