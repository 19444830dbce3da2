// The hook tables against the BPF objects themselves (no privileges: the skeletons are
// only opened): every program a rung names exists, every program serves some rung, and
// what each program needs from the kernel is read from its instructions, so a kernel
// without bpf_get_func_ret (before 5.17) refuses the fexit rungs in the plan, with that
// reason, instead of in the verifier.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <linux/bpf.h>
#include <set>

#include "shared/portcontend_events.h"

#include "core/attach_ladder.h"
#include "core/bpf_handles.h"
#include "core/kernel_features.h"
#include "core/program_needs.h"
#include "portcontend.skel.h"
#include "portcontend/hooks.h"
#include "tcpdrops.skel.h"
#include "tcpdrops/hooks.h"

using namespace tcpsight;

namespace {

std::set<std::string> programs_in(const bpf_object* obj)
{
	std::set<std::string> names;
	bpf_program* p;
	bpf_object__for_each_program(p, obj) names.insert(bpf_program__name(p));
	return names;
}

void check_tables(const std::vector<HookSpec>& hooks, const bpf_object* obj)
{
	auto in_object = programs_in(obj);
	std::set<std::string> named;
	for (const auto& h : hooks)
		for (const auto& r : h.rungs) {
			std::vector<std::string> progs = r.companions;
			if (!r.program.empty())
				progs.push_back(r.program);
			for (const auto& p : progs) {
				INFO("hook " << h.name << " rung " << rung_name(r.rung) << " program " << p);
				CHECK(in_object.count(p) == 1);
				named.insert(p);
			}
		}
	for (const auto& p : in_object) {
		INFO("program " << p << " belongs to no rung");
		CHECK(named.count(p) == 1);
	}
}

// A 5.10-like kernel: fentry and kprobes attach, but helpers stop before 5.17's.
struct Kernel510 : KernelFeatures {
	Probe tracepoint_btf(const std::string&) override { return {true, {}}; }
	Probe fentry(const std::string&) override { return {true, {}}; }
	Probe kprobe(const std::string&) override { return {true, {}}; }
	Probe iter(const std::string&) override { return {true, {}}; }
	Probe helper(int id) override
	{
		if (id >= BPF_FUNC_get_func_ip) // 173, 5.15
			return {false, "needs " + helper_name(id) + ", which this kernel lacks"};
		return {true, {}};
	}
};

} // namespace

TEST_CASE("tcpdrops: hook tables and programs match, both ways", "[unit]")
{
	SkeletonPtr<tcpdrops_bpf> s(tcpdrops_bpf::open());
	REQUIRE(s);
	check_tables(tcpdrops_hooks(), s->obj);
}

TEST_CASE("portcontend: hook tables and programs match, both ways", "[unit]")
{
	SkeletonPtr<portcontend_bpf> s(portcontend_bpf::open());
	REQUIRE(s);
	check_tables(portcontend_hooks(), s->obj);
}

TEST_CASE("helpers are read from the instructions; a kernel lacking one refuses the rung in the plan", "[unit]")
{
	SkeletonPtr<tcpdrops_bpf> s(tcpdrops_bpf::open());
	REQUIRE(s);
	auto helpers = helpers_by_program(s->obj);
	auto uses = [&](const std::string& prog, int id) {
		const auto& v = helpers.at(prog);
		return std::find(v.begin(), v.end(), id) != v.end();
	};
	CHECK(uses("retransmit__fentry", BPF_FUNC_get_func_ret));
	CHECK(uses("kfree_skb__tracepoint", BPF_FUNC_ringbuf_output));
	CHECK_FALSE(uses("retransmit__kprobe", BPF_FUNC_get_func_ret));
	CHECK(helper_name(BPF_FUNC_get_func_ret) == "bpf_get_func_ret");

	Kernel510 k;
	AttachLadder l(tcpdrops_hooks());
	l.set_program_helpers(helpers);
	l.plan(k);
	// fexit rungs fall to kprobe; tcp_conn_request's fentry calls no new helper.
	CHECK(l.chosen("retransmit")->rung == Rung::Kprobe);
	CHECK(l.chosen("listen-overflow")->rung == Rung::Kprobe);
	CHECK(l.chosen("syn-drop")->rung == Rung::Fentry);
	bool said = false;
	for (size_t i = 0; i < l.hooks().size(); i++)
		if (l.hooks()[i].name == "retransmit")
			for (const auto& why : l.state(i).rejected)
				said = said || why == "fentry __tcp_retransmit_skb: retransmit__fentry needs bpf_get_func_ret, which "
						      "this kernel lacks";
	CHECK(said);
}
