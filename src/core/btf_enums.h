// Names of kernel enum values (skb_drop_reason, sk_rst_reason, TCP states) from the
// running kernel's BTF: the numbering differs between kernels (NETFILTER_DROP is 7 on
// 6.1 and 12 on 6.18), so no table is ever hard-coded.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

struct btf;

namespace tcpsight {

class EnumNames {
public:
	// Reads every enum the tools need from `btf` (not owned, may be freed afterwards).
	explicit EnumNames(const struct btf* btf);

	// "TCP_LISTEN_OVERFLOW" for (skb_drop_reason, 40) on 6.18: the kernel's own
	// spelling minus the prefix its tracepoints strip.
	std::optional<std::string> drop_reason(uint64_t value) const;
	std::optional<std::string> rst_reason(uint64_t value) const;
	// "ESTABLISHED", "LISTEN", ... (the anonymous enum holding TCP_ESTABLISHED).
	std::optional<std::string> tcp_state(uint64_t value) const;
	// Value of a drop reason by its short name ("NETFILTER_DROP"), if the kernel has it.
	std::optional<uint64_t> drop_reason_value(const std::string& short_name) const;

	bool empty() const { return drop_reasons_.empty() && tcp_states_.empty(); }
	// The kernel has enum skb_drop_reason (5.17+, c504e5c2f964).
	bool has_drop_reasons() const { return !drop_reasons_.empty(); }

private:
	std::map<uint64_t, std::string> drop_reasons_;
	std::map<uint64_t, std::string> rst_reasons_;
	std::map<uint64_t, std::string> tcp_states_;
};

} // namespace tcpsight
