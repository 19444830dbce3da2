// Who may load the programs: root, or any user holding CAP_BPF, CAP_PERFMON,
// CAP_NET_ADMIN and CAP_SYS_ADMIN in its effective set (systemd's AmbientCapabilities=,
// `setpriv --inh-caps ... --ambient-caps ...`, file capabilities).
#pragma once
#include <string>
#include <vector>

namespace tcpsight {

// The capabilities among those four that the process lacks (empty: enough).
std::vector<std::string> missing_capabilities();

} // namespace tcpsight
