// tcpdrops on the running kernel: each scenario provokes one cause in a throwaway netns
// (recipes from shared/reference/kernel-hooks.md §5), then asserts the exact events
// from `tcpdrops --json` and that their number equals the kernel's own counter.
#include <sstream>
#include <bpf/btf.h>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cstdlib>
#include <optional>
#include <algorithm>
#include <netinet/in.h>
#include <csignal>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/boot_cache.h"
#include "core/btf_enums.h"
#include "core/kallsyms.h"
#include "support/scenario.h"
#include "support/tcp_scenarios.h"

using namespace tcpsight::test;

namespace {

// Per-kernel exceptions, set by the guest runs (tests/vm/CMakeLists.txt) from what each
// kernel allows: TCPSIGHT_EXPECT_RUNGS="retrans=tracepoint,listen-overflow=kprobe".
std::optional<std::string> expected_override(const std::string& kind)
{
	const char* env = std::getenv("TCPSIGHT_EXPECT_RUNGS");
	std::string list = env ? env : "";
	std::string key = kind + "=";
	for (size_t at = 0; at < list.size();) {
		size_t end = list.find(',', at);
		std::string item = list.substr(at, end == std::string::npos ? std::string::npos : end - at);
		if (item.rfind(key, 0) == 0)
			return item.substr(key.size());
		at = end == std::string::npos ? list.size() : end + 1;
	}
	return std::nullopt;
}

// Kinds whose only rung is a tracepoint keep it everywhere; syn-drop's tracepoint-era
// rung is the counter.
std::string source_for(const std::string& kind)
{
	if (auto o = expected_override(kind))
		return *o == "iter" ? "counter" : *o;
	if (kind == "synack-retrans" || kind == "drop")
		return "tracepoint";
	if (kind == "syn-drop" && expected_source() == "tracepoint")
		return "counter";
	return expected_source();
}

// The reason a final-ACK overflow carries on this kernel: TCP_LISTEN_OVERFLOW from 6.15,
// NOT_SPECIFIED from 5.17 (the overflow is then recognised from rx_sk, 6.11+, or by the
// fentry/kprobe rung), and before 5.17, with no enum at all, "unspecified".
std::string listen_overflow_reason()
{
	struct btf* b = btf__load_vmlinux_btf();
	tcpsight::EnumNames names(b);
	btf__free(b);
	if (!names.has_drop_reasons())
		return "unspecified";
	return names.drop_reason_value("TCP_LISTEN_OVERFLOW") ? "TCP_LISTEN_OVERFLOW" : "NOT_SPECIFIED";
}


void require_ports(const std::vector<JsonObject>& evs, const char* field, long long port)
{
	for (const auto& e : evs) {
		INFO("event lport=" << str(e, "lport") << " rport=" << str(e, "rport"));
		REQUIRE(num(e, field) == port);
	}
}

} // namespace

TEST_CASE("retransmits: TLP then RTOs, one event per TcpRetransSegs", "[host][retrans]")
{
	require_root();
	TestNetns ns("rtx");
	int lfd = ns.listen_tcp("127.0.0.1", 17001, 16);
	int cfd = ns.connect_blocking("127.0.0.1", 17001, 2000);
	REQUIRE(cfd >= 0);
	int afd = accept(lfd, nullptr, nullptr);
	REQUIRE(afd >= 0);

	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "retrans"}));
	auto before = ns.counters();
	// The server's ACKs never leave: the client's data is retransmitted.
	ns.exec("nft add table ip t; nft add chain ip t out '{type filter hook output priority 0;}'; "
		"nft add rule ip t out tcp sport 17001 drop");
	char data[100] = {};
	REQUIRE(send(cfd, data, sizeof(data), 0) == (ssize_t)sizeof(data));
	sleep_ms(1500);
	abort_close(cfd);
	auto after = ns.counters();
	auto evs = of_kind(tool.stop(), "retrans");
	REQUIRE(tool.exit_code() == 0);

	REQUIRE(evs.size() >= 2);
	REQUIRE((long long)evs.size() == (long long)counter_delta(before, after, "Tcp.RetransSegs"));
	require_ports(evs, "rport", 17001);
	CHECK(str(evs[0], "retrans_kind") == "tlp");
	for (size_t i = 0; i < evs.size(); i++) {
		CHECK(str(evs[i], "source") == source_for("retrans"));
		CHECK(str(evs[i], "state") == "ESTABLISHED");
		CHECK(num(evs[i], "total_retrans") == (long long)i + 1);
		if (i > 0)
			CHECK(str(evs[i], "retrans_kind") == "rto");
	}
	close(afd);
	close(lfd);
}

