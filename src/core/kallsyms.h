// /proc/kallsyms, for the two things tcpdrops needs: the address range of one function
// (to recognise conntrack's drops by their call site) and naming a drop's call site.
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace tcpsight {

struct SymbolRange {
	uint64_t start = 0;
	uint64_t end = 0; // the next symbol's address
};

// Streams /proc/kallsyms only until `name` and the symbol after it are seen: the kernel
// spends ~50 ms producing the whole file, too much for start-up.
std::optional<SymbolRange> find_kernel_symbol(const std::string& name);

class Kallsyms {
public:
	// Parses text in /proc/kallsyms format; `text_only` keeps t/T symbols.
	static Kallsyms parse(std::istream& in);
	static Kallsyms load(); // /proc/kallsyms; empty when unreadable or addresses hidden

	std::optional<SymbolRange> range(const std::string& name) const;
	// "nf_hook_slow+0x4c"; empty when unknown.
	std::string symbolize(uint64_t addr) const;
	bool empty() const { return syms_.empty(); }

private:
	struct Sym {
		uint64_t addr;
		std::string name;
	};
	std::vector<Sym> syms_; // sorted by address
};

} // namespace tcpsight
