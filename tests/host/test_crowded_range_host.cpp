// The seed's last cause (issue 12): connect() crawling through a half-full port range
// with no error at all. A loopback connect/close churn into ip_local_port_range
// 10000-65535 with tcp_tw_reuse=0 until TIME_WAIT fills the half connect() scans first:
// portcontend's rows show the search cost rising and the hint names the fill and the
// knob; with tcp_tw_reuse=1 the same load raises no hint. No timing is asserted beyond
// the cost growing tenfold (from tens of microseconds to milliseconds).
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "core/netns.h"
#include "support/scenario.h"

using namespace tcpsight::test;

namespace {

constexpr uint16_t kPort = 17091; // odd: outside the even half connect() scans first
constexpr long kHalf = 27768; // (65535 - 10000 + 1) / 2: the ports connect() tries first

// Non-blocking connects to 127.0.0.1:kPort, each closed by the client first (so the
// client's port goes to TIME_WAIT) once the server has it; the server reads to EOF and
// closes. `count` of them, then more for `then_ms` (a load's length, not a timing
// assertion: enough intervals of the slow phase). Returns how many it made.
long churn(const TestNetns& ns, long count, int then_ms)
{
	tcpsight::ScopedNetns in(ns.path());
	int lfd = ns.listen_tcp("127.0.0.1", kPort, 4096);
	std::thread server([lfd] {
		for (;;) {
			int c = accept(lfd, nullptr, nullptr);
			if (c < 0)
				return;
			char b[16];
			while (read(c, b, sizeof(b)) > 0) {
			}
			close(c);
		}
	});
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(kPort);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	long i = 0;
	auto until = std::chrono::steady_clock::time_point::max();
	for (;; i++) {
		if (i == count)
			until = std::chrono::steady_clock::now() + std::chrono::milliseconds(then_ms);
		if (i >= count && std::chrono::steady_clock::now() >= until)
			break;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fd, (sockaddr*)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		pollfd p{fd, POLLOUT, 0};
		poll(&p, 1, bound_ms(2000));
		close(fd);
	}
	shutdown(lfd, SHUT_RDWR); // wakes the server's accept()
	server.join();
	close(lfd);
	return i;
}

void wide_range(const TestNetns& ns, int reuse)
{
	ns.exec("sysctl -qw net.ipv4.ip_local_port_range='10000 65535' net.ipv4.tcp_tw_reuse=" + std::to_string(reuse) +
		" net.ipv4.tcp_max_tw_buckets=262144");
}

std::vector<JsonObject> destination_rows(const std::vector<JsonObject>& rows)
{
	std::vector<JsonObject> out;
	for (const auto& r : of_kind(rows, "destination"))
		if (num(r, "dport") == kPort)
			out.push_back(r);
	return out;
}

} // namespace

TEST_CASE("crowded range: search cost, half-range fill and tcp_tw_reuse named before any failure",
	  "[host][portcontend][crowded]")
{
	require_root();
	TestNetns ns("crowd");
	wide_range(ns, 0);
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--interval", "1", "--dport", std::to_string(kPort)}));
	churn(ns, kHalf, 3500); // the half, then connects that each walk all of it
	// One more, left open, so the next interval has a row whose census sees the same
	// TIME_WAIT sockets `ss` counts below.
	int lfd = ns.listen_tcp("127.0.0.1", kPort, 16);
	int last = ns.connect_blocking("127.0.0.1", kPort, bound_ms(2000));
	REQUIRE(last >= 0);
	sleep_ms(1500);
	auto rows = destination_rows(tool.stop());
	long tw = std::stol(sh_out("ip netns exec " + ns.name() + " ss -Htan state time-wait dst 127.0.0.1:" +
				   std::to_string(kPort) + " | wc -l"));
	close(last);
	close(lfd);

	REQUIRE(rows.size() >= 3);
	INFO("TIME_WAIT per ss: " << tw);
	long long eaddr = 0;
	for (const auto& r : rows)
		eaddr += num(r, "eaddrnotavail");
	CHECK(eaddr == 0); // no error at all: the whole point
	const auto& first = rows.front();
	const auto& slow = rows[rows.size() - 2]; // the churn's last full interval
	const auto& final_row = rows.back();
	REQUIRE(has(first, "search_us_mean"));
	REQUIRE(has(slow, "search_us_mean"));
	INFO("first " << num(first, "search_us_mean") << " us, slow " << num(slow, "search_us_mean") << " us");
	CHECK(num(slow, "search_us_mean") > 10 * std::max(1LL, num(first, "search_us_mean")));
	CHECK(num(final_row, "port_range") == 55536);
	CHECK(num(final_row, "held_tw") == tw);
	CHECK(num(final_row, "held_tw_first_half") == kHalf); // every port of the first half
	REQUIRE(has(final_row, "hint"));
	std::string hint = str(final_row, "hint");
	INFO(hint);
	CHECK(hint.find("connect() to 127.0.0.1:" + std::to_string(kPort) + " spends ") != std::string::npos);
	CHECK(hint.find(std::to_string(tw) + " TIME_WAIT sockets toward it hold 27768 of the 27768 ports connect() tries first") !=
	      std::string::npos);
	CHECK(hint.find("tcp_tw_reuse=0: set it to 1") != std::string::npos);
	CHECK(hint.find("widen") == std::string::npos); // the range is wide already
}

TEST_CASE("crowded range: with tcp_tw_reuse=1 the same load raises no hint", "[host][portcontend][crowded]")
{
	require_root();
	TestNetns ns("nocrowd");
	wide_range(ns, 1);
	ToolRun tool(portcontend_binary(), tool_args(ns, {"--interval", "1", "--dport", std::to_string(kPort)}));
	long made = churn(ns, kHalf, 3500);
	sleep_ms(1200);
	auto rows = destination_rows(tool.stop());
	REQUIRE(!rows.empty());
	long long connects = 0;
	for (const auto& r : rows) {
		connects += num(r, "connects");
		CHECK(num(r, "eaddrnotavail") == 0);
		CHECK_FALSE(has(r, "hint"));
	}
	CHECK(connects == made);
}
