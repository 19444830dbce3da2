#include "core/kallsyms.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace tcpsight {

Kallsyms Kallsyms::parse(std::istream& in)
{
	Kallsyms k;
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream ls(line);
		std::string addr, type, name;
		if (!(ls >> addr >> type >> name) || type.size() != 1)
			continue;
		char t = type[0];
		if (t != 't' && t != 'T')
			continue;
		uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
		if (a == 0)
			continue; // kptr_restrict hides addresses
		k.syms_.push_back({a, name});
	}
	std::sort(k.syms_.begin(), k.syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
	return k;
}

Kallsyms Kallsyms::load()
{
	std::ifstream f("/proc/kallsyms");
	if (!f)
		return {};
	return parse(f);
}

std::optional<SymbolRange> Kallsyms::range(const std::string& name) const
{
	for (size_t i = 0; i < syms_.size(); i++) {
		if (syms_[i].name != name)
			continue;
		SymbolRange r{syms_[i].addr, syms_[i].addr + 1};
		for (size_t j = i + 1; j < syms_.size(); j++)
			if (syms_[j].addr > syms_[i].addr) {
				r.end = syms_[j].addr;
				break;
			}
		return r;
	}
	return std::nullopt;
}

std::string Kallsyms::symbolize(uint64_t addr) const
{
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](uint64_t a, const Sym& s) { return a < s.addr; });
	if (it == syms_.begin())
		return {};
	--it;
	char off[32];
	snprintf(off, sizeof(off), "+0x%llx", (unsigned long long)(addr - it->addr));
	return it->name + off;
}

} // namespace tcpsight