static void listen_overflow_scenario(bool abort_on_overflow)
{
	require_root();
	TestNetns ns(abort_on_overflow ? "lo-abort" : "lo");
	if (abort_on_overflow)
		ns.exec("sysctl -qw net.ipv4.tcp_abort_on_overflow=1");
	FinalAckOverflow scenario(ns, 17002);
	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "listen-overflow"}));
	auto before = ns.counters();
	scenario.provoke(1200);
	auto after = ns.counters();
	auto evs = of_kind(tool.stop(), "listen-overflow");

	REQUIRE(!evs.empty());
	// About one overflow in 150-600 is reported by no BPF program on the 6.18 host: the
	// tool counts those from ListenOverflows and says so, and the two together are exactly
	// the kernel's count. Looked at with ftrace, bpftrace and bpf_stats in three such runs:
	// one RTO retransmission's overflow (+0.4 or +0.8 s) and the retransmission itself both
	// reach their tracepoints (ftrace shows them, in a softirq on top of PID 1's tokio
	// thread), bpftrace misses both, and our kfree_skb program's run_cnt does not move,
	// with no run counted as skipped. The warning prints the counters and events.
	long long unreported = unreported_overflows(tool.stderr_text());
	std::ostringstream diag;
	for (const char* c : {"TcpExt.ListenOverflows", "TcpExt.TCPLossProbes", "TcpExt.TCPTimeouts", "TcpExt.ListenDrops",
			      "TcpExt.SyncookiesSent", "TcpExt.SyncookiesRecv", "TcpExt.SyncookiesFailed",
			      "TcpExt.TCPReqQFullDrop", "TcpExt.TCPReqQFullDoCookies", "Tcp.RetransSegs", "Tcp.OutSegs"})
		diag << c << " +" << counter_delta(before, after, c) << "\n";
	for (const auto& e : evs)
		diag << "event at " << e.at("ts").text << " sport " << num(e, "rport") << "\n";
	diag << "tool stderr: " << tool.stderr_text();
	INFO(diag.str());
	if (unreported)
		WARN(unreported << " listen overflow(s) counted by the kernel reached no hook\n" << diag.str());
	require_seen_all((long long)evs.size() + unreported,
			 (long long)counter_delta(before, after, "TcpExt.ListenOverflows"), tool_losses(tool));
	for (const auto& e : evs) {
		CHECK(str(e, "source") == source_for("listen-overflow"));
		CHECK(num(e, "lport") == 17002);
		CHECK(str(e, "reason") == listen_overflow_reason());
		CHECK(str(e, "state") == "LISTEN");
		CHECK(num(e, "accept_queue") == 2);
		CHECK(num(e, "accept_queue_max") == 1);
		CHECK(str(e, "abort_on_overflow") == (abort_on_overflow ? "true" : "false"));
		CHECK(str(e, "hint").find("net.core.somaxconn (now 4096)") != std::string::npos);
	}
}

TEST_CASE("listen overflow at the final ACK", "[host][listen-overflow]") { listen_overflow_scenario(false); }

TEST_CASE("listen overflow with tcp_abort_on_overflow=1", "[host][listen-overflow]") { listen_overflow_scenario(true); }

