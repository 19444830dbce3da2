#include "core/privileges.h"

#include <linux/capability.h>
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

} // namespace tcpsight
