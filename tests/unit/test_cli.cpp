// Every bad input gets one clear line, a hint and a non-zero exit: run the real binaries.
// Usage errors exit 2 (before any privilege check, so they hold for every user);
// runtime failures exit 1.
#include <catch2/catch_test_macros.hpp>
#include <algorithm>
#include <unistd.h>

#include "support/scenario.h"

using namespace tcpsight::test;

namespace {

struct Bad {
	std::vector<std::string> args;
	std::string message; // part of the error line
	std::string hint;    // start of the hint
};

void expect_error(const std::string& binary, const std::string& tool, const Bad& b, int code)
{
	auto r = run_command(binary, b.args);
	std::string cmd;
	for (const auto& a : b.args)
		cmd += " '" + a + "'";
	INFO(tool << cmd << "\nstderr: " << r.err);
	CHECK(r.exit_code == code);
	CHECK(r.out.empty());
	CHECK(r.err.rfind(tool + ": ", 0) == 0);
	CHECK(r.err.find(b.message) != std::string::npos);
	CHECK(r.err.find("\n  hint: " + b.hint) != std::string::npos);
	CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
}

const std::string kHelp = "see `";

// Bad invocations both commands share (their common flags).
std::vector<Bad> common_bad()
{
	return {
	    {{"--bogus"}, "--bogus", kHelp},
	    {{"-z"}, "-z", kHelp},
	    {{"--interval", "0"}, "--interval", kHelp},
	    {{"--interval", "-3"}, "--interval", kHelp},
	    {{"--interval", "1.5x"}, "--interval", kHelp},
	    {{"--interval", ""}, "--interval", kHelp},
	    {{"--interval"}, "--interval", kHelp},
	    {{"-i", "999999999"}, "--interval", kHelp},
	    {{"--duration", "-1"}, "--duration", kHelp},
	    {{"--duration", "0"}, "--duration", kHelp},
	    {{"--duration", "abc"}, "--duration", kHelp},
	    {{"-d", ""}, "--duration", kHelp},
	    {{"--attach", "uprobe"}, "--attach", kHelp},
	    {{"--attach", ""}, "--attach", kHelp},
	    {{"--attach", "FENTRY"}, "--attach", kHelp},
	    {{"--attach"}, "--attach", kHelp},
	    {{"--top", "x"}, "--top", kHelp},
	    {{"--top", "-1"}, "--top", kHelp},
	    {{"--top", "100001"}, "--top", kHelp},
	    {{"--netns", ""}, "--netns: needs a value", kHelp},
	    {{"--netns"}, "--netns", kHelp},
	    {{"--netns", "/nonexistent/ns"}, "--netns /nonexistent/ns: No such file or directory", "give a path"},
	    {{"--netns", "/etc/hostname"}, "is not a network namespace", "give a path"},
	    {{"--netns", "/"}, "is not a network namespace", "give a path"},
	    {{"--netns", "0"}, "--netns inode 0 is out of range", "inodes look like"},
	    {{"--netns", "99999999999"}, "--netns 99999999999: No such file or directory", "give a path"},
	    {{"--netns", "a", "--netns", "b"}, "--netns", kHelp},
	    {{"--probes", "--check"}, "--probes excludes --check", kHelp},
	    {{"--check", "--probes"}, "excludes", kHelp},
	    {{"-4", "-6"}, "--ipv4 excludes --ipv6", kHelp},
	    {{"--ipv6", "--ipv4"}, "excludes", kHelp},
	    {{"--top"}, "--top", kHelp},
	    {{"extra"}, "extra", kHelp},
	};
}

std::vector<Bad> tcpdrops_bad()
{
	auto v = common_bad();
	for (Bad b : std::vector<Bad>{
		 {{"--port", "0"}, "--port", kHelp},
		 {{"--port", "70000"}, "--port", kHelp},
		 {{"--port", "http"}, "--port", kHelp},
		 {{"--port", ""}, "--port", kHelp},
		 {{"--port", "80,0"}, "--port", kHelp},
		 {{"--port", "80,-1"}, "--port", kHelp},
		 {{"-p"}, "--port", kHelp},
		 {{"--kinds", "nope"}, "unknown kind 'nope'", "kinds are: retrans,"},
		 {{"--kinds", ""}, "--kinds: needs a value", kHelp},
		 {{"--kinds", "drop,nope"}, "unknown kind 'nope'", "kinds are: retrans,"},
		 {{"-k", "drop", "-k", "DROP"}, "unknown kind 'DROP'", "kinds are: retrans,"},
		 {{"--accept-wait", "-5"}, "--accept-wait", kHelp},
		 {{"--accept-wait", "x"}, "--accept-wait", kHelp},
		 {{"--accept-wait"}, "--accept-wait", kHelp},
	     })
		v.push_back(b);
	std::vector<std::string> many = {"--port"};
	std::string list;
	for (int p = 1; p <= 65; p++)
		list += (p > 1 ? "," : "") + std::to_string(1000 + p);
	many.push_back(list);
	v.push_back({many, "--port lists 65 ports; at most 64", "watch fewer ports"});
	return v;
}

std::vector<Bad> portcontend_bad()
{
	auto v = common_bad();
	for (Bad b : std::vector<Bad>{
		 {{"--dport", "0"}, "--dport", kHelp},
		 {{"--dport", "65536"}, "--dport", kHelp},
		 {{"--dport", "x"}, "--dport", kHelp},
		 {{"--dport", ""}, "--dport", kHelp},
		 {{"--daddr", "not-an-address"}, "'not-an-address' is not an IPv4 or IPv6 address", "give --daddr as"},
		 {{"--daddr", ""}, "--daddr: needs a value", kHelp},
		 {{"--daddr", "10.0.0.256"}, "is not an IPv4 or IPv6 address", "give --daddr as"},
		 {{"--daddr", "fd00::1::2"}, "is not an IPv4 or IPv6 address", "give --daddr as"},
		 {{"--pid", "0"}, "--pid", kHelp},
		 {{"--pid", "-1"}, "--pid", kHelp},
		 {{"--pid", "abc"}, "--pid", kHelp},
		 {{"--events", "--interval", "1"}, "--interval excludes --events", kHelp},
		 {{"--kinds", "drop"}, "--kinds", kHelp},
	     })
		v.push_back(b);
	return v;
}

std::vector<Bad> exporter_bad()
{
	return {
	    {{"--bogus"}, "--bogus", kHelp},
	    {{"--web.listen-address", ""}, "--web.listen-address: needs a value", kHelp},
	    {{"--web.listen-address", "localhost"}, "--web.listen-address 'localhost' is not host:port", "e.g. 127.0.0.1:19347"},
	    {{"--web.listen-address", "127.0.0.1:"}, "is not host:port", "e.g."},
	    {{"--web.listen-address", "127.0.0.1:0"}, "is not host:port", "e.g."},
	    {{"--web.listen-address", "127.0.0.1:65536"}, "is not host:port", "e.g."},
	    {{"--web.listen-address", "127.0.0.1:http"}, "is not host:port", "e.g."},
	    {{"--web.listen-address", "::1:19347"}, "is not host:port", "e.g."},
	    {{"--kinds", "nope"}, "unknown kind 'nope'", "kinds are: retrans,"},
	    {{"--kinds", ""}, "--kinds: needs a value", kHelp},
	    {{"--port", "0"}, "--port", kHelp},
	    {{"--port", "80,x"}, "--port", kHelp},
	    {{"--max-series", "-1"}, "--max-series", kHelp},
	    {{"--max-series", "x"}, "--max-series", kHelp},
	    {{"--collect.interval", "0"}, "--collect.interval", kHelp},
	    {{"--collect.interval", "x"}, "--collect.interval", kHelp},
	    {{"--netns", "/etc/hostname"}, "is not a network namespace", "give a path"},
	    {{"--netns", ""}, "--netns: needs a value", kHelp},
	    {{"--attach", "uprobe"}, "--attach", kHelp},
	    {{"--probes", "--check"}, "--probes excludes --check", kHelp},
	    {{"--interval", "1"}, "--interval", kHelp},
	    {{"extra"}, "extra", kHelp},
	};
}

} // namespace

