// Where each fexit program finds its function's return value without
// bpf_get_func_ret() (5.17): the context slot after the last argument, whose index is
// the function's argument count in the running kernel's BTF (core_fixes.bpf.h,
// fexit_ret()). Each tool lists its fexit targets; before the load, the counts go
// into the object's `fexit_nargs` rodata.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tcpsight {

class AttachLadder;
class KernelFeatures;

struct FexitTarget {
	int index;        // enum ts_fexit_target / pc_fexit_target
	const char* func; // the kernel function the fexit program is attached to
	const char* hook; // the ladder hook whose fentry rung attaches it
};

// Only for hooks whose chosen rung is fentry: a module's BTF (nf_conntrack) is then
// parsed anyway for the attach. A count BTF cannot give stays 0 (fexit_ret() reads 0;
// the attach needs that BTF too, so the rung would fail first).
void fill_fexit_nargs(KernelFeatures& features, const AttachLadder& ladder, const FexitTarget* targets,
		      size_t count, volatile uint8_t* nargs);

} // namespace tcpsight
