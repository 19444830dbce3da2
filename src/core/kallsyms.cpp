#include "core/kallsyms.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <unistd.h>

namespace tcpsight {

// "ffffffff81000100 t name\t[module]"
Kallsyms Kallsyms::index(std::unique_ptr<std::string> text)
{
	Kallsyms k;
	k.text_ = std::move(text);
	std::string_view all(*k.text_);
	k.syms_.reserve(1 << 17);
	k.names_.reserve(1 << 17);
	size_t pos = 0;
	while (pos < all.size()) {
		size_t eol = all.find('\n', pos);
		if (eol == std::string_view::npos)
			eol = all.size();
		std::string_view line = all.substr(pos, eol - pos);
		pos = eol + 1;
		size_t sp = line.find(' ');
		if (sp == std::string_view::npos || sp + 3 > line.size() || line[sp + 2] != ' ')
			continue;
		char type = line[sp + 1];
		if (type != 't' && type != 'T')
			continue;
		std::string_view name = line.substr(sp + 3);
		name = name.substr(0, name.find_first_of(" \t"));
		if (name.empty())
			continue;
		uint64_t addr = 0; // hand-parsed: 16 hex digits overflow the small-string buffer
		for (char c : line.substr(0, sp))
			addr = addr << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		for (const char* tag : {".part.", ".isra.", ".constprop."}) {
			size_t at = name.find(tag);
			if (at != std::string_view::npos)
				k.clones_.emplace(name.substr(0, at), name);
		}
		k.names_.push_back(name);
		if (addr != 0) // 0: addresses hidden by kptr_restrict
			k.syms_.push_back({addr, name});
	}
	std::sort(k.syms_.begin(), k.syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
	return k;
}

Kallsyms Kallsyms::parse(std::istream& in)
{
	std::ostringstream ss;
	ss << in.rdbuf();
	return index(std::make_unique<std::string>(ss.str()));
}

Kallsyms Kallsyms::load()
{
	int fd = ::open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return {};
	auto text = std::make_unique<std::string>();
	char buf[1 << 16];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof(buf))) > 0)
		text->append(buf, (size_t)n);
	::close(fd);
	return index(std::move(text));
}

bool Kallsyms::has(const std::string& name) const
{
	// Called for a handful of kprobe candidates: a scan beats sorting 120k names.
	return std::find(names_.begin(), names_.end(), std::string_view(name)) != names_.end();
}

std::optional<std::string> Kallsyms::module_of(const std::string& name) const
{
	auto it = std::find(names_.begin(), names_.end(), std::string_view(name));
	if (it == names_.end())
		return std::nullopt;
	// The name is a view into the file's text: its line goes on with "\t[module]".
	std::string_view all(*text_);
	size_t at = (size_t)(it->data() - all.data()) + it->size();
	size_t eol = all.find('\n', at);
	std::string_view rest = all.substr(at, (eol == std::string_view::npos ? all.size() : eol) - at);
	size_t open = rest.find('['), close = rest.find(']');
	if (open == std::string_view::npos || close == std::string_view::npos || close < open)
		return std::string();
	return std::string(rest.substr(open + 1, close - open - 1));
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

std::optional<std::string> Kallsyms::clone_of(const std::string& func) const
{
	auto it = clones_.find(func);
	if (it == clones_.end())
		return std::nullopt;
	return std::string(it->second);
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
	return std::string(it->name) + off;
}

} // namespace tcpsight