TEST_CASE("tcpsight-exporter: every usage error is one line, a hint, exit 2", "[unit]")
{
	for (const auto& b : exporter_bad())
		expect_error(exporter_binary(), "tcpsight-exporter", b, 2);
}

TEST_CASE("tcpdrops: every usage error is one line, a hint, exit 2", "[unit]")
{
	auto bad = tcpdrops_bad();
	REQUIRE(bad.size() >= 40);
	for (const auto& b : bad)
		expect_error(tcpdrops_binary(), "tcpdrops", b, 2);
}

TEST_CASE("portcontend: every usage error is one line, a hint, exit 2", "[unit]")
{
	auto bad = portcontend_bad();
	REQUIRE(bad.size() >= 40);
	for (const auto& b : bad)
		expect_error(portcontend_binary(), "portcontend", b, 2);
}

TEST_CASE("help goes to stdout with examples, exit 0", "[unit]")
{
	for (const auto& bin : {tcpdrops_binary(), portcontend_binary()}) {
		auto r = run_command(bin, {"--help"});
		CHECK(r.exit_code == 0);
		CHECK(r.out.find("EXAMPLES:") != std::string::npos);
		CHECK(r.out.find("--netns") != std::string::npos);
	}
}

TEST_CASE("runtime failures: one line, a hint, exit 1", "[unit]")
{
	// Without privileges (setpriv drops root for the child when we have it).
	std::vector<std::string> args = {"--reuid=65534", "--regid=65534", "--clear-groups", tcpdrops_binary()};
	auto r = geteuid() == 0 ? run_command("/usr/bin/setpriv", args) : run_command(tcpdrops_binary(), {});
	CHECK(r.exit_code == 1);
	CHECK(r.err.find("tcpdrops: needs root privileges or these capabilities to load BPF programs: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN missing") != std::string::npos);
	CHECK(r.err.find("  hint: run with sudo") != std::string::npos);
	// A valid command line is checked before the privileges: this one gets as far.
	args.push_back("--kinds");
	args.push_back("drop");
	r = geteuid() == 0 ? run_command("/usr/bin/setpriv", args) : run_command(tcpdrops_binary(), {"--kinds", "drop"});
	CHECK(r.exit_code == 1);
}