static void syn_queue_scenario(int syncookies)
{
	require_root();
	TestNetns ns("synq" + std::to_string(syncookies));
	ns.exec("sysctl -qw net.ipv4.tcp_syncookies=" + std::to_string(syncookies));
	int lfd = ns.listen_tcp("127.0.0.1", 17003, 1);
	ns.exec(fmt(kDropPureAcksTo, 17003)); // requests stay in the SYN queue

	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "syn-drop"}));
	auto before = ns.counters();
	std::vector<int> clients;
	for (int i = 0; i < 3; i++)
		clients.push_back(ns.connect_nonblocking("127.0.0.1", 17003));
	sleep_ms(2300); // the first SYN retransmit (1 s) is refused too; the next is at 3 s
	close_all(clients);
	auto after = ns.counters();
	auto evs = of_kind(tool.stop(), "syn-drop");

	std::string cause = syncookies ? "cookie_sent" : "syn_queue_full";
	std::string counter = syncookies ? "TcpExt.TCPReqQFullDoCookies" : "TcpExt.TCPReqQFullDrop";
	long long expected = (long long)counter_delta(before, after, counter);
	REQUIRE(expected > 0);
	REQUIRE(sum_count(evs) == expected);
	for (const auto& e : evs) {
		CHECK(str(e, "source") == source_for("syn-drop"));
		CHECK(str(e, "reason") == cause);
		CHECK(num(e, "lport") == 17003);
		CHECK(num(e, "syn_queue") == 2);
		CHECK(num(e, "syn_queue_max") == 1);
		CHECK(num(e, "syncookies") == syncookies);
	}
	close(lfd);
}

TEST_CASE("SYN queue full with syncookies off: SYNs dropped", "[host][syn-drop]") { syn_queue_scenario(0); }

TEST_CASE("SYN queue full with syncookies on: cookies sent", "[host][syn-drop]") { syn_queue_scenario(1); }

// tcpdrops with `kinds` while SYNs are refused at a full accept queue on `port`: what
// it printed and said, and how many overflows the kernel counted meanwhile.
struct RefusedSynsRun {
	std::vector<JsonObject> out;
	std::string err;
	long long counted;
	uint32_t netns;
};

static RefusedSynsRun refused_syns_run(const std::string& tag, uint16_t port, const std::string& kinds,
				       std::vector<std::string> extra = {})
{
	TestNetns ns(tag);
	FullAcceptQueue full(ns, port);
	extra.insert(extra.begin(), {"--kinds", kinds});
	ToolRun tool(tcpdrops_binary(), tool_args(ns, extra));
	auto before = ns.counters();
	full.refuse_syns();
	auto after = ns.counters();
	auto out = tool.stop();
	return {out, tool.stderr_text(), (long long)counter_delta(before, after, "TcpExt.ListenOverflows"), ns.inode()};
}

TEST_CASE("accept queue full at SYN time: SYNs dropped", "[host][syn-drop]")
{
	require_root();
	auto run = refused_syns_run("accq", 17004, "syn-drop,listen-overflow");
	auto evs = of_kind(run.out, "syn-drop");
	REQUIRE(run.counted >= 1);
	REQUIRE(sum_count(evs) == run.counted);
	CHECK(of_kind(run.out, "listen-overflow").empty()); // no final ACK was involved
	for (const auto& e : evs) {
		CHECK(str(e, "source") == source_for("syn-drop"));
		CHECK(str(e, "reason") == "accept_queue_full");
		CHECK(num(e, "lport") == 17004);
		CHECK(num(e, "accept_queue") == 1);
		CHECK(num(e, "accept_queue_max") == 0);
	}
}

