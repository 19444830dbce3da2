#include "core/kernel_features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/bpf.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/boot_cache.h"
#include "core/bpf_handles.h"
#include "core/iter_tcp_hazard.h"
#include "core/program_needs.h"
#include "core/startup_trace.h"

namespace tcpsight {

KernelFeatures::KernelFeatures() = default;

KernelFeatures::~KernelFeatures()
{
	if (modules_)
		for (auto& [name, m] : *modules_) {
			btf__free(m.btf);
			if (m.fd >= 0)
				close(m.fd);
		}
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

void KernelFeatures::prefetch_kallsyms(bool urgent)
{
	if (urgent)
		kallsyms_text_wanted_.store(true);
	if (kallsyms_ || kallsyms_future_.valid())
		return;
	auto text = std::make_shared<std::promise<Kallsyms::Text>>();
	kallsyms_text_ = text->get_future().share();
	kallsyms_future_ = std::async(std::launch::async, [this, text] {
		// Low priority unless waited for: it yields the CPU to the load under way
		// (2 cores: this thread, the load, libbpf's BTF parse). The wanted flags are
		// read after the store of the tid, boost_kallsyms() does the converse: one of
		// the two sees the other.
		auto nice_unless = [](const std::atomic<bool>& wanted) {
			setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
			if (wanted.load())
				setpriority(PRIO_PROCESS, (id_t)gettid(), 0);
		};
		kallsyms_tid_.store(gettid());
		nice_unless(kallsyms_text_wanted_);
		Kallsyms::Text t = Kallsyms::read_text();
		text->set_value(t);
		nice_unless(kallsyms_index_wanted_);
		return Kallsyms::index(std::move(t));
	});
}

void KernelFeatures::boost_kallsyms(bool index_too)
{
	kallsyms_text_wanted_.store(true);
	if (index_too)
		kallsyms_index_wanted_.store(true);
	if (pid_t tid = kallsyms_tid_.load())
		setpriority(PRIO_PROCESS, (id_t)tid, 0);
}

std::optional<SymbolRange> KernelFeatures::kallsyms_range(const std::string& name)
{
	if (auto cached = boot_cache::range(name)) {
		startup_trace::mark(("range of " + name + " from the boot cache").c_str());
		return cached;
	}
	std::optional<SymbolRange> r;
	if (kallsyms_) { // already indexed (the ladder needed it)
		r = kallsyms_->range(name);
		if (r)
			r->in_module = !kallsyms_->module_of(name).value_or("").empty();
	} else {
		prefetch_kallsyms();
		boost_kallsyms(false);
		r = Kallsyms::range_in_text(*kallsyms_text_.get(), name);
	}
	startup_trace::mark(("range of " + name + " from kallsyms").c_str());
	if (r && !r->in_module)
		boot_cache::store_range(name, *r);
	return r;
}

const Kallsyms& KernelFeatures::kallsyms()
{
	if (!kallsyms_) {
		if (kallsyms_future_.valid())
			boost_kallsyms(true);
		kallsyms_ = kallsyms_future_.valid() ? kallsyms_future_.get() : Kallsyms::load();
		startup_trace::mark("kallsyms ready");
	}
	return *kallsyms_;
}

int KernelFeatures::func_arg_count(const std::string& func)
{
	FuncBtf f = find_func_btf(func);
	if (f.id < 0 || !f.btf)
		return -1;
	const struct btf* b = f.btf;
	const struct btf_type* proto = btf__type_by_id(b, btf__type_by_id(b, f.id)->type);
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

Probe KernelFeatures::tracefs_event(const std::string& category, const std::string& name)
{
	struct stat st;
	for (const char* root : {"/sys/kernel/tracing/events/", "/sys/kernel/debug/tracing/events/"})
		if (stat((root + category + "/" + name + "/id").c_str(), &st) == 0)
			return {true, {}};
	return {false, "no " + category + ":" + name + " in tracefs (not mounted, or CONFIG_FTRACE_SYSCALLS off)"};
}

std::map<std::string, KernelFeatures::ModuleBtf>& KernelFeatures::modules()
{
	if (modules_)
		return *modules_;
	modules_.emplace();
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
		(*modules_)[name].id = id;
	}
	return *modules_;
}

KernelFeatures::ModuleBtf* KernelFeatures::module_btf(const std::string& name)
{
	auto it = modules().find(name);
	if (it == modules().end())
		return nullptr;
	ModuleBtf& m = it->second;
	if (!m.btf && vmlinux_btf()) {
		m.btf = btf__load_from_kernel_by_id_split(m.id, const_cast<struct btf*>(vmlinux_btf()));
		m.fd = m.btf ? bpf_btf_get_fd_by_id(m.id) : -1;
		startup_trace::mark(("module BTF " + name).c_str());
	}
	return m.btf ? &m : nullptr;
}

// nf_conntrack is a module on distribution kernels: its functions are in its own BTF.
// kallsyms names the module, so only that one BTF is parsed (each parse costs ~1 s
// under emulation); a function kallsyms does not list is in no loaded module. Only when
// kallsyms is unreadable is every module searched, each parsed once.
KernelFeatures::FuncBtf KernelFeatures::find_func_btf(const std::string& func)
{
	FuncBtf f;
	const struct btf* vmlinux = vmlinux_btf();
	if (!vmlinux)
		return f;
	f.id = btf__find_by_name_kind(vmlinux, func.c_str(), BTF_KIND_FUNC);
	if (f.id > 0) {
		f.btf = vmlinux;
		return f;
	}
	f.id = -1;
	auto try_module = [&](const std::string& name) {
		ModuleBtf* m = module_btf(name);
		int id = m ? btf__find_by_name_kind(m->btf, func.c_str(), BTF_KIND_FUNC) : -1;
		if (id > 0) {
			f.id = id;
			f.obj_fd = m->fd;
			f.btf = m->btf;
		}
		return id > 0;
	};
	auto mod = kallsyms().module_of(func);
	if (mod && !mod->empty())
		try_module(*mod);
	else if (!mod && kallsyms().empty()) // no names to go by: search them all
		for (const auto& [name, m] : modules())
			if (try_module(name))
				break;
	return f;
}

int KernelFeatures::tracepoint_arg_count(const std::string& name)
{
	const struct btf* b = vmlinux_btf();
	int id = b ? btf__find_by_name_kind(b, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) : -1;
	if (id < 0)
		return -1;
	const struct btf_type* t = btf__type_by_id(b, btf__type_by_id(b, id)->type); // pointer
	t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : nullptr;
	return t && btf_is_func_proto(t) ? (int)btf_vlen(t) - 1 : -1;
}

// Trial fentry: load "r0 = 0; exit" as BPF_TRACE_FENTRY on the function, then attach it.
Probe KernelFeatures::fentry(const std::string& func)
{
	auto key = "fentry:" + func;
	if (auto it = cache_.find(key); it != cache_.end())
		return it->second;
	Probe p;
	if (fentry_refused_) {
		p.why = *fentry_refused_;
		cache_[key] = p;
		return p;
	}
	const struct btf* b = vmlinux_btf();
	FuncBtf target = find_func_btf(func);
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
			    .attach_btf_obj_fd = (__u32)(target.obj_fd >= 0 ? target.obj_fd : 0));
		Fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, "tcpsight_probe", "GPL", insns, 2, &opts));
		if (!prog.valid()) {
			p.why = std::string("trial load: ") + std::strerror(errno);
			// EPERM is the kernel refusing fentry as such (lockdown, or no trampolines
			// for this program type): no other function will do better.
			if (errno == EPERM)
				fentry_refused_ = p.why;
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
	startup_trace::mark(("fentry probe " + func).c_str());
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

Probe KernelFeatures::helper(int id)
{
	if (!helper_max_id_) {
		helper_max_id_ = -1;
		const struct btf* b = vmlinux_btf();
		int tid = b ? btf__find_by_name_kind(b, "bpf_func_id", BTF_KIND_ENUM) : -1;
		const struct btf_type* t = tid > 0 ? btf__type_by_id(b, tid) : nullptr;
		for (int i = 0; t && i < btf_vlen(t); i++)
			if (std::strcmp(btf__name_by_offset(b, btf_enum(t)[i].name_off), "__BPF_FUNC_MAX_ID") == 0)
				helper_max_id_ = btf_enum(t)[i].val;
	}
	if (*helper_max_id_ < 0 || id < *helper_max_id_)
		return {true, {}}; // unknown: let the verifier decide
	return {false, "needs " + helper_name(id) + ", which this kernel lacks"};
}

Probe KernelFeatures::iter(const std::string& target)
{
	const struct btf* b = vmlinux_btf();
	if (!b)
		return {false, "no kernel BTF"};
	if (btf__find_by_name_kind(b, ("bpf_iter_" + target).c_str(), BTF_KIND_FUNC) < 0)
		return {false, "bpf_iter_" + target + " not in this kernel (5.9+)"};
	if (target == "tcp")
		if (auto hazard = iter_tcp_hazard_here())
			return {false, *hazard};
	return {true, {}};
}

} // namespace tcpsight
