// portcontend on the running kernel (tracepoint rung on the 6.18 host) and in guests
// (fentry, then kprobe): kernel-hooks.md §5 E4's TIME_WAIT cases, exhaustion by live
// connections, a bound port, IPv6, and summary counts against the kernel's counters.
#include <arpa/inet.h>
#include <catch2/catch_test_macros.hpp>
#include <cstdlib>
#include <ctime>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/iter_tcp_hazard.h"
#include "core/netns.h"
#include "support/scenario.h"
#include "support/tcp_scenarios.h"

using namespace tcpsight::test;

namespace {

bool sees_search() { return expected_source() != "tracepoint"; }

std::vector<JsonObject> of(const std::vector<JsonObject>& evs, const std::string& kind)
{
	return of_kind(evs, kind);
}

// Up to 6.13 "too young" is judged in whole seconds (ktime_get_seconds() >
// tw_ts_recent_stamp): start the pile-up right after a second begins so that the
// young case stays young however slow the machine (guests run under emulation).
void at_start_of_a_second()
{
	timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	sleep_ms((int)((1000000000L - ts.tv_nsec) / 1000000) + 20);
}

void time_wait_case(int reuse, int timestamps, int wait_ms, bool expect_ok, const std::string& reason)
{
	require_root();
	for (int attempt = 1;; attempt++) {
		TestNetns ns("tw" + std::to_string(reuse) + std::to_string(timestamps) + std::to_string(wait_ms));
		ToolRun tool(portcontend_binary(), tool_args(ns, {"--events", "--dport", "17060"}));
		// Both TIME_WAIT sockets in one second: the second connect must not find the first
		// already old enough to recycle (up to 6.13 ages are whole seconds).
		TimeWaitPileUp pile(ns, reuse, timestamps, at_start_of_a_second);
		if (!pile.holds_both_ports() && attempt < 3) {
			// The scenario, not the tool: a slow guest crossed a second between the two
			// connects and the kernel recycled the first socket. Set it up again.
			WARN("attempt " << attempt << ": the pile-up's second connect recycled the first's port "
					<< pile.ports[0] << "; again");
			continue;
		}
		REQUIRE(pile.holds_both_ports());
		sleep_ms(wait_ms);
		auto before = ns.counters();
		int fd = pile.third_connect();
		sleep_ms(300);
		auto after = ns.counters();
		auto evs = tool.stop();
		if (fd >= 0)
			close(fd);
		REQUIRE(tool.exit_code() == 0);

		// Without tcp_tw_reuse_delay (before ~6.14) "too young" means "stamped in the
		// current second": a slow machine can cross a boundary, and then the kernel does
		// reuse. The tool must then report exactly that decision.
		if (reason == "too_recent" && fd >= 0 && access("/proc/sys/net/ipv4/tcp_tw_reuse_delay", F_OK) != 0) {
			WARN("the kernel reused the TIME_WAIT socket: its age is compared in whole seconds here");
			expect_ok = true;
		}
		CHECK((fd >= 0) == expect_ok);
		CHECK((long long)counter_delta(before, after, "TcpExt.TWRecycled") == (expect_ok ? 1 : 0));
		auto connects = of(evs, "connect");
		REQUIRE(connects.size() == 3); // the two that made the TIME_WAIT sockets, then ours
		for (size_t i = 0; i < 2; i++)
			CHECK(str(connects[i], "result") == "ok");
		const auto& c = connects[2];
		CHECK(str(c, "source") == expected_source());
		CHECK(str(c, "result") == (expect_ok ? "ok" : "EADDRNOTAVAIL"));
		CHECK(str(c, "raddr") == "127.0.0.1");
		CHECK(num(c, "rport") == 17060);
		CHECK(num(c, "netns") == ns.inode());
		if (expect_ok)
			CHECK(num(c, "lport") == 40000);
		if (!sees_search())
			return;
		// fentry/kprobe: the exact decision for each probed port, and why; only ours
		// (the pile-up's second connect met the first TIME_WAIT socket too).
		std::vector<JsonObject> decisions;
		for (const auto& d : of(evs, "tw-decision"))
			if (str(d, "ts") > str(connects[1], "ts"))
				decisions.push_back(d);
		if (expect_ok) {
			CHECK(num(c, "tw_reused") == 1);
			REQUIRE(decisions.size() >= 1);
			CHECK(str(decisions.back(), "reason") == "reused");
		} else {
			CHECK(num(c, "probes") == 2);
			CHECK(num(c, "tw_rejected") == 2);
			CHECK(num(c, "tw_rejected_" + reason) == 2);
			CHECK(num(c, "est_conflicts") == 0);
			REQUIRE(decisions.size() == 2);
			for (const auto& d : decisions) {
				CHECK(str(d, "reason") == reason);
				CHECK(str(d, "source") == expected_source());
				CHECK(num(d, "rport") == 17060);
			}
		}
		return;
	}
}

} // namespace