TEST_CASE("listen overflows no hook reports are counted from ListenOverflows, per netns", "[host][listen-overflow]")
{
	require_root();
	// Without syn-drop nothing traces a SYN refused at a full accept queue, yet
	// ListenOverflows counts it: the tool must say so, not fall short in silence.
	// The same in summary mode, where the summary map holds what the hooks reported.
	auto mode = GENERATE(as<std::string>{}, "events", "summary");
	auto run = refused_syns_run("lo-audit", 17005, "listen-overflow",
				    mode == "summary" ? std::vector<std::string>{"--interval", "1"} : std::vector<std::string>{});
	INFO(mode << "\n" << run.err);
	REQUIRE(run.counted >= 1);
	CHECK(of_kind(run.out, "listen-overflow").empty()); // no final ACK was involved
	CHECK(unreported_overflows(run.err) == run.counted);
	CHECK(run.err.find(" listen overflows in netns " + std::to_string(run.netns) + " were counted") !=
	      std::string::npos);
	// And the JSON record, last, for consumers that read only stdout.
	auto recs = of_kind(run.out, "unreported");
	REQUIRE(recs.size() == 1);
	CHECK(str(recs[0], "of") == "listen-overflow");
	CHECK(str(recs[0], "counter") == "TcpExt.ListenOverflows");
	CHECK(num(recs[0], "netns") == run.netns);
	CHECK(num(recs[0], "count") == run.counted);
	CHECK(str(run.out.back(), "kind") == "unreported");
}

TEST_CASE("listen overflow audit: not with a filter the counter cannot be split by", "[host][listen-overflow]")
{
	require_root();
	// ListenOverflows counts every port: with --port the refused SYNs on another port
	// are none of the tool's business, and must not be called unreported.
	auto run = refused_syns_run("lo-audit-port", 17006, "listen-overflow", {"--port", "17007"});
	INFO(run.err);
	REQUIRE(run.counted >= 1);
	CHECK(unreported_overflows(run.err) == 0);
	CHECK(of_kind(run.out, "unreported").empty());
}

TEST_CASE("conntrack insert failure: the SYN clashes with an existing reply tuple", "[host][conntrack]")
{
	require_root();
	TestNetns ns("ctclash");
	enable_conntrack(ns);
	ns.exec("conntrack -I -p tcp -s 127.0.0.2 -d 127.0.0.1 --sport 5555 --dport 17020 --reply-src 127.0.0.1 "
		"--reply-dst 127.0.0.1 --reply-port-src 17020 --reply-port-dst 40100 --state ESTABLISHED -t 120 "
		">/dev/null 2>&1");
	int lfd = ns.listen_tcp("127.0.0.1", 17020, 16);

	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "conntrack"}));
	auto before = ns.counters();
	std::vector<int> clients = {ns.connect_nonblocking("127.0.0.1", 17020, 40100)};
	sleep_ms(1500);
	close_all(clients);
	auto after = ns.counters();
	auto evs = of_kind(tool.stop(), "conntrack");

	long long expected = (long long)counter_delta(before, after, "Conntrack.insert_failed");
	REQUIRE(expected >= 1);
	require_seen_all((long long)evs.size(), expected, tool_losses(tool));
	for (const auto& e : evs) {
		CHECK(str(e, "source") == source_for("conntrack"));
		CHECK(str(e, "reason") == drop_reason_or_site("NETFILTER_DROP", "nf_hook_slow"));
		CHECK(str(e, "ct_cause") == "insert_failed");
		CHECK(str(e, "ct_entry") == "unconfirmed");
		CHECK(num(e, "lport") == 40100);
		CHECK(num(e, "rport") == 17020);
		// Where nf_ct_resolve_clash can be hooked, the entry that won is named too.
		if (source_for("conntrack-clash") != "none" && source_for("conntrack") != "tracepoint") {
			CHECK(str(e, "ct_winner_saddr") == "127.0.0.2");
			CHECK(num(e, "ct_winner_sport") == 5555);
			CHECK(str(e, "ct_winner_daddr") == "127.0.0.1");
			CHECK(num(e, "ct_winner_dport") == 17020);
		}
	}
	close(lfd);
}

