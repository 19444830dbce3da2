#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <string>
#include <unistd.h>

#include "output/output.h"
#include "support/json_lines.h"
#include "support/unit_fixtures.h"

using namespace tcpsight;

TEST_CASE("JSON quoting escapes control and non-ASCII bytes", "[unit]")
{
	CHECK(json_quote("plain") == "\"plain\"");
	CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
	CHECK(json_quote("tab\tnl\n") == "\"tab\\tnl\\n\"");
	CHECK(json_quote(std::string("\x01\x7f\xff", 3)) == "\"\\u0001\\u007f\\u00ff\"");
	CHECK(json_quote(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
}

TEST_CASE("JSON lines round-trip through a parser, types preserved", "[unit]")
{
	Record r;
	r.set("kind", "drop").set("lport", (uint16_t)80).set("err", -5).set("flag", true).set("odd", std::string("\xe9\"", 2));
	std::string line = json_line(r);
	CHECK(line.back() == '\n');
	CHECK(line.find("\"lport\":80") != std::string::npos);
	CHECK(line.find("\"err\":-5") != std::string::npos);
	CHECK(line.find("\"flag\":true") != std::string::npos);
	auto j = test::parse_json_object(line.substr(0, line.size() - 1));
	REQUIRE(j);
	CHECK(test::str(*j, "odd") == std::string("\xe9\"", 2));
	CHECK_FALSE(j->at("lport").is_string);
}

TEST_CASE("Record::set replaces a field in place", "[unit]")
{
	Record r;
	r.set("a", 1).set("b", 2).set("a", 3);
	REQUIRE(r.fields().size() == 2);
	CHECK(r.fields()[0].first == "a");
	CHECK(to_text(r.fields()[0].second) == "3");
}

static std::string render(const std::function<void(Output&)>& f, bool json) { return test::render(json, f); }

TEST_CASE("text output: header, aligned columns, detail and one hint per key", "[unit]")
{
	Record r;
	r.set("ts", "2026-11-21T06:02:09.000001Z").set("kind", "listen-overflow").set("source", "tracepoint")
	    .set("netns", 4026532246u).set("family", "ipv4").set("laddr", "127.0.0.1").set("lport", 17002)
	    .set("raddr", "::1").set("rport", 5).set("state", "LISTEN").set("reason", "TCP_LISTEN_OVERFLOW")
	    .set("accept_queue", 2).set("comm", std::string("a\x01" "b")).set("hint", "raise backlog");
	std::string s = render([&](Output& o) { o.header(); o.event(r); o.event(r); }, false);
	CHECK(s.rfind("TIME     KIND", 0) == 0);
	CHECK(s.find("06:02:09 listen-overflow") != std::string::npos);
	CHECK(s.find("127.0.0.1:17002") != std::string::npos);
	CHECK(s.find("[::1]:5") != std::string::npos);
	CHECK(s.find("accept_queue=2 comm=a?b") != std::string::npos);
	size_t first = s.find("hint: raise backlog");
	REQUIRE(first != std::string::npos);
	CHECK(s.find("hint: raise backlog", first + 1) == std::string::npos);
}

TEST_CASE("summary output: interval line with losses, then rows", "[unit]")
{
	Record row;
	row.set("kind", "syn-drop").set("reason", "syn_queue_full").set("netns", 7).set("lport", 80).set("count", 12)
	    .set("source", "counter").set("hint", "h");
	IntervalInfo info{0, 1.0, 12, {3, 1}};
	std::string text = render([&](Output& o) { o.summary(info, {row}); }, false);
	CHECK(text.find("events 12  lost 3 (summary keys 1)") != std::string::npos);
	CHECK(text.find("syn-drop") != std::string::npos);
	std::string json = render([&](Output& o) { o.summary(info, {row}); }, true);
	auto lines = test::parse_json_lines(json);
	REQUIRE(lines.size() == 2);
	CHECK(test::str(lines[0], "kind") == "interval");
	CHECK(test::num(lines[0], "lost") == 3);
	CHECK(test::num(lines[0], "lost_summary_keys") == 1);
	CHECK(test::num(lines[1], "count") == 12);
	CHECK(test::num(lines[0], "missed") == 0);
	std::string empty = render([&](Output& o) { o.summary(info, {}); }, false);
	CHECK(empty.find("(nothing to report)") != std::string::npos);

	// Runs the kernel skipped are shown only when there were some.
	IntervalInfo skipped{0, 1.0, 12, {3, 1, 2}};
	CHECK(render([&](Output& o) { o.summary(skipped, {}); }, false).find("lost 3 (summary keys 1, runs missed 2)") !=
	      std::string::npos);
	auto j = test::parse_json_lines(render([&](Output& o) { o.summary(skipped, {}); }, true));
	REQUIRE(j.size() == 1);
	CHECK(test::num(j[0], "missed") == 2);
	auto l = test::parse_json_lines(render([&](Output& o) { o.lost(0, {0, 0, 5}); }, true));
	REQUIRE(l.size() == 1);
	CHECK(test::str(l[0], "kind") == "lost");
	CHECK(test::num(l[0], "lost") == 0);
	CHECK(test::num(l[0], "missed") == 5);
}

TEST_CASE("a closed stdout surfaces as OutputClosed", "[unit]")
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	FILE* w = fdopen(p[1], "w");
	auto out = make_json_output(w);
	Record r;
	r.set("kind", "drop");
	out->event(r);
	try { // handed to the writer thread, which meets EPIPE, maybe before this returns
		out->flush();
	} catch (const OutputClosed&) {
	}
	out->finish(5000); // returns once the writer has met it (bounds only a failure)
	CHECK_THROWS_AS(out->flush(), OutputClosed);
	fclose(w);
}