TEST_CASE("TIME_WAIT with tcp_tw_reuse=0: rejected, EADDRNOTAVAIL", "[host][portcontend]")
{
	time_wait_case(0, 1, 0, false, "reuse_off");
}

TEST_CASE("TIME_WAIT with tcp_tw_reuse=2 on loopback, too young: EADDRNOTAVAIL", "[host][portcontend]")
{
	time_wait_case(2, 1, 0, false, "too_recent");
}

TEST_CASE("TIME_WAIT with tcp_tw_reuse=2 on loopback after the delay: reused", "[host][portcontend]")
{
	time_wait_case(2, 1, 1200, true, "");
}

TEST_CASE("TIME_WAIT with tcp_tw_reuse=1 and no timestamps: EADDRNOTAVAIL", "[host][portcontend]")
{
	time_wait_case(1, 0, 1200, false, "no_timestamps");
}

TEST_CASE("exhaustion by live connections: every port probed, then EADDRNOTAVAIL", "[host][portcontend]")
{
	require_root();
	TestNetns ns("exh");
	ns.exec("sysctl -qw net.ipv4.ip_local_port_range='40000 40003'");
	int lfd = ns.listen_tcp("127.0.0.1", 17061, 16);
	std::vector<int> held;
	for (int i = 0; i < 4; i++) {
		int fd = ns.connect_blocking("127.0.0.1", 17061, 2000);
		REQUIRE(fd >= 0);
		held.push_back(fd);
	}
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--events"}));
	int fd = ns.connect_blocking("127.0.0.1", 17061, 2000);
	sleep_ms(300);
	auto connects = of(tool.stop(), "connect");
	CHECK(fd == -EADDRNOTAVAIL);
	REQUIRE(connects.size() == 1);
	CHECK(str(connects[0], "result") == "EADDRNOTAVAIL");
	CHECK(num(connects[0], "rport") == 17061);
	if (sees_search()) {
		CHECK(num(connects[0], "probes") == 4); // the whole range
		CHECK(num(connects[0], "est_conflicts") == 4);
		CHECK(num(connects[0], "tw_rejected") == 0);
	}
	for (int h : held)
		close(h);
	close(lfd);
}

TEST_CASE("connect from a port bound with bind()", "[host][portcontend]")
{
	require_root();
	TestNetns ns("bound");
	int lfd = ns.listen_tcp("127.0.0.1", 17062, 16);
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--events"}));
	int fd = ns.connect_nonblocking("127.0.0.1", 17062, 40500);
	sleep_ms(300);
	auto connects = of(tool.stop(), "connect");
	close(fd);
	close(lfd);
	REQUIRE(connects.size() == 1);
	CHECK(str(connects[0], "result") == "ok");
	CHECK(num(connects[0], "lport") == 40500);
	if (sees_search())
		CHECK(str(connects[0], "bound") == "true");
}

