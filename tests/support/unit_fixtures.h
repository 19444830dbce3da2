// Fixtures the unit suites share: a kernel-like BTF with the enums tcpsight names, and
// an Output rendered into a string.
#pragma once
#include <bpf/btf.h>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "output/output.h"

namespace tcpsight::test {

// Drop reasons numbered as on 6.18, TCP states in an anonymous enum.
struct FakeKernel {
	struct btf* btf = btf__new_empty();
	FakeKernel()
	{
		btf__add_enum(btf, "skb_drop_reason", 4);
		btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0);
		btf__add_enum_value(btf, "SKB_CONSUMED", 1);
		btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2);
		btf__add_enum_value(btf, "SKB_DROP_REASON_NO_SOCKET", 3);
		btf__add_enum_value(btf, "SKB_DROP_REASON_NETFILTER_DROP", 12);
		btf__add_enum_value(btf, "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW", 40);
		btf__add_enum(btf, nullptr, 4);
		btf__add_enum_value(btf, "TCP_ESTABLISHED", 1);
		btf__add_enum_value(btf, "TCP_SYN_SENT", 2);
		btf__add_enum_value(btf, "TCP_LISTEN", 10);
		btf__add_enum_value(btf, "TCP_MAX_STATES", 14);
	}
	~FakeKernel() { btf__free(btf); }
	FakeKernel(const FakeKernel&) = delete;
	FakeKernel& operator=(const FakeKernel&) = delete;
};

// What `f` writes through a JSON or text Output.
inline std::string render(bool json, const std::function<void(Output&)>& f)
{
	char* buf = nullptr;
	size_t len = 0;
	FILE* mem = open_memstream(&buf, &len);
	{
		auto out = json ? make_json_output(mem) : make_text_output(mem);
		f(*out);
		out->flush();
	}
	fclose(mem);
	std::string s(buf, len);
	free(buf);
	return s;
}

} // namespace tcpsight::test
