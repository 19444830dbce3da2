// What the running kernel lets us attach, found by trying (never by version number):
// a function present in BTF may still refuse fentry (this project's own 6.18 machines
// answer EPERM), so fentry is probed with a trial load and attach, as bcc's
// fentry_can_attach() does. Virtual so unit tests can fake a kernel.
#pragma once
#include <future>
#include <map>
#include <optional>
#include <string>

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
	virtual Probe fentry(const std::string& func);
	virtual Probe kprobe(const std::string& func);
	virtual Probe iter(const std::string& target);

	// Number of parameters of a vmlinux function per BTF (-1 if unknown): for
	// prototypes that grew (check_established gained rcu_lookup, hash in 6.15).
	int func_arg_count(const std::string& func);

	// The running kernel's BTF (vmlinux), loaded once; nullptr when absent.
	const struct btf* vmlinux_btf();

	// /proc/kallsyms, parsed once: the kernel spends ~50 ms producing it (seconds
	// under emulation), so start-up reads it in the background (prefetch) while
	// BTF and the BPF objects load, and every user shares the one copy.
	void prefetch_kallsyms();
	const Kallsyms& kallsyms();

private:
	std::future<Kallsyms> kallsyms_future_;
	std::optional<Kallsyms> kallsyms_;
	struct btf* vmlinux_ = nullptr;
	bool vmlinux_tried_ = false;
	std::map<std::string, Probe> cache_;
};

} // namespace tcpsight
