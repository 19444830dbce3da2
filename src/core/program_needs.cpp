#include "core/program_needs.h"

#include <algorithm>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

namespace tcpsight {

std::map<std::string, std::vector<int>> helpers_by_program(const bpf_object* obj)
{
	std::map<std::string, std::vector<int>> out;
	bpf_program* p;
	bpf_object__for_each_program(p, obj)
	{
		std::vector<int>& ids = out[bpf_program__name(p)];
		const bpf_insn* insn = bpf_program__insns(p);
		for (size_t i = 0; i < bpf_program__insn_cnt(p); i++)
			// A helper call: BPF_CALL with src_reg 0 (1 is a subprogram, 2 a kfunc).
			if (insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == 0 &&
			    std::find(ids.begin(), ids.end(), insn[i].imm) == ids.end())
				ids.push_back(insn[i].imm);
	}
	return out;
}

std::string helper_name(int id)
{
	switch (id) {
#define TCPSIGHT_HELPER_NAME(name, value, ...) \
	case value: return "bpf_" #name;
		___BPF_FUNC_MAPPER(TCPSIGHT_HELPER_NAME)
#undef TCPSIGHT_HELPER_NAME
	default: return "bpf helper #" + std::to_string(id);
	}
}

} // namespace tcpsight
