// The attach ladder: for each hook an ordered list of candidate programs (fentry, then
// kprobe, then a tracepoint, or a userspace counter/iterator rung). The first rung that
// probes, loads and attaches wins; everything tried and why it failed is kept for
// `--probes`. Tools describe their hooks as data (src/<tool>/hooks.cpp), never as ifs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <bpf/libbpf.h>

#include "core/bpf_handles.h"

namespace tcpsight {

class KernelFeatures;
struct Probe;

enum class Rung { Fentry, Kprobe, Tracepoint, Iter, Counter };
const char* rung_name(Rung r);
std::optional<Rung> parse_rung(const std::string& s);

struct RungSpec {
	Rung rung;
	std::string program;     // BPF program name in the tool's object; "" = userspace rung
	std::string target;      // kernel function, "category:event", or what userspace reads
	std::string blind_spots; // what this rung cannot see ("" = nothing essential)
	// Programs loaded and attached with `program` (the IPv6 twin, a kretprobe, a
	// tracepoint that feeds a map); the rung fails if any of them fails.
	std::vector<std::string> companions = {};
};

struct HookSpec {
	std::string name; // "retransmit"
	std::string sees; // "retrans events"
	std::vector<RungSpec> rungs;
};

struct HookState {
	bool planned = false; // false: nobody asked for what it reports (nothing probed or loaded)
	int chosen = -1;   // index into rungs, -1: no rung works
	int position = -1; // where `chosen` stands in the order tried (forced rung first)
	std::vector<std::string> rejected; // "fentry __tcp_retransmit_skb: trial load: EPERM"
};

class AttachLadder {
public:
	explicit AttachLadder(std::vector<HookSpec> hooks);

	// Per hook, the first rung whose feature probe passes. With `forced`, a hook that
	// has a rung of that type tries it first, then the rest of its ladder. Only the
	// hooks named in `wanted` are planned (empty: every hook); plan_hook adds one later,
	// for a hook whose need shows only once another hook's rung is known.
	void plan(KernelFeatures& features, std::optional<Rung> forced = std::nullopt,
		  const std::vector<std::string>& wanted = {});
	void plan_hook(const std::string& hook);
	// The helpers each program calls (program_needs.h), read from the object before
	// planning: a rung whose programs need a helper the kernel lacks is refused.
	void set_program_helpers(std::map<std::string, std::vector<int>> helpers) { helpers_ = std::move(helpers); }
	// Only the chosen program of each hook stays loadable.
	void apply_autoload(bpf_object* obj) const;
	// The hook owning `program` gives up its current rung for the next candidate.
	// False when no hook owns that program.
	bool demote(const std::string& program, const std::string& why);
	// The same, by hook name: for userspace rungs that fail after loading.
	bool demote_hook(const std::string& hook, const std::string& why);
	// Attaches each hook's chosen BPF program; on the first failure, demotes that hook,
	// sets *failed to the program name and returns what was attached so far.
	std::vector<LinkPtr> attach(bpf_object* obj, std::string* failed);

	const std::vector<HookSpec>& hooks() const { return hooks_; }
	const HookState& state(size_t i) const { return states_[i]; }
	// The rung in use for a hook, or nullptr.
	const RungSpec* chosen(const std::string& hook) const;
	size_t attached_count() const;

private:
	std::vector<HookSpec> hooks_;
	std::vector<HookState> states_;
	KernelFeatures* features_ = nullptr;
	std::map<std::string, std::vector<int>> helpers_;
	Probe probe(const RungSpec& r);
	std::optional<Rung> forced_;
	void advance(size_t hook, int from);
};

// The `source` (enum ts_source) events of a rung carry; iter and counter rungs
// report counts, hence "counter". 0 for no rung.
uint8_t source_of(const RungSpec* rung);

} // namespace tcpsight
