#include "core/privileges.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tcpsight {

static bool effective(const __user_cap_data_struct* data, int bit)
{
	return data[bit / 32].effective & (1u << (bit % 32));
}

std::vector<std::pair<std::string, std::string>> missing_optional_capabilities()
{
	static const struct {
		int bit;
		const char* name;
		const char* loses;
	} kOptional[] = {
	    {19, "CAP_SYS_PTRACE", "listeners and namespaces of other users' processes go unnamed"},
	    {2, "CAP_DAC_READ_SEARCH", "syscalls tracepoints are unreadable in tracefs (no port-search time on the tracepoint rung)"},
	    {34, "CAP_SYSLOG", "kernel addresses read as 0 (no drop call sites before 5.17)"},
	};
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	std::vector<std::pair<std::string, std::string>> missing;
	if (syscall(SYS_capget, &hdr, data) != 0)
		return missing;
	for (const auto& c : kOptional)
		if (!effective(data, c.bit))
			missing.emplace_back(c.name, c.loses);
	return missing;
}

std::vector<std::string> missing_capabilities()
{
	// CAP_BPF and CAP_PERFMON are 39 and 38 (5.8); older headers may not name them.
	static const struct {
		int bit;
		const char* name;
	} kNeeded[] = {{39, "CAP_BPF"}, {38, "CAP_PERFMON"}, {12, "CAP_NET_ADMIN"}, {21, "CAP_SYS_ADMIN"}};
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	std::vector<std::string> missing;
	if (syscall(SYS_capget, &hdr, data) != 0) {
		for (const auto& c : kNeeded)
			missing.push_back(c.name);
		return missing;
	}
	for (const auto& c : kNeeded)
		if (!effective(data, c.bit))
			missing.push_back(c.name);
	return missing;
}

std::optional<std::string> memlock_shortfall()
{
	constexpr rlim_t kNeeded = 64ull << 20;
	rlimit lim{};
	if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= kNeeded)
		return std::nullopt;
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	if (syscall(SYS_capget, &hdr, data) == 0 && effective(data, 24)) // CAP_SYS_RESOURCE: libbpf lifts it
		return std::nullopt;
	// Memory-cgroup accounting came in 5.11 with bpf_ktime_get_coarse_ns; libbpf
	// tells the two apart by the same probe.
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_ktime_get_coarse_ns, nullptr) == 1)
		return std::nullopt;
	if (lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &lim);
	}
	if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= kNeeded)
		return std::nullopt;
	return "this kernel (before 5.11) charges BPF maps to RLIMIT_MEMLOCK, which is " +
	       std::to_string(lim.rlim_cur >> 10) + " KiB here and needs 64 MiB; without CAP_SYS_RESOURCE it cannot be raised";
}

} // namespace tcpsight
