// Every (key, value) of a BPF hash map, walked with get_next_key. Keys deleted during
// the walk are skipped; the walk restarts nowhere (a key inserted meanwhile may or may
// not be seen, which the callers' next read picks up).
#pragma once
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace tcpsight {

// Calls `f(key)` for every key of a BPF hash map, in the map's order.
template <typename K, typename F>
void for_each_key(int fd, F&& f)
{
	K key{}, next{};
	K* prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		f(next);
		key = next;
		prev = &key;
	}
}

template <typename K, typename V>
std::vector<std::pair<K, V>> map_entries(int fd)
{
	std::vector<std::pair<K, V>> out;
	for_each_key<K>(fd, [&](const K& k) {
		V val;
		if (bpf_map_lookup_elem(fd, &k, &val) == 0)
			out.emplace_back(k, val);
	});
	return out;
}

// One key's value on each possible CPU, from a per-CPU map; empty when the key is absent.
// The kernel copies each CPU's value 8-byte aligned, so V's size must be a multiple of 8.
template <typename V, typename K>
std::vector<V> per_cpu_values(int fd, const K& key)
{
	static_assert(sizeof(V) % 8 == 0, "per-CPU values are copied 8-byte aligned");
	int ncpus = libbpf_num_possible_cpus();
	std::vector<V> v(ncpus > 0 ? ncpus : 1);
	if (bpf_map_lookup_elem(fd, &key, v.data()) != 0)
		v.clear();
	return v;
}

// A per-CPU counter's total over the CPUs; nullopt when the key is absent.
template <typename K>
std::optional<uint64_t> per_cpu_sum(int fd, const K& key)
{
	auto v = per_cpu_values<uint64_t>(fd, key);
	if (v.empty())
		return std::nullopt;
	uint64_t sum = 0;
	for (uint64_t x : v)
		sum += x;
	return sum;
}

// Every key of a per-CPU counter map with its total over the CPUs.
template <typename K>
std::vector<std::pair<K, uint64_t>> per_cpu_totals(int fd)
{
	std::vector<std::pair<K, uint64_t>> out;
	for_each_key<K>(fd, [&](const K& k) {
		if (auto sum = per_cpu_sum(fd, k))
			out.emplace_back(k, *sum);
	});
	return out;
}

} // namespace tcpsight
