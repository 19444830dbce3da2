#include "core/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tcpsight {

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
		if (!(data[c.bit / 32].effective & (1u << (c.bit % 32))))
			missing.push_back(c.name);
	return missing;
}

} // namespace tcpsight
