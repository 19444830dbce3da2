#include <catch2/catch_test_macros.hpp>
#include <set>

#include "core/attach_ladder.h"
#include "core/kernel_features.h"
#include "core/probes_report.h"
#include "tcpdrops/hooks.h"

using namespace tcpsight;

namespace {
// A kernel like the project's 6.18 machines: tracepoints yes, fentry EPERM, no kprobes.
struct TracepointOnlyKernel : KernelFeatures {
	std::set<std::string> missing_tracepoints;
	Probe tracepoint_btf(const std::string& n) override
	{
		return missing_tracepoints.count(n) ? Probe{false, "tracepoint not in this kernel"} : Probe{true, {}};
	}
	Probe fentry(const std::string&) override { return {false, "trial load: Operation not permitted"}; }
	Probe kprobe(const std::string&) override { return {false, "no kprobe PMU"}; }
	Probe iter(const std::string&) override { return {true, {}}; }
};

std::vector<HookSpec> three_rung_hook()
{
	return {{"retransmit", "retrans",
		 {{Rung::Fentry, "retransmit__fentry", "__tcp_retransmit_skb", "nothing"},
		  {Rung::Kprobe, "retransmit__kprobe", "__tcp_retransmit_skb", "nothing"},
		  {Rung::Tracepoint, "retransmit__tracepoint", "tcp:tcp_retransmit_skb", "segs"}}}};
}
} // namespace

TEST_CASE("the ladder falls to the tracepoint rung and records why", "[unit]")
{
	TracepointOnlyKernel k;
	AttachLadder l(three_rung_hook());
	l.plan(k);
	REQUIRE(l.chosen("retransmit"));
	CHECK(l.chosen("retransmit")->rung == Rung::Tracepoint);
	REQUIRE(l.state(0).rejected.size() == 2);
	CHECK(l.state(0).rejected[0] == "fentry __tcp_retransmit_skb: trial load: Operation not permitted");
	CHECK(l.state(0).rejected[1] == "kprobe __tcp_retransmit_skb: no kprobe PMU");
}

TEST_CASE("demoting a rung that failed to load moves to the next, then to none", "[unit]")
{
	TracepointOnlyKernel k;
	AttachLadder l(three_rung_hook());
	l.plan(k);
	CHECK(l.demote("retransmit__tracepoint", "load: Invalid argument"));
	CHECK(l.chosen("retransmit") == nullptr);
	CHECK(l.attached_count() == 0);
	CHECK_FALSE(l.demote("no_such_program", "x"));
	auto report = probes_report(l);
	CHECK(report.find("NOT REPORTED") != std::string::npos);
	CHECK(report.find("tried tracepoint tcp:tcp_retransmit_skb: load: Invalid argument") != std::string::npos);
}

TEST_CASE("a forced rung is tried first, the hook's ladder stays the fallback", "[unit]")
{
	TracepointOnlyKernel k;
	auto hooks = three_rung_hook();
	hooks.push_back({"syn-drop", "syn-drop", {{Rung::Counter, "", "TcpExt counters", "tuple"}}});
	AttachLadder l(hooks);
	l.plan(k, Rung::Tracepoint);
	CHECK(l.state(0).rejected.empty()); // forced and available: nothing else tried
	l.plan(k, Rung::Kprobe);
	REQUIRE(l.chosen("retransmit"));
	CHECK(l.chosen("retransmit")->rung == Rung::Tracepoint); // kprobe refused, ladder resumed
	REQUIRE(l.state(0).rejected.size() == 2);
	CHECK(l.state(0).rejected[0].rfind("kprobe", 0) == 0); // the forced rung was tried first
	CHECK(rungs_summary(l) == "retransmit=tracepoint syn-drop=counter");
	CHECK(l.demote("retransmit__tracepoint", "load: Invalid argument"));
	CHECK(l.chosen("retransmit") == nullptr);
}

TEST_CASE("tcpdrops hooks on a tracepoint-only kernel", "[unit]")
{
	TracepointOnlyKernel k;
	AttachLadder l(tcpdrops_hooks());
	l.plan(k);
	CHECK(rungs_summary(l) == "retransmit=tracepoint synack-retransmit=tracepoint kfree-skb=tracepoint "
				  "conntrack=tracepoint conntrack-clash=none listen-overflow=tracepoint syn-drop=iter "
				  "slow-accept=none");
	// fentry and kprobe rungs always name their programs; only the listen-overflow
	// tracepoint rung borrows the kfree-skb hook's program.
	for (const auto& h : l.hooks())
		for (const auto& r : h.rungs)
			if (r.rung == Rung::Fentry || r.rung == Rung::Kprobe)
				CHECK(!r.program.empty());
	k.missing_tracepoints.insert("kfree_skb");
	l.plan(k);
	CHECK(l.chosen("kfree-skb") == nullptr);
	CHECK(l.chosen("listen-overflow") == nullptr);
	CHECK(l.chosen("conntrack") == nullptr);
	CHECK(parse_rung("fentry") == Rung::Fentry);
	CHECK_FALSE(parse_rung("uprobe").has_value());
}