TEST_CASE("conntrack table full: new flows refused", "[host][conntrack]")
{
	require_root();
	TestNetns ns("ctfull");
	enable_conntrack(ns);
	int lfd = ns.listen_tcp("127.0.0.1", 17021, 64);
	std::vector<int> held;
	{
		ConntrackMaxGuard guard(4);
		for (int i = 0; i < 4; i++) {
			int fd = ns.connect_blocking("127.0.0.1", 17021, 2000);
			REQUIRE(fd >= 0); // ESTABLISHED flows are ASSURED: early_drop cannot evict them
			held.push_back(fd);
		}
		ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "conntrack"}));
		auto before = ns.counters();
		std::vector<int> clients = {ns.connect_nonblocking("127.0.0.1", 17021)};
		sleep_ms(1500);
		close_all(clients);
		auto after = ns.counters();
		auto evs = of_kind(tool.stop(), "conntrack");

		long long expected = (long long)counter_delta(before, after, "Conntrack.drop");
		REQUIRE(expected >= 1);
		require_seen_all((long long)evs.size(), expected, tool_losses(tool));
		for (const auto& e : evs) {
			CHECK(str(e, "source") == source_for("conntrack"));
			CHECK(str(e, "ct_cause") == "table_full");
			CHECK(str(e, "ct_entry") == "none");
			CHECK(num(e, "rport") == 17021);
			CHECK(num(e, "ct_max") == 4);
			CHECK(num(e, "ct_count") == 4);
			CHECK(str(e, "hint").find("nf_conntrack_max 4") != std::string::npos);
		}
	}
	close_all(held);
	close(lfd);
}

TEST_CASE("a drop with a named reason, and filters keep out the rest", "[host][drop]")
{
	require_root();
	TestNetns ns("noso");
	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "drop", "--port", "17030"}));
	std::vector<int> clients = {ns.connect_nonblocking("127.0.0.1", 17030), ns.connect_nonblocking("127.0.0.1", 17031)};
	sleep_ms(300);
	close_all(clients);
	auto all = tool.stop();

	auto evs = of_kind(all, "drop");
	REQUIRE(evs.size() == 1);
	CHECK(all.size() == evs.size());
	CHECK(str(evs[0], "source") == source_for("drop"));
	CHECK(str(evs[0], "reason") == drop_reason_or_site("NO_SOCKET", "tcp_v4_rcv"));
	CHECK(num(evs[0], "lport") == 17030);
	CHECK(str(evs[0], "laddr") == "127.0.0.1");
	CHECK(str(evs[0], "family") == "ipv4");
	CHECK(num(evs[0], "netns") == ns.inode());
}

TEST_CASE("summary mode counts listen overflows like the kernel's counter", "[host][summary]")
{
	require_root();
	TestNetns ns("sum");
	FinalAckOverflow scenario(ns, 17005);
	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--interval", "1"}));
	auto before = ns.counters();
	scenario.provoke(1700);
	auto after = ns.counters();
	auto rows = tool.stop();

	auto intervals = of_kind(rows, "interval");
	REQUIRE(intervals.size() >= 2);
	for (const auto& i : intervals)
		CHECK(num(i, "lost") == 0);
	auto lo = of_kind(rows, "listen-overflow");
	REQUIRE(!lo.empty());
	require_seen_all(sum_count(lo), (long long)counter_delta(before, after, "TcpExt.ListenOverflows"),
			 tool_losses(tool));
	for (const auto& r : lo) {
		CHECK(num(r, "lport") == 17005);
		CHECK(num(r, "accept_queue_max") == 1);
		CHECK(str(r, "reason") == listen_overflow_reason());
	}
	// RetransSegs counts data and SYN-ACK retransmits alike.
	CHECK(sum_count(of_kind(rows, "retrans")) + sum_count(of_kind(rows, "synack-retrans")) ==
	      (long long)counter_delta(before, after, "Tcp.RetransSegs"));
}

