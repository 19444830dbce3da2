#include "core/attach_ladder.h"

#include <cerrno>
#include <cstring>

#include "core/kernel_features.h"

namespace tcpsight {

const char* rung_name(Rung r)
{
	switch (r) {
	case Rung::Fentry: return "fentry";
	case Rung::Kprobe: return "kprobe";
	case Rung::Tracepoint: return "tracepoint";
	case Rung::Iter: return "iter";
	case Rung::Counter: return "counter";
	}
	return "?";
}

std::optional<Rung> parse_rung(const std::string& s)
{
	for (Rung r : {Rung::Fentry, Rung::Kprobe, Rung::Tracepoint, Rung::Iter, Rung::Counter})
		if (s == rung_name(r))
			return r;
	return std::nullopt;
}

AttachLadder::AttachLadder(std::vector<HookSpec> hooks) : hooks_(std::move(hooks)), states_(hooks_.size()) {}

static Probe probe_rung(KernelFeatures& f, const RungSpec& r)
{
	switch (r.rung) {
	case Rung::Fentry: return f.fentry(r.target);
	case Rung::Kprobe: return f.kprobe(r.target);
	case Rung::Tracepoint: {
		auto colon = r.target.find(':');
		return f.tracepoint_btf(colon == std::string::npos ? r.target : r.target.substr(colon + 1));
	}
	case Rung::Iter: return f.iter(r.target);
	case Rung::Counter: return {true, {}};
	}
	return {false, "unknown rung"};
}

void AttachLadder::advance(size_t h, int from)
{
	const HookSpec& hook = hooks_[h];
	HookState& st = states_[h];
	bool hook_has_forced = false;
	for (const auto& r : hook.rungs)
		hook_has_forced = hook_has_forced || (forced_ && r.rung == *forced_);
	st.chosen = -1;
	for (int i = from; i < (int)hook.rungs.size(); i++) {
		const RungSpec& r = hook.rungs[i];
		std::string label = std::string(rung_name(r.rung)) + " " + r.target;
		if (hook_has_forced && r.rung != *forced_) {
			st.rejected.push_back(label + ": not the forced rung");
			continue;
		}
		Probe p = probe_rung(*features_, r);
		if (!p.ok) {
			st.rejected.push_back(label + ": " + p.why);
			continue;
		}
		st.chosen = i;
		return;
	}
}

void AttachLadder::plan(KernelFeatures& features, std::optional<Rung> forced)
{
	features_ = &features;
	forced_ = forced;
	for (size_t h = 0; h < hooks_.size(); h++) {
		states_[h] = HookState{};
		advance(h, 0);
	}
}

void AttachLadder::apply_autoload(bpf_object* obj) const
{
	for (size_t h = 0; h < hooks_.size(); h++)
		for (int i = 0; i < (int)hooks_[h].rungs.size(); i++) {
			const RungSpec& r = hooks_[h].rungs[i];
			if (r.program.empty())
				continue;
			if (bpf_program* p = bpf_object__find_program_by_name(obj, r.program.c_str()))
				bpf_program__set_autoload(p, i == states_[h].chosen);
		}
}

bool AttachLadder::demote(const std::string& program, const std::string& why)
{
	for (size_t h = 0; h < hooks_.size(); h++) {
		int c = states_[h].chosen;
		if (c >= 0 && !program.empty() && hooks_[h].rungs[c].program == program)
			return demote_hook(hooks_[h].name, why);
	}
	return false;
}

bool AttachLadder::demote_hook(const std::string& hook, const std::string& why)
{
	for (size_t h = 0; h < hooks_.size(); h++) {
		int c = states_[h].chosen;
		if (c < 0 || hooks_[h].name != hook)
			continue;
		const RungSpec& r = hooks_[h].rungs[c];
		states_[h].rejected.push_back(std::string(rung_name(r.rung)) + " " + r.target + ": " + why);
		advance(h, c + 1);
		return true;
	}
	return false;
}

std::vector<LinkPtr> AttachLadder::attach(bpf_object* obj, std::string* failed)
{
	std::vector<LinkPtr> links;
	failed->clear();
	for (size_t h = 0; h < hooks_.size(); h++) {
		int c = states_[h].chosen;
		if (c < 0 || hooks_[h].rungs[c].program.empty())
			continue;
		const std::string& name = hooks_[h].rungs[c].program;
		bpf_program* p = bpf_object__find_program_by_name(obj, name.c_str());
		bpf_link* l = p ? bpf_program__attach(p) : nullptr;
		if (!l) {
			int err = p ? errno : ENOENT;
			*failed = name;
			demote(name, std::string("attach: ") + std::strerror(err));
			return links;
		}
		links.emplace_back(l);
	}
	return links;
}

const RungSpec* AttachLadder::chosen(const std::string& hook) const
{
	for (size_t h = 0; h < hooks_.size(); h++)
		if (hooks_[h].name == hook && states_[h].chosen >= 0)
			return &hooks_[h].rungs[states_[h].chosen];
	return nullptr;
}

size_t AttachLadder::attached_count() const
{
	size_t n = 0;
	for (const auto& s : states_)
		n += s.chosen >= 0;
	return n;
}

} // namespace tcpsight
