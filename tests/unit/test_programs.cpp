// The hook tables against the BPF objects themselves (no privileges: the skeletons are
// only opened): every program a rung names exists, every program serves some rung, and
// what each program needs from the kernel is read from its instructions, so a kernel
// without a helper refuses the rungs that call it in the plan, with that reason, instead
// of in the verifier. No fexit program calls bpf_get_func_ret (5.17): each reads the
// return value's slot, listed per function in the tools' fexit target tables.
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

// A kernel whose helpers stop at `last`: fentry and kprobes attach.
struct KernelUpTo : KernelFeatures {
	explicit KernelUpTo(int last) : last_(last) {}
	Probe tracepoint_btf(const std::string&) override { return {true, {}}; }
	Probe fentry(const std::string&) override { return {true, {}}; }
	Probe kprobe(const std::string&) override { return {true, {}}; }
	Probe iter(const std::string&) override { return {true, {}}; }
	Probe helper(int id) override
	{
		if (id > last_)
			return {false, "needs " + helper_name(id) + ", which this kernel lacks"};
		return {true, {}};
	}
	int last_;
};
// 5.10's last helper is bpf_redirect_peer (155); 5.8 added bpf_ringbuf_output (130).
constexpr int kLastHelper510 = BPF_FUNC_redirect_peer;

// Every fexit program's function is in the tool's target table, and each table entry
// has its program: the table is where the return value's slot comes from.
void check_fexit_targets(const bpf_object* obj, const FexitTarget* targets, size_t count, size_t enum_count)
{
	std::set<std::string> in_object, in_table;
	bpf_program* p;
	bpf_object__for_each_program(p, obj)
	{
		std::string sec = bpf_program__section_name(p);
		if (sec.rfind("fexit/", 0) == 0)
			in_object.insert(sec.substr(6));
	}
	std::set<int> indexes;
	for (size_t i = 0; i < count; i++) {
		in_table.insert(targets[i].func);
		indexes.insert(targets[i].index);
	}
	CHECK(in_object == in_table);
	CHECK(indexes.size() == enum_count); // each slot of fexit_nargs filled by one entry
	CHECK((indexes.empty() || (*indexes.begin() == 0 && *indexes.rbegin() == (int)enum_count - 1)));
}

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

TEST_CASE("fexit target tables cover every fexit program, both ways", "[unit]")
{
	SkeletonPtr<tcpdrops_bpf> t(tcpdrops_bpf::open());
	SkeletonPtr<portcontend_bpf> p(portcontend_bpf::open());
	REQUIRE(t);
	REQUIRE(p);
	check_fexit_targets(t->obj, kTcpdropsFexitTargets, kTcpdropsFexitTargetCount, TS_FX_TARGETS);
	check_fexit_targets(p->obj, kPortcontendFexitTargets, kPortcontendFexitTargetCount, PC_FX_TARGETS);
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
	CHECK(uses("kfree_skb__tracepoint", BPF_FUNC_ringbuf_output));
	CHECK(helper_name(BPF_FUNC_get_func_ret) == "bpf_get_func_ret");
	for (const auto& [prog, ids] : helpers)
		for (int id : ids) {
			INFO(prog << " calls " << helper_name(id) << ", newer than 5.10");
			CHECK(id <= kLastHelper510);
		}

	{ // 5.10: every hook on its first rung (fentry where it has one)
		KernelUpTo k(kLastHelper510);
		AttachLadder l(tcpdrops_hooks());
		l.set_program_helpers(helpers);
		l.plan(k);
		for (const auto& h : l.hooks()) {
			INFO("hook " << h.name);
			REQUIRE(l.chosen(h.name));
			CHECK(l.chosen(h.name) == &h.rungs.front());
		}
	}
	{ // before 5.8: no ring buffer (its helpers, 130-134), no rung that reports events
		KernelUpTo k(BPF_FUNC_ringbuf_output - 1);
		AttachLadder l(tcpdrops_hooks());
		l.set_program_helpers(helpers);
		l.plan(k);
		CHECK(l.chosen("retransmit") == nullptr);
		bool said = false;
		for (size_t i = 0; i < l.hooks().size(); i++)
			if (l.hooks()[i].name == "retransmit")
				for (const auto& why : l.state(i).rejected)
					said = said || why == "fentry __tcp_retransmit_skb: retransmit__fentry needs "
							      "bpf_ringbuf_query, which this kernel lacks";
		CHECK(said);
	}
}
