#include "core/btf_enums.h"

#include <bpf/btf.h>
#include <cstring>

namespace tcpsight {
namespace {

using ValueMap = std::map<uint64_t, std::string>;

std::string strip_prefix(const std::string& s, const char* const* prefixes)
{
	for (; *prefixes; ++prefixes) {
		size_t n = std::strlen(*prefixes);
		if (s.compare(0, n, *prefixes) == 0 && s.size() > n)
			return s.substr(n);
	}
	return s;
}

void read_enum(const struct btf* btf, const struct btf_type* t, const char* const* prefixes, ValueMap& out)
{
	int n = btf_vlen(t);
	if (btf_is_enum(t)) {
		const struct btf_enum* e = btf_enum(t);
		for (int i = 0; i < n; i++) {
			uint64_t v = (uint32_t)e[i].val;
			out.emplace(v, strip_prefix(btf__name_by_offset(btf, e[i].name_off), prefixes));
		}
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64* e = btf_enum64(t);
		for (int i = 0; i < n; i++)
			out.emplace(btf_enum64_value(&e[i]),
				    strip_prefix(btf__name_by_offset(btf, e[i].name_off), prefixes));
	}
}

bool enum_has_member(const struct btf* btf, const struct btf_type* t, const char* member)
{
	if (!btf_is_enum(t))
		return false;
	const struct btf_enum* e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (std::strcmp(btf__name_by_offset(btf, e[i].name_off), member) == 0)
			return true;
	return false;
}

} // namespace

EnumNames::EnumNames(const struct btf* btf)
{
	if (!btf)
		return;
	static const char* const drop_prefixes[] = {"SKB_DROP_REASON_", "SKB_", nullptr};
	static const char* const rst_prefixes[] = {"SK_RST_REASON_", nullptr};
	static const char* const state_prefixes[] = {"TCP_", nullptr};

	// A kernel may emit a named enum as ENUM64 (pahole does for 64-bit values).
	for (int kind : {(int)BTF_KIND_ENUM, (int)BTF_KIND_ENUM64}) {
		int drop_id = btf__find_by_name_kind(btf, "skb_drop_reason", kind);
		if (drop_id > 0)
			read_enum(btf, btf__type_by_id(btf, drop_id), drop_prefixes, drop_reasons_);
		int rst_id = btf__find_by_name_kind(btf, "sk_rst_reason", kind);
		if (rst_id > 0)
			read_enum(btf, btf__type_by_id(btf, rst_id), rst_prefixes, rst_reasons_);
	}
	// TCP states live in an anonymous enum (include/net/tcp_states.h); find it by member.
	for (unsigned id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type* t = btf__type_by_id(btf, id);
		if (t->name_off == 0 && enum_has_member(btf, t, "TCP_ESTABLISHED") &&
		    enum_has_member(btf, t, "TCP_LISTEN")) {
			read_enum(btf, t, state_prefixes, tcp_states_);
			for (auto it = tcp_states_.begin(); it != tcp_states_.end();)
				it = it->second == "MAX_STATES" ? tcp_states_.erase(it) : std::next(it);
			break;
		}
	}
}

static std::optional<std::string> lookup(const std::map<uint64_t, std::string>& m, uint64_t v)
{
	auto it = m.find(v);
	if (it == m.end())
		return std::nullopt;
	return it->second;
}

std::optional<std::string> EnumNames::drop_reason(uint64_t value) const { return lookup(drop_reasons_, value); }
std::optional<std::string> EnumNames::rst_reason(uint64_t value) const { return lookup(rst_reasons_, value); }
std::optional<std::string> EnumNames::tcp_state(uint64_t value) const { return lookup(tcp_states_, value); }

std::optional<uint64_t> EnumNames::drop_reason_value(const std::string& short_name) const
{
	for (const auto& [v, n] : drop_reasons_)
		if (n == short_name)
			return v;
	return std::nullopt;
}

} // namespace tcpsight
