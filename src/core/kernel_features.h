// What the running kernel lets us attach, found by trying (never by version number):
// a function present in BTF may still refuse fentry (this project's own 6.18 machines
// answer EPERM), so fentry is probed with a trial load and attach, as bcc's
// fentry_can_attach() does. Virtual so unit tests can fake a kernel.
#pragma once
#include <map>
#include <optional>
#include <string>

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

	// The running kernel's BTF (vmlinux), loaded once; nullptr when absent.
	const struct btf* vmlinux_btf();

private:
	struct btf* vmlinux_ = nullptr;
	bool vmlinux_tried_ = false;
	std::map<std::string, Probe> cache_;
};

} // namespace tcpsight
