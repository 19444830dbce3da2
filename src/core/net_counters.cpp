#include "core/net_counters.h"

#include <sstream>
#include <vector>

#include "core/netns.h"

namespace tcpsight {

static std::vector<std::string> split_ws(const std::string& s)
{
	std::istringstream in(s);
	std::vector<std::string> v;
	std::string w;
	while (in >> w)
		v.push_back(w);
	return v;
}

CounterMap parse_snmp_text(const std::string& text)
{
	CounterMap m;
	std::istringstream in(text);
	std::string header, values;
	while (std::getline(in, header) && std::getline(in, values)) {
		auto h = split_ws(header), v = split_ws(values);
		if (h.empty() || v.empty() || h[0] != v[0] || h.size() != v.size())
			continue;
		std::string prefix = h[0].substr(0, h[0].size() - 1); // drop ':'
		for (size_t i = 1; i < h.size(); i++) {
			// snmp has signed fields (Tcp MaxConn -1): keep them as their two's complement.
			m[prefix + "." + h[i]] = (uint64_t)std::strtoll(v[i].c_str(), nullptr, 10);
		}
	}
	return m;
}

CounterMap parse_conntrack_stat(const std::string& text)
{
	CounterMap m;
	std::istringstream in(text);
	std::string line;
	if (!std::getline(in, line))
		return m;
	auto cols = split_ws(line);
	bool first = true;
	while (std::getline(in, line)) {
		auto v = split_ws(line);
		if (v.size() != cols.size())
			continue;
		for (size_t i = 0; i < cols.size(); i++) {
			uint64_t x = std::strtoull(v[i].c_str(), nullptr, 16);
			std::string key = "Conntrack." + cols[i];
			if (cols[i] == "entries") {
				if (first)
					m[key] = x;
			} else {
				m[key] += x;
			}
		}
		first = false;
	}
	return m;
}

CounterMap read_current_netns_counters()
{
	CounterMap m;
	for (const char* f : {"/proc/thread-self/net/netstat", "/proc/thread-self/net/snmp"})
		if (auto t = read_text_file(f))
			for (auto& [k, v] : parse_snmp_text(*t))
				m[k] = v;
	if (auto t = read_text_file("/proc/thread-self/net/stat/nf_conntrack"))
		for (auto& [k, v] : parse_conntrack_stat(*t))
			m[k] = v;
	return m;
}

} // namespace tcpsight
