// Naming what a cgroup v2 path belongs to: a systemd unit, a container, a Kubernetes pod.
// Pure string work on the path after "0::" in /proc/PID/cgroup, so it is unit-tested
// on every layout the drivers write (systemd and cgroupfs, containerd, CRI-O, Docker).
#pragma once
#include <string>
#include <string_view>

namespace tcpsight {

struct CgroupOwner {
	// Innermost systemd .service, or the innermost .scope when there is no service
	// ("nginx.service", "session-3.scope", "init.scope"). Only components below the
	// container's own cgroup count, so a container's unit is empty unless it runs its own
	// units (systemd inside the container): its id and pod name it better.
	std::string unit;
	std::string container_id; // 64 lowercase hex digits, the innermost container's
	std::string runtime;      // "containerd", "cri-o", "docker", "podman", or "" when the
	                          // path does not say (cgroupfs driver under kubepods: a bare id)
	std::string pod_uid;      // with dashes, whichever the driver wrote ('_' under systemd)
	std::string cgroup;       // the path as given
};

// Never throws on any input (only std::bad_alloc can escape); garbage yields empty fields.
// A dead cgroup's " (deleted)" suffix is ignored for naming.
CgroupOwner parse_cgroup_path(std::string_view path);

} // namespace tcpsight
