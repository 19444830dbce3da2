// libbpf parses the kernel's BTF (vmlinux, ~12 ms here) inside the object's load; the
// ladder parses its own copy first. Started on another thread as soon as the object is
// open, libbpf's parse runs beside ours instead of after it.
#pragma once
#include <thread>

struct bpf_object;

namespace tcpsight {

class KernelBtfPreload {
public:
	// `program`: a tp_btf program of `obj` whose tracepoint every supported kernel has
	// (its BTF is then found in vmlinux, never in a module's: no module BTF is read).
	KernelBtfPreload(bpf_object* obj, const char* program);
	~KernelBtfPreload() { wait(); }
	KernelBtfPreload(const KernelBtfPreload&) = delete;
	KernelBtfPreload& operator=(const KernelBtfPreload&) = delete;

	// Before anything else touches the object.
	void wait()
	{
		if (thread_.joinable())
			thread_.join();
	}

private:
	std::thread thread_;
};

} // namespace tcpsight
