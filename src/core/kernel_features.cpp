#include "core/kernel_features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bpf_handles.h"

namespace tcpsight {

KernelFeatures::KernelFeatures() = default;

KernelFeatures::~KernelFeatures()
{
	btf__free(vmlinux_);
}

const struct btf* KernelFeatures::vmlinux_btf()
{
	if (!vmlinux_tried_) {
		vmlinux_tried_ = true;
		vmlinux_ = btf__load_vmlinux_btf();
		if (!vmlinux_)
			vmlinux_ = nullptr;
	}
	return vmlinux_;
}

void KernelFeatures::prefetch_kallsyms()
{
	if (!kallsyms_ && !kallsyms_future_.valid())
		kallsyms_future_ = std::async(std::launch::async, Kallsyms::load);
}

const Kallsyms& KernelFeatures::kallsyms()
{
	if (!kallsyms_)
		kallsyms_ = kallsyms_future_.valid() ? kallsyms_future_.get() : Kallsyms::load();
	return *kallsyms_;
}

int KernelFeatures::func_arg_count(const std::string& func)
{
	const struct btf* b = vmlinux_btf();
	int id = b ? btf__find_by_name_kind(b, func.c_str(), BTF_KIND_FUNC) : -1;
	if (id < 0)
		return -1;
	const struct btf_type* proto = btf__type_by_id(b, btf__type_by_id(b, id)->type);
	return proto && btf_is_func_proto(proto) ? btf_vlen(proto) : -1;
}

Probe KernelFeatures::tracepoint_btf(const std::string& name)
{
	const struct btf* b = vmlinux_btf();
	if (!b)
		return {false, "no kernel BTF"};
	if (btf__find_by_name_kind(b, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) < 0)
		return {false, "tracepoint not in this kernel"};
	return {true, {}};
}

// A function's BTF id, in vmlinux or in a module's BTF (nf_conntrack is a module on
// distribution kernels); `obj` is the module BTF's fd, invalid for vmlinux.
struct FuncBtf {
	int id = -1;
	Fd obj;
};

static FuncBtf find_func_btf(const struct btf* vmlinux, const std::string& func)
{
	FuncBtf f;
	f.id = btf__find_by_name_kind(vmlinux, func.c_str(), BTF_KIND_FUNC);
	if (f.id > 0)
		return f;
	__u32 id = 0;
	while (bpf_btf_get_next_id(id, &id) == 0) {
		Fd fd(bpf_btf_get_fd_by_id(id));
		if (!fd.valid())
			continue;
		char name[64] = "";
		struct bpf_btf_info info = {};
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		__u32 len = sizeof(info);
		if (bpf_btf_get_info_by_fd(fd.get(), &info, &len) || !info.kernel_btf || !name[0] ||
		    std::strcmp(name, "vmlinux") == 0)
			continue;
		struct btf* mod = btf__load_from_kernel_by_id_split(id, const_cast<struct btf*>(vmlinux));
		int fid = mod ? btf__find_by_name_kind(mod, func.c_str(), BTF_KIND_FUNC) : -1;
		btf__free(mod);
		if (fid > 0) {
			f.id = fid;
			f.obj = std::move(fd);
			return f;
		}
	}
	f.id = -1;
	return f;
}

// Trial fentry: load "r0 = 0; exit" as BPF_TRACE_FENTRY on the function, then attach it.
Probe KernelFeatures::fentry(const std::string& func)
{
	auto key = "fentry:" + func;
	if (auto it = cache_.find(key); it != cache_.end())
		return it->second;
	Probe p;
	const struct btf* b = vmlinux_btf();
	FuncBtf target = b ? find_func_btf(b, func) : FuncBtf{};
	if (!b) {
		p.why = "no kernel BTF";
	} else if (target.id < 0) {
		p.why = "function not in kernel or loaded modules' BTF (inlined, absent, or its module not loaded)";
	} else {
		struct bpf_insn insns[] = {
		    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
		};
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)target.id,
			    .attach_btf_obj_fd = (__u32)(target.obj.valid() ? target.obj.get() : 0));
		Fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, "tcpsight_probe", "GPL", insns, 2, &opts));
		if (!prog.valid()) {
			p.why = std::string("trial load: ") + std::strerror(errno);
		} else {
			Fd link(bpf_raw_tracepoint_open(nullptr, prog.get()));
			if (!link.valid())
				p.why = std::string("trial attach: ") + std::strerror(errno);
			else if (auto clone = kallsyms().clone_of(func))
				p.why = "compiler clone " + *clone + " exists: calls to it bypass the entry";
			else
				p.ok = true;
		}
	}
	cache_[key] = p;
	return p;
}

Probe KernelFeatures::kprobe(const std::string& func)
{
	struct stat st;
	if (stat("/sys/bus/event_source/devices/kprobe/type", &st) != 0)
		return {false, "no kprobe PMU (CONFIG_KPROBE_EVENTS off)"};
	if (!kallsyms().has(func))
		return {false, "function not in /proc/kallsyms"};
	if (auto clone = kallsyms().clone_of(func))
		return {false, "compiler clone " + *clone + " exists: calls to it bypass the entry"};
	std::ifstream bl("/sys/kernel/debug/kprobes/blacklist");
	std::string line;
	while (std::getline(bl, line))
		if (line.size() > func.size() && line.compare(line.size() - func.size(), func.size(), func) == 0 &&
		    line[line.size() - func.size() - 1] == '\t')
			return {false, "function is on the kprobe blacklist"};
	return {true, {}};
}

Probe KernelFeatures::iter(const std::string& target)
{
	const struct btf* b = vmlinux_btf();
	if (!b)
		return {false, "no kernel BTF"};
	if (btf__find_by_name_kind(b, ("bpf_iter_" + target).c_str(), BTF_KIND_FUNC) < 0)
		return {false, "bpf_iter_" + target + " not in this kernel (5.9+)"};
	return {true, {}};
}

} // namespace tcpsight
