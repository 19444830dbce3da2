// Who may load the programs: root, or any user holding CAP_BPF, CAP_PERFMON,
// CAP_NET_ADMIN and CAP_SYS_ADMIN in its effective set (systemd's AmbientCapabilities=,
// `setpriv --inh-caps ... --ambient-caps ...`, file capabilities).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tcpsight {

// The capabilities among those four that the process lacks (empty: enough).
std::vector<std::string> missing_capabilities();

// Capabilities that are not needed but whose absence hides something, each with what
// (CAP_SYS_PTRACE: other users' /proc/PID/fd and ns/net; CAP_DAC_READ_SEARCH: tracefs;
// CAP_SYSLOG: kallsyms addresses). Empty for root.
std::vector<std::pair<std::string, std::string>> missing_optional_capabilities();

// Kernels before 5.11 charge BPF maps and programs to RLIMIT_MEMLOCK (from 5.11 to
// the memory cgroup). Root lifts the limit (libbpf does); a user without
// CAP_SYS_RESOURCE can only raise its soft limit to the hard one, which this does.
// Returns what is wrong when that stays below what the tools need (both tools at
// once, the exporter's case, hold ~20 MiB: 64 MiB is asked for), else nullopt.
std::optional<std::string> memlock_shortfall();

} // namespace tcpsight
