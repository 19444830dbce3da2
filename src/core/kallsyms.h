// /proc/kallsyms, for the two things tcpdrops needs: the address range of one function
// (to recognise conntrack's drops by their call site) and naming a drop's call site.
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tcpsight {

struct SymbolRange {
	uint64_t start = 0;
	uint64_t end = 0; // the next symbol's address
	bool in_module = false; // set by range_in_text() and KernelFeatures::kallsyms_range()
};

class Kallsyms {
public:
	// Parses text in /proc/kallsyms format; `text_only` keeps t/T symbols.
	static Kallsyms parse(std::istream& in);
	static Kallsyms load(); // /proc/kallsyms; empty when unreadable or addresses hidden

	// The two steps of load(): the kernel's ~55 ms of printing, then ~10-20 ms of indexing.
	using Text = std::shared_ptr<const std::string>;
	static Text read_text(); // empty string when unreadable
	static Kallsyms index(Text text);
	// range() straight from the text, without the index: the first text symbol of that
	// name in the kernel's order (vmlinux by address), to the next higher address.
	static std::optional<SymbolRange> range_in_text(const std::string& text, const std::string& name);

	std::optional<SymbolRange> range(const std::string& name) const;
	// "nf_hook_slow+0x4c"; empty when unknown.
	std::string symbolize(uint64_t addr) const;
	bool empty() const { return syms_.empty(); }
	// A text symbol of that name exists (addresses may be hidden).
	bool has(const std::string& name) const;
	// "func.part.0", "func.isra.0", "func.constprop.0": calls to such a compiler clone
	// bypass func's entry, so neither fentry nor kprobe on func sees them all.
	std::optional<std::string> clone_of(const std::string& func) const;
	// The module a text symbol lives in ("nf_conntrack"), "" for vmlinux, nullopt when
	// the symbol is unknown: lets a BTF search load that one module's BTF, not all.
	std::optional<std::string> module_of(const std::string& name) const;

private:
	// The file is kept whole and indexed in place: ~120k symbols, no allocation each.
	struct Sym {
		uint64_t addr;
		std::string_view name;
	};
	Text text_;
	std::vector<Sym> syms_;  // text symbols with addresses, sorted by address
	std::vector<std::string_view> names_; // every text symbol's name, hidden addresses too
	std::unordered_map<std::string_view, std::string_view> clones_; // base -> a clone
};

} // namespace tcpsight
