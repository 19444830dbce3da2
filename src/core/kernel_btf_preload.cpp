#include "core/kernel_btf_preload.h"

#include <bpf/libbpf.h>
#include <cstring>

namespace tcpsight {

KernelBtfPreload::KernelBtfPreload(bpf_object* obj, const char* program)
{
	bpf_program* prog = obj ? bpf_object__find_program_by_name(obj, program) : nullptr;
	const char* sec = prog ? bpf_program__section_name(prog) : nullptr;
	if (!sec || std::strncmp(sec, "tp_btf/", 7) != 0)
		return;
	// libbpf 1.4 has no call that only loads the object's vmlinux BTF; setting a
	// program's attach target does it first, and the target set here is the one the
	// load would compute for that program anyway (its section's tracepoint).
	thread_ = std::thread([prog, sec] { (void)bpf_program__set_attach_target(prog, 0, sec + 7); });
}

} // namespace tcpsight
