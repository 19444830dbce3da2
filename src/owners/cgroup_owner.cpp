#include "owners/cgroup_owner.h"

namespace tcpsight {

namespace {

bool starts_with(std::string_view s, std::string_view p)
{
	return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool ends_with(std::string_view s, std::string_view p)
{
	return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool is_container_id(std::string_view s)
{
	if (s.size() != 64)
		return false;
	for (char c : s)
		if (!is_hex(c))
			return false;
	return true;
}

// A pod UID is a UUID for API-created pods and 32 hex digits for static pods (kubelet
// hashes the manifest). The systemd driver writes a UUID's dashes as '_' because '-'
// separates slice levels in unit names; we give it back with dashes, as the API shows it.
std::string pod_uid_of(std::string_view s)
{
	bool uuid = s.size() == 36;
	if (!uuid && s.size() != 32)
		return {};
	std::string out(s);
	for (size_t i = 0; i < out.size(); i++) {
		if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (out[i] != '-' && out[i] != '_')
				return {};
			out[i] = '-';
		} else if (!is_hex(out[i])) {
			return {};
		}
	}
	return out;
}

struct Runtime {
	std::string_view prefix;
	const char* name;
};

// "<prefix><id>.scope" under the systemd driver, "<prefix><id>" under some cgroupfs setups.
// "crio-conmon-<id>" (CRI-O's monitor) fails the id check and is not taken for the container.
constexpr Runtime kRuntimes[] = {
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"docker-", "docker"},
	{"libpod-", "podman"},
};

} // namespace

CgroupOwner parse_cgroup_path(std::string_view path)
{
	CgroupOwner o;
	o.cgroup = std::string(path);
	constexpr std::string_view deleted = " (deleted)"; // cgroup removed while the process is still in it
	if (ends_with(path, deleted))
		path.remove_suffix(deleted.size());

	std::string_view service, scope, previous;
	size_t pos = 0;
	while (pos <= path.size()) {
		size_t slash = path.find('/', pos);
		if (slash == std::string_view::npos)
			slash = path.size();
		std::string_view c = path.substr(pos, slash - pos);
		pos = slash + 1;
		if (c.empty())
			continue;

		std::string_view bare = c;
		if (ends_with(bare, ".scope"))
			bare.remove_suffix(6);
		const char* runtime = nullptr;
		std::string_view id;
		for (const Runtime& r : kRuntimes)
			if (starts_with(bare, r.prefix) && is_container_id(bare.substr(r.prefix.size()))) {
				runtime = r.name;
				id = bare.substr(r.prefix.size());
			}
		if (!runtime && is_container_id(c)) {
			// cgroupfs driver: a bare id. Docker's own parent names the runtime; kubepods' does not.
			runtime = previous == "docker" ? "docker" : "";
			id = c;
		}
		previous = c;
		if (runtime) {
			o.container_id = std::string(id);
			o.runtime = runtime;
			service = scope = {}; // units above the container are the host's, not its own
			continue;
		}

		if (ends_with(c, ".slice")) {
			// kubepods-burstable-pod<uid>.slice, kubepods-pod<uid>.slice (Guaranteed QoS)
			std::string_view name = c.substr(0, c.size() - 6);
			size_t dash = name.rfind('-');
			if (dash != std::string_view::npos && starts_with(name.substr(dash + 1), "pod")) {
				std::string uid = pod_uid_of(name.substr(dash + 4));
				if (!uid.empty())
					o.pod_uid = uid;
			}
		} else if (starts_with(c, "pod")) {
			std::string uid = pod_uid_of(c.substr(3)); // cgroupfs: /kubepods/burstable/pod<uid>
			if (!uid.empty())
				o.pod_uid = uid;
		} else if (ends_with(c, ".service") && c.size() > 8) {
			service = c;
		} else if (ends_with(c, ".scope") && c.size() > 6) {
			scope = c;
		}
	}
	o.unit = std::string(!service.empty() ? service : scope);
	return o;
}

} // namespace tcpsight
