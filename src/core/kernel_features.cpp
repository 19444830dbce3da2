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

Probe KernelFeatures::tracepoint_btf(const std::string& name)
{
	const struct btf* b = vmlinux_btf();
	if (!b)
		return {false, "no kernel BTF"};
	if (btf__find_by_name_kind(b, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) < 0)
		return {false, "tracepoint not in this kernel"};
	return {true, {}};
}

// Trial fentry: load "r0 = 0; exit" as BPF_TRACE_FENTRY on the function, then attach it.
Probe KernelFeatures::fentry(const std::string& func)
{
	auto key = "fentry:" + func;
	if (auto it = cache_.find(key); it != cache_.end())
		return it->second;
	Probe p;
	const struct btf* b = vmlinux_btf();
	int id = b ? btf__find_by_name_kind(b, func.c_str(), BTF_KIND_FUNC) : -1;
	if (!b) {
		p.why = "no kernel BTF";
	} else if (id < 0) {
		p.why = "function not in kernel BTF (inlined or absent)";
	} else {
		struct bpf_insn insns[] = {
		    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
		};
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)id);
		Fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, "tcpsight_probe", "GPL", insns, 2, &opts));
		if (!prog.valid()) {
			p.why = std::string("trial load: ") + std::strerror(errno);
		} else {
			Fd link(bpf_raw_tracepoint_open(nullptr, prog.get()));
			if (!link.valid())
				p.why = std::string("trial attach: ") + std::strerror(errno);
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
	std::ifstream ks("/proc/kallsyms");
	std::string addr, type, name;
	while (ks >> addr >> type >> name) {
		if (name == func) {
			ks.close();
			std::ifstream bl("/sys/kernel/debug/kprobes/blacklist");
			std::string line;
			while (std::getline(bl, line))
				if (line.size() > func.size() && line.compare(line.size() - func.size(), func.size(), func) == 0 &&
				    line[line.size() - func.size() - 1] == '\t')
					return {false, "function is on the kprobe blacklist"};
			return {true, {}};
		}
		std::getline(ks, name); // skip the optional [module] column
	}
	return {false, "function not in /proc/kallsyms"};
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
