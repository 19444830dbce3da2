#include "core/kallsyms.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <unistd.h>

namespace tcpsight {

// A line's address: hand-parsed hex up to the first space, no allocation.
static uint64_t hex_at(std::string_view line)
{
	uint64_t addr = 0;
	for (char c : line) {
		if (c == ' ')
			break;
		addr = addr << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return addr;
}

// A clone's name: "func.part.0", "func.isra.0", "func.constprop.0".
static size_t clone_suffix_at(std::string_view name)
{
	for (std::string_view tag : {".part.", ".isra.", ".constprop."}) {
		size_t at = name.find(tag);
		if (at != std::string_view::npos)
			return at;
	}
	return std::string_view::npos;
}

// "ffffffff81000100 t name\t[module]", ~120k lines. One pass with the pointer, no
// per-line search calls: this runs beside the BPF load on every start, and a generic
// find per field took 40 ms here, as long as the kernel takes to print the file.
Kallsyms Kallsyms::index(Text text)
{
	Kallsyms k;
	k.text_ = text ? std::move(text) : std::make_shared<const std::string>();
	const char* p = k.text_->data();
	const char* const end = p + k.text_->size();
	k.syms_.reserve(1 << 17);
	k.names_.reserve(1 << 17);
	bool sorted = true;
	while (p < end) {
		const char* field = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		uint64_t addr = hex_at(std::string_view(field, (size_t)(p - field)));
		bool text_sym = end - p > 3 && p[0] == ' ' && (p[1] == 't' || p[1] == 'T') && p[2] == ' ';
		if (text_sym) {
			p += 3;
			const char* name = p;
			bool dotted = false;
			for (; p < end && *p != '\t' && *p != '\n' && *p != ' '; p++)
				dotted |= *p == '.';
			std::string_view n(name, (size_t)(p - name));
			if (!n.empty()) {
				if (dotted)
					if (size_t at = clone_suffix_at(n); at != std::string_view::npos)
						k.clones_.emplace(n.substr(0, at), n);
				k.names_.push_back(n);
				if (addr != 0) { // 0: addresses hidden by kptr_restrict
					sorted = sorted && (k.syms_.empty() || k.syms_.back().addr <= addr);
					k.syms_.push_back({addr, n});
				}
			}
		}
		const char* eol = p < end ? static_cast<const char*>(std::memchr(p, '\n', (size_t)(end - p))) : nullptr;
		p = eol ? eol + 1 : end;
	}
	// The kernel lists vmlinux in address order, then each module's: sort only if needed.
	if (!sorted)
		std::stable_sort(k.syms_.begin(), k.syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
	return k;
}

Kallsyms Kallsyms::parse(std::istream& in)
{
	std::ostringstream ss;
	ss << in.rdbuf();
	return index(std::make_shared<const std::string>(ss.str()));
}

Kallsyms::Text Kallsyms::read_text()
{
	auto text = std::make_shared<std::string>();
	int fd = ::open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return text;
	// Read straight into the string, grown by doubling (~5 MB on 6.18): no bounce buffer.
	size_t used = 0;
	text->resize(size_t(1) << 22);
	for (;;) {
		if (text->size() - used < (size_t(1) << 16))
			text->resize(text->size() * 2);
		ssize_t n = ::read(fd, text->data() + used, text->size() - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	::close(fd);
	text->resize(used);
	return text;
}

Kallsyms Kallsyms::load() { return index(read_text()); }

std::optional<SymbolRange> Kallsyms::range_in_text(const std::string& text, const std::string& name)
{
	std::string_view all(text);
	for (size_t at = all.find(name); at != std::string_view::npos; at = all.find(name, at + 1)) {
		size_t after = at + name.size();
		// " t name" or " T name", then the end of the name (newline, or a tab before [module])
		if (at < 3 || all[at - 1] != ' ' || (all[at - 2] != 't' && all[at - 2] != 'T') || all[at - 3] != ' ' ||
		    (after < all.size() && all[after] != '\n' && all[after] != '\t'))
			continue;
		size_t bol = all.rfind('\n', at);
		bol = bol == std::string_view::npos ? 0 : bol + 1;
		uint64_t start = hex_at(all.substr(bol));
		if (start == 0)
			return std::nullopt; // addresses hidden
		SymbolRange r{start, start + 1, after < all.size() && all[after] == '\t'};
		for (size_t eol = all.find('\n', after); eol != std::string_view::npos && eol + 1 < all.size();
		     eol = all.find('\n', eol + 1)) {
			std::string_view line = all.substr(eol + 1);
			size_t sp = line.find(' ');
			if (sp == std::string_view::npos || sp + 1 >= line.size() || (line[sp + 1] != 't' && line[sp + 1] != 'T'))
				continue; // the index holds text symbols only
			uint64_t next = hex_at(line);
			if (next > start) {
				r.end = next;
				break;
			}
		}
		return r;
	}
	return std::nullopt;
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
