// What the running kernel lets us attach, found by trying (never by version number):
// a function present in BTF may still refuse fentry (this project's own 6.18 machines
// answer EPERM), so fentry is probed with a trial load and attach, as bcc's
// fentry_can_attach() does. Virtual so unit tests can fake a kernel.
#pragma once
#include <atomic>
#include <future>
#include <sys/types.h>
#include <map>
#include <optional>
#include <string>
#include <cstdint>

#include "core/kallsyms.h"

struct btf;

namespace tcpsight {

struct Probe {
	bool ok = false;
	std::string why; // when !ok: one short reason ("EPERM on trial load", "no kprobe PMU")
};

class KernelFeatures {
public:
	KernelFeatures();
	virtual ~KernelFeatures();
	KernelFeatures(const KernelFeatures&) = delete;
	KernelFeatures& operator=(const KernelFeatures&) = delete;

	// tp_btf: the tracepoint has a btf_trace_<name> typedef in vmlinux BTF.
	virtual Probe tracepoint_btf(const std::string& name);
	// A classic tracepoint with no BTF of its own (syscalls:*): its tracefs id.
	virtual Probe tracefs_event(const std::string& category, const std::string& name);
	virtual Probe fentry(const std::string& func);
	virtual Probe kprobe(const std::string& func);
	virtual Probe iter(const std::string& target);
	// A BPF helper (enum bpf_func_id) the running kernel has: its id is below the
	// kernel's __BPF_FUNC_MAX_ID (ids are uapi, never renumbered).
	virtual Probe helper(int id);

	// Number of parameters of a function per BTF, vmlinux or its module's (-1 if
	// unknown): for prototypes that changed (check_established gained rcu_lookup and
	// hash in 6.15), and for where an fexit program finds the return value.
	int func_arg_count(const std::string& func);

	// Arguments of a BTF-enabled tracepoint (btf_trace_<name>), the hidden first
	// `void *` not counted; -1 if unknown. Lets userspace tell BPF which prototype the
	// kernel has (a rodata flag) without a CO-RE relocation against a type the kernel
	// lacks, which would make libbpf load every module's BTF looking for it.
	int tracepoint_arg_count(const std::string& name);

	// The running kernel's BTF (vmlinux), loaded once; nullptr when absent.
	const struct btf* vmlinux_btf();

	// /proc/kallsyms, parsed once: the kernel spends ~50 ms producing it (seconds
	// under emulation), so start-up reads it in the background (prefetch) while
	// BTF and the BPF objects load, and every user shares the one copy.
	// `urgent`: something will wait for it before "ready" (normal priority from the start).
	void prefetch_kallsyms(bool urgent = true);
	const Kallsyms& kallsyms();
	// One function's range as soon as the text is read, before it is indexed (what the
	// programs need before they attach; the index is for naming call sites later), or
	// from the boot cache, when an earlier run this boot read it: then nothing waits for
	// /proc/kallsyms before "ready".
	std::optional<SymbolRange> kallsyms_range(const std::string& name);

	// A function's BTF id in vmlinux or in its module's BTF; `obj_fd` is the module
	// BTF's fd (-1 for vmlinux), owned here. id < 0 when not found.
	struct FuncBtf {
		int id = -1;
		int obj_fd = -1;
		const struct btf* btf = nullptr; // where `id` is
	};
	FuncBtf find_func_btf(const std::string& func);

private:
	struct ModuleBtf {
		uint32_t id = 0;      // BTF object id
		int fd = -1;          // opened on first use
		struct btf* btf = nullptr; // parsed on first use (split on vmlinux)
	};
	// Kernel BTF objects by module name, listed once (names only: cheap); each module's
	// BTF is parsed only when a function is looked up there.
	std::map<std::string, ModuleBtf>& modules();
	ModuleBtf* module_btf(const std::string& name);
	std::optional<std::map<std::string, ModuleBtf>> modules_;

	// The reading thread runs at nice 19 until someone waits for what it makes.
	void boost_kallsyms(bool index_too);
	std::atomic<pid_t> kallsyms_tid_{0};
	std::atomic<bool> kallsyms_text_wanted_{false}, kallsyms_index_wanted_{false};
	std::shared_future<Kallsyms::Text> kallsyms_text_;
	std::future<Kallsyms> kallsyms_future_;
	std::optional<Kallsyms> kallsyms_;
	struct btf* vmlinux_ = nullptr;
	bool vmlinux_tried_ = false;
	std::map<std::string, Probe> cache_;
	std::optional<std::string> fentry_refused_;
	std::optional<int64_t> helper_max_id_; // a trial load's EPERM applies to every function
};

} // namespace tcpsight
