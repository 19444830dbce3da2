#include "core/kallsyms.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <cstring>

namespace tcpsight {

// "ffffffff81000100 t name\t[module]": parsed by hand, since /proc/kallsyms has ~200k
// lines and a stream per line made start-up 90 ms slower.
static bool parse_line(const std::string& line, uint64_t& addr, char& type, std::string& name)
{
	const char* p = line.c_str();
	char* end;
	addr = std::strtoull(p, &end, 16);
	if (end == p || *end != ' ' || !end[1] || end[2] != ' ')
		return false;
	type = end[1];
	const char* n = end + 3;
	size_t len = std::strcspn(n, " \t");
	name.assign(n, len);
	return len > 0;
}

Kallsyms Kallsyms::parse(std::istream& in)
{
	Kallsyms k;
	k.syms_.reserve(1 << 18);
	std::string line, name;
	while (std::getline(in, line)) {
		uint64_t a;
		char t;
		if (!parse_line(line, a, t, name) || (t != 't' && t != 'T') || a == 0)
			continue; // not text, or addresses hidden by kptr_restrict
		k.syms_.push_back({a, name});
	}
	std::sort(k.syms_.begin(), k.syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
	return k;
}

std::optional<SymbolRange> find_kernel_symbol(const std::string& name)
{
	std::ifstream f("/proc/kallsyms");
	std::string line, sym;
	std::optional<SymbolRange> r;
	while (std::getline(f, line)) {
		uint64_t a;
		char t;
		if (!parse_line(line, a, t, sym) || a == 0)
			continue;
		if (r) {
			if (a > r->start) { // core kernel symbols are listed in address order
				r->end = a;
				return r;
			}
			continue;
		}
		if (sym == name && (t == 't' || t == 'T'))
			r = SymbolRange{a, a + 1};
	}
	return r;
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