TEST_CASE("an IPv6 destination", "[host][portcontend]")
{
	require_root();
	TestNetns ns("v6");
	int lfd;
	{
		tcpsight::ScopedNetns in(ns.path());
		lfd = socket(AF_INET6, SOCK_STREAM, 0);
		sockaddr_in6 a{};
		a.sin6_family = AF_INET6;
		a.sin6_port = htons(17063);
		a.sin6_addr = in6addr_loopback;
		REQUIRE(bind(lfd, (sockaddr*)&a, sizeof(a)) == 0);
		REQUIRE(listen(lfd, 16) == 0);
	}
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--events", "-6"}));
	int fd;
	{
		tcpsight::ScopedNetns in(ns.path());
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		sockaddr_in6 a{};
		a.sin6_family = AF_INET6;
		a.sin6_port = htons(17063);
		a.sin6_addr = in6addr_loopback;
		REQUIRE(connect(fd, (sockaddr*)&a, sizeof(a)) == 0);
	}
	sleep_ms(300);
	auto connects = of(tool.stop(), "connect");
	close(fd);
	close(lfd);
	REQUIRE(connects.size() == 1);
	CHECK(str(connects[0], "family") == "ipv6");
	CHECK(str(connects[0], "raddr") == "::1");
	CHECK(num(connects[0], "rport") == 17063);
	CHECK(str(connects[0], "result") == "ok");
	// A port nobody uses is taken without a 4-tuple check: nothing was probed.
	if (sees_search())
		CHECK(num(connects[0], "probes") == 0);
}

TEST_CASE("portcontend summary counts match TWRecycled and failed connects", "[host][portcontend][summary]")
{
	require_root();
	TestNetns ns("pcsum");
	TimeWaitPileUp pile(ns, 0, 1);
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--interval", "1"}));
	auto before = ns.counters();
	int failed = pile.third_connect(); // reuse=0: EADDRNOTAVAIL
	ns.exec("sysctl -qw net.ipv4.tcp_tw_reuse=1");
	sleep_ms(1200);
	int ok = pile.third_connect(); // old enough now: a TIME_WAIT socket is recycled
	sleep_ms(1500);
	auto after = ns.counters();
	auto rows = tool.stop();
	CHECK(failed == -EADDRNOTAVAIL);
	REQUIRE(ok >= 0);
	close(ok);

	long long connects = 0, eaddr = 0, recycled = 0, reused = 0;
	for (const auto& r : of(rows, "destination")) {
		CHECK(str(r, "daddr") == "127.0.0.1");
		CHECK(num(r, "dport") == 17060);
		CHECK(str(r, "source") == expected_source());
		CHECK(num(r, "port_range") == 2);
		connects += num(r, "connects");
		eaddr += num(r, "eaddrnotavail");
		recycled += num(r, "tw_recycled_netns");
		if (sees_search())
			reused += num(r, "tw_reused");
	}
	CHECK(connects == 2);
	CHECK(eaddr == 1);
	CHECK(recycled == (long long)counter_delta(before, after, "TcpExt.TWRecycled"));
	CHECK(recycled == 1);
	if (sees_search())
		CHECK(reused == 1);
	for (const auto& i : of(rows, "interval"))
		CHECK(num(i, "lost") == 0);
}

TEST_CASE("iter/tcp is not used on a kernel with CVE-2026-74714 unless accepted", "[host][portcontend][census]")
{
	require_root();
	struct utsname u;
	REQUIRE(uname(&u) == 0);
	auto hazard = tcpsight::iter_tcp_hazard(u.release, u.version); // which kernels: the unit test
	std::string safe = sh_out("env -u TCPSIGHT_ITER_TCP " + portcontend_binary() + " --probes 2>&1");
	std::string accepted = sh_out("TCPSIGHT_ITER_TCP=1 " + portcontend_binary() + " --probes 2>&1");
	INFO(safe);
	auto census_rung = [](const std::string& probes) {
		auto at = probes.find("\nport-census ");
		return at == std::string::npos ? std::string("?") : probes.substr(at + 20, 10);
	};
	CHECK(census_rung(accepted).rfind("iter", 0) == 0);
	if (hazard) {
		CHECK(census_rung(safe).rfind("none", 0) == 0);
		CHECK(safe.find("tried iter tcp: " + *hazard) != std::string::npos);
	} else {
		CHECK(census_rung(safe).rfind("iter", 0) == 0);
		CHECK(safe.find("CVE-2026-74714") == std::string::npos);
	}
}