TEST_CASE("probes list every hook with its rung", "[host][probes]")
{
	require_root();
	std::vector<std::string> args = {"--check"};
	if (const char* forced = std::getenv("TCPSIGHT_ATTACH"))
		args = {"--check", "--attach", forced};
	auto check = run_command(tcpdrops_binary(), args);
	REQUIRE(check.exit_code == 0);
	// On the tracepoint-only host slow-accept has no rung; with fentry or kprobe every
	// hook that has such a rung must get it.
	std::string s = expected_source();
	auto rung = [&](const std::string& kind, const std::string& otherwise) {
		return expected_override(kind).value_or(otherwise);
	};
	std::string want = "retransmit=" + rung("retrans", s) + " synack-retransmit=tracepoint kfree-skb=tracepoint" +
			   " conntrack=" + rung("conntrack", s) +
			   " conntrack-clash=" + rung("conntrack-clash", s == "tracepoint" ? "none" : s) +
			   " listen-overflow=" + rung("listen-overflow", s) +
			   " syn-drop=" + rung("syn-drop", s == "tracepoint" ? "iter" : s) +
			   " slow-accept=" + rung("slow-accept", s == "tracepoint" ? "none" : s);
	CHECK(check.out == "tcpdrops: check passed: " + want + "\n");

	auto r = run_command(tcpdrops_binary(), {"--probes"});
	REQUIRE(r.exit_code == 0);
	for (const char* hook : {"retransmit", "synack-retransmit", "kfree-skb", "conntrack", "conntrack-clash",
				 "listen-overflow", "syn-drop", "slow-accept"})
		CHECK(r.out.find(std::string("\n") + hook + " ") != std::string::npos);
	CHECK(r.out.find("cannot see:") != std::string::npos);
}

TEST_CASE("asking for a kind this kernel cannot show fails with the reason", "[host][probes]")
{
	require_root();
	if (expected_source() != "tracepoint")
		SKIP("every kind has a rung on this kernel (fentry/kprobe); the refusal is for tracepoint-only kernels");
	auto r = run_command(tcpdrops_binary(), {"--kinds", "slow-accept", "-d", "1"});
	CHECK(r.exit_code == 1);
	CHECK(r.out.empty());
	CHECK(r.err.rfind("tcpdrops: slow-accept cannot be seen on this kernel (fentry inet_csk_accept: ", 0) == 0);
	CHECK(r.err.find("  hint: `tcpdrops --probes` lists every hook") != std::string::npos);
}

TEST_CASE("slow accept: the wait in the accept queue", "[host][slow-accept]")
{
	require_root();
	if (expected_source() == "tracepoint")
		SKIP("slow-accept needs fentry or kprobe at inet_csk_accept; this kernel has neither (see --probes)");
	TestNetns ns("acc");
	int lfd = ns.listen_tcp("127.0.0.1", 17050, 16);
	ToolRun tool(tcpdrops_binary(), tool_args(ns, {"--kinds", "slow-accept", "--accept-wait", "200"}));
	int fast = ns.connect_blocking("127.0.0.1", 17050, 2000);
	REQUIRE(fast >= 0);
	int a1 = accept(lfd, nullptr, nullptr); // immediately: below the threshold
	int slow = ns.connect_blocking("127.0.0.1", 17050, 2000);
	REQUIRE(slow >= 0);
	sleep_ms(600);
	int a2 = accept(lfd, nullptr, nullptr);
	REQUIRE((a1 >= 0 && a2 >= 0));
	sleep_ms(200);
	auto evs = of_kind(tool.stop(), "slow-accept");
	REQUIRE(evs.size() == 1);
	CHECK(str(evs[0], "source") == source_for("slow-accept"));
	CHECK(num(evs[0], "lport") == 17050);
	CHECK(num(evs[0], "wait_us") >= 600000);
	CHECK(num(evs[0], "wait_us") < 600000 + 5000000); // generous: guests run under emulation
	CHECK(num(evs[0], "accept_queue_max") == 16);
	for (int fd : {fast, slow, a1, a2, lfd})
		close(fd);
}

