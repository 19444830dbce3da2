#include "core/counter_sampler.h"

namespace tcpsight {

uint64_t counter_delta(const CounterMap& base, const CounterMap& now, const char* key)
{
	auto a = base.find(key), b = now.find(key);
	uint64_t va = a == base.end() ? 0 : a->second, vb = b == now.end() ? 0 : b->second;
	return vb > va ? vb - va : 0;
}

static std::optional<CounterMap> counters_in(NetnsDirectory& dir, uint32_t ns)
{
	return read_in_netns(dir, ns, read_current_netns_counters); // nullopt: gone, or not enterable
}

CounterSampler::CounterSampler(NetnsDirectory& dir, std::optional<uint32_t> only) : dir_(dir), only_(only)
{
	for (uint32_t ns : dir_.watched(only_))
		base_[ns] = counters_in(dir_, ns);
	samples_ = 1; // the walk above counts as the first
}

void CounterSampler::sample()
{
	if (samples_++ % 10 == 0)
		for (uint32_t ns : dir_.watched(only_))
			base_.try_emplace(ns, CounterMap{});
	latest_.clear();
	for (const auto& [ns, base] : base_)
		if (base) // unreadable at the baseline: never sampled
			if (auto now = counters_in(dir_, ns))
				latest_[ns] = std::move(*now);
}

const CounterMap& CounterSampler::base(uint32_t ns) const
{
	static const CounterMap kNone;
	auto it = base_.find(ns);
	return it != base_.end() && it->second ? *it->second : kNone;
}

uint64_t CounterSampler::since_base(uint32_t ns, const CounterMap& now, const char* key) const
{
	return counter_delta(base(ns), now, key);
}

} // namespace tcpsight
