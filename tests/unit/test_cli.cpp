// Every bad input gets one clear line, a hint and a non-zero exit: run the real binary.
#include <catch2/catch_test_macros.hpp>
#include <algorithm>
#include <unistd.h>

#include "support/scenario.h"

using namespace tcpsight::test;

static void expect_error(const std::vector<std::string>& args, int code, const std::string& message,
			 const std::string& hint)
{
	auto r = run_command(tcpdrops_binary(), args);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == code);
	CHECK(r.out.empty());
	CHECK(r.err.rfind("tcpdrops: ", 0) == 0);
	CHECK(r.err.find(message) != std::string::npos);
	CHECK(r.err.find("  hint: " + hint) != std::string::npos);
	CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
}

TEST_CASE("flag errors: one line, a hint, exit 2", "[unit]")
{
	expect_error({"--bogus"}, 2, "--bogus", "see `tcpdrops --help`");
	expect_error({"--port", "0"}, 2, "--port", "see `tcpdrops --help`");
	expect_error({"--port", "70000"}, 2, "--port", "see `tcpdrops --help`");
	expect_error({"--interval", "0"}, 2, "--interval", "see `tcpdrops --help`");
	expect_error({"--duration", "-1"}, 2, "--duration", "see `tcpdrops --help`");
	expect_error({"--attach", "uprobe"}, 2, "--attach", "see `tcpdrops --help`");
	expect_error({"--top", "x"}, 2, "--top", "see `tcpdrops --help`");
}

TEST_CASE("help goes to stdout with examples, exit 0", "[unit]")
{
	auto r = run_command(tcpdrops_binary(), {"--help"});
	CHECK(r.exit_code == 0);
	CHECK(r.out.find("EXAMPLES:") != std::string::npos);
	CHECK(r.out.find("--netns") != std::string::npos);
}

TEST_CASE("semantic errors: one line, a hint, exit 1", "[unit]")
{
	if (geteuid() != 0) {
		expect_error({}, 1, "needs root privileges", "run with sudo");
		return;
	}
	expect_error({"--kinds", "nope"}, 1, "unknown kind 'nope'", "kinds are: retrans,");
	expect_error({"--netns", "/nonexistent/ns"}, 1, "cannot open netns /nonexistent/ns", "give a path");
	expect_error({"--netns", "/etc/hostname"}, 1, "is not a network namespace", "give a path");
	expect_error({"--netns", "0"}, 1, "out of range", "inodes look like");
	// The same binary without privileges (setpriv drops root for the child).
	auto r = run_command("/usr/bin/setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups", tcpdrops_binary()});
	CHECK(r.exit_code == 1);
	CHECK(r.err.find("tcpdrops: needs root privileges") != std::string::npos);
	CHECK(r.err.find("  hint: run with sudo") != std::string::npos);
}
