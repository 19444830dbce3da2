#include "core/attach_ladder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/kernel_features.h"
#include "shared/events.h"

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
		if (colon != std::string::npos && r.target.compare(0, colon, "syscalls") == 0) // no BTF: tracefs
			return f.tracefs_event(r.target.substr(0, colon), r.target.substr(colon + 1));
		return f.tracepoint_btf(colon == std::string::npos ? r.target : r.target.substr(colon + 1));
	}
	case Rung::Iter: return f.iter(r.target);
	case Rung::Counter: return {true, {}};
	}
	return {false, "unknown rung"};
}

// Candidates in order: the forced rung first when the hook has one, then the rest of
// its ladder, so forcing never leaves a hook blind that another rung could serve.
void AttachLadder::advance(size_t h, int from)
{
	const HookSpec& hook = hooks_[h];
	HookState& st = states_[h];
	std::vector<int> order;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < (int)hook.rungs.size(); i++) {
			bool is_forced = forced_ && hook.rungs[i].rung == *forced_;
			if ((pass == 0) == is_forced)
				order.push_back(i);
		}
	// `from` is a position in that order: demotion resumes after the failed rung.
	st.chosen = -1;
	for (int pos = from; pos < (int)order.size(); pos++) {
		const RungSpec& r = hook.rungs[order[pos]];
		Probe p = probe(r);
		if (!p.ok) {
			st.rejected.push_back(std::string(rung_name(r.rung)) + " " + r.target + ": " + p.why);
			continue;
		}
		st.chosen = order[pos];
		st.position = pos;
		return;
	}
}

static std::vector<std::string> programs_of(const RungSpec& r);

// The kernel's needs first (cheap, from BTF), then the rung's own feature probe.
Probe AttachLadder::probe(const RungSpec& r)
{
	for (const auto& prog : programs_of(r)) {
		auto it = helpers_.find(prog);
		if (it == helpers_.end())
			continue;
		for (int id : it->second) {
			Probe h = features_->helper(id);
			if (!h.ok)
				return {false, prog + " " + h.why};
		}
	}
	return probe_rung(*features_, r);
}

void AttachLadder::plan(KernelFeatures& features, std::optional<Rung> forced, const std::vector<std::string>& wanted)
{
	features_ = &features;
	forced_ = forced;
	for (size_t h = 0; h < hooks_.size(); h++) {
		states_[h] = HookState{};
		if (wanted.empty() || std::find(wanted.begin(), wanted.end(), hooks_[h].name) != wanted.end())
			plan_hook(hooks_[h].name);
	}
}

void AttachLadder::plan_hook(const std::string& hook)
{
	for (size_t h = 0; h < hooks_.size(); h++)
		if (hooks_[h].name == hook && !states_[h].planned) {
			states_[h].planned = true;
			advance(h, 0);
		}
}

static std::vector<std::string> programs_of(const RungSpec& r)
{
	std::vector<std::string> v;
	if (!r.program.empty())
		v.push_back(r.program);
	v.insert(v.end(), r.companions.begin(), r.companions.end());
	return v;
}

void AttachLadder::apply_autoload(bpf_object* obj) const
{
	// Everything off, then the chosen rungs' programs on: a program may serve
	// several rungs (a tracepoint companion of both fentry and kprobe rungs).
	bpf_program* p;
	bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, false);
	for (size_t h = 0; h < hooks_.size(); h++) {
		if (states_[h].chosen < 0)
			continue;
		for (const auto& name : programs_of(hooks_[h].rungs[states_[h].chosen]))
			if (bpf_program* q = bpf_object__find_program_by_name(obj, name.c_str()))
				bpf_program__set_autoload(q, true);
	}
}

bool AttachLadder::demote(const std::string& program, const std::string& why)
{
	for (size_t h = 0; h < hooks_.size(); h++) {
		int c = states_[h].chosen;
		if (c < 0 || program.empty())
			continue;
		for (const auto& name : programs_of(hooks_[h].rungs[c]))
			if (name == program)
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
		advance(h, states_[h].position + 1);
		return true;
	}
	return false;
}

std::vector<LinkPtr> AttachLadder::attach(bpf_object* obj, std::string* failed)
{
	std::vector<LinkPtr> links;
	failed->clear();
	std::vector<std::string> attached;
	for (size_t h = 0; h < hooks_.size(); h++) {
		int c = states_[h].chosen;
		if (c < 0)
			continue;
		for (const auto& name : programs_of(hooks_[h].rungs[c])) {
			if (std::find(attached.begin(), attached.end(), name) != attached.end())
				continue; // shared companion, attached once
			bpf_program* p = bpf_object__find_program_by_name(obj, name.c_str());
			bpf_link* l = p ? bpf_program__attach(p) : nullptr;
			if (!l) {
				int err = p ? errno : ENOENT;
				*failed = name;
				demote(name, std::string("attach ") + name + ": " + std::strerror(err));
				return links;
			}
			links.emplace_back(l);
			attached.push_back(name);
		}
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

namespace tcpsight {

uint8_t source_of(const RungSpec* rung)
{
	if (!rung)
		return TS_SRC_NONE;
	switch (rung->rung) {
	case Rung::Fentry: return TS_SRC_FENTRY;
	case Rung::Kprobe: return TS_SRC_KPROBE;
	case Rung::Tracepoint: return TS_SRC_TRACEPOINT;
	case Rung::Iter:
	case Rung::Counter: return TS_SRC_COUNTER;
	}
	return TS_SRC_NONE;
}

} // namespace tcpsight
