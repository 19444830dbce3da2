// Every (key, value) of a BPF hash map, walked with get_next_key. Keys deleted during
// the walk are skipped; the walk restarts nowhere (a key inserted meanwhile may or may
// not be seen, which the callers' next read picks up).
#pragma once
#include <bpf/bpf.h>
#include <utility>
#include <vector>

namespace tcpsight {

template <typename K, typename V>
std::vector<std::pair<K, V>> map_entries(int fd)
{
	std::vector<std::pair<K, V>> out;
	K key{}, next{};
	K* prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		V val;
		if (bpf_map_lookup_elem(fd, &next, &val) == 0)
			out.emplace_back(next, val);
		key = next;
		prev = &key;
	}
	return out;
}

} // namespace tcpsight
