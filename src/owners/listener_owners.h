// Who owns a listener, by (netns, port): the process holding the listening socket, and
// through its cgroup the systemd unit, container and pod. Events and summary rows carry
// only the netns and the port; this names them in userspace, from an iter/tcp snapshot
// of that netns (listeners with their socket inodes) and /proc (OwnerResolver).
// Cached: a netns is re-read only when a port in it is unknown, at most once a second;
// names stay after the listener closes (a counter keeps its series), a new owner
// replaces them. Bounded at 65,536 listeners.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/netns.h"
#include "owners/proc_owners.h"

namespace tcpsight {

class SocketSnapshot;

struct ListenerOwner {
	int pid = 0;
	std::string process; // comm of the lowest pid holding the socket
	std::string unit, container_id, pod_uid;
};

class ListenerOwners {
public:
	explicit ListenerOwners(NetnsDirectory& dir);
	~ListenerOwners();

	// nullptr when nobody could be named (gone, unreadable, no iter/tcp).
	const ListenerOwner* find(uint32_t netns, uint16_t port);
	// A listener someone else just read (the exporter's gauges): names it now.
	const ListenerOwner* note(uint32_t netns, uint16_t port, uint32_t socket_inode);
	// Whose network namespace it is: its lowest pid's process, unit, container and pod.
	std::optional<ListenerOwner> netns_owner(uint32_t netns);

private:
	void refresh(uint32_t netns);
	static uint64_t key(uint32_t netns, uint16_t port) { return (uint64_t)netns << 16 | port; }

	NetnsDirectory& dir_;
	OwnerResolver resolver_;
	std::unique_ptr<SocketSnapshot> snapshot_;
	bool snapshot_failed_ = false;
	std::unordered_map<uint64_t, ListenerOwner> owners_;
	std::unordered_map<uint32_t, std::chrono::steady_clock::time_point> refreshed_;
};

} // namespace tcpsight