TEST_CASE("piped into head it exits quietly; SIGINT flushes and exits 0", "[host][signals]")
{
	require_root();
	TestNetns ns("pipe");
	// The text header is line 1; the first event (a NO_SOCKET drop) is line 2.
	std::string cmd = "set -o pipefail; " + tcpdrops_binary() + " --netns " + ns.path() + " --kinds drop | head -n 2";
	// Drops until the pipeline is done (the tool may take a while to start in a guest).
	pid_t gen = fork();
	if (gen == 0) {
		for (int i = 0; i < bound_ms(25000) / 100; i++) {
			int fd = ns.connect_nonblocking("127.0.0.1", 17040);
			sleep_ms(100);
			close(fd);
		}
		_exit(0);
	}
	auto r = run_command("/bin/bash", {"-c", cmd}, 25000);
	kill(gen, SIGKILL);
	waitpid(gen, nullptr, 0);
	CHECK(r.exit_code == 0);
	CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
	CHECK(r.out.find(drop_reason_or_site("NO_SOCKET", "tcp_v4_rcv")) != std::string::npos);
	CHECK(r.err.find("error") == std::string::npos);

	ToolRun tool(tcpdrops_binary(), {"--json", "--netns", ns.path()});
	tool.stop();
	CHECK(tool.exit_code() == 0);
	CHECK(tool.stderr_text().find("0 events reported, 0 lost") != std::string::npos);
}

TEST_CASE("boot cache: nf_hook_slow's range is read once a boot, from a file only root writes", "[host][startup]")
{
	require_root();
	char tmpl[] = "/tmp/tcpsight-cache-XXXXXX";
	REQUIRE(mkdtemp(tmpl));
	std::string dir = std::string(tmpl) + "/c";
	setenv("TCPSIGHT_CACHE_DIR", dir.c_str(), 1);
	auto truth = tcpsight::Kallsyms::load().range("nf_hook_slow");
	REQUIRE(truth); // a kernel with netfilter built in, addresses visible to root

	// The tool's first run reads /proc/kallsyms and keeps the range; the next takes it
	// from the file, and the programs get the same range either way.
	std::string run = "{ TCPSIGHT_CACHE_DIR=" + dir + " TCPSIGHT_TRACE_STARTUP=1 " + tcpdrops_binary() +
			  " --kinds drop -d 0.1 2>&1 >/dev/null; }"; // its stderr only
	CHECK(sh_out(run).find("range of nf_hook_slow from kallsyms") != std::string::npos);
	auto kept = tcpsight::boot_cache::range("nf_hook_slow");
	REQUIRE(kept);
	CHECK(kept->start == truth->start);
	CHECK(kept->end == truth->end);
	CHECK(sh_out(run).find("range of nf_hook_slow from the boot cache") != std::string::npos);

	CHECK_FALSE(tcpsight::boot_cache::range("nf_conntrack_in").has_value());
	tcpsight::boot_cache::store_range("nf_conntrack_in", {0x1000, 0x1100});
	CHECK(tcpsight::boot_cache::range("nf_conntrack_in")->end == 0x1100);
	CHECK(tcpsight::boot_cache::range("nf_hook_slow")->start == truth->start); // kept beside it
	// A file others could have written is not believed.
	sh("chmod g+w " + dir + "/ranges-*");
	CHECK_FALSE(tcpsight::boot_cache::range("nf_hook_slow").has_value());
	unsetenv("TCPSIGHT_CACHE_DIR");
	sh("rm -rf " + std::string(tmpl));
}
