#include "owners/listener_owners.h"

#include "core/failure.h"
#include "core/socket_snapshot.h"

namespace tcpsight {

constexpr size_t kMaxListeners = 65536;

ListenerOwners::ListenerOwners(NetnsDirectory& dir) : dir_(dir) {}
ListenerOwners::~ListenerOwners() = default;

static ListenerOwner owner_of(const ProcessOwner& p)
{
	return {p.pid, p.comm, p.cgroup.unit, p.cgroup.container_id, p.cgroup.pod_uid};
}

const ListenerOwner* ListenerOwners::note(uint32_t netns, uint16_t port, uint32_t socket_inode)
{
	auto p = resolver_.owner_of_socket(socket_inode);
	if (!p) {
		auto it = owners_.find(key(netns, port));
		return it == owners_.end() ? nullptr : &it->second;
	}
	if (owners_.size() >= kMaxListeners && !owners_.count(key(netns, port)))
		owners_.clear(); // bounded whatever churns
	ListenerOwner& o = owners_[key(netns, port)];
	o = owner_of(*p);
	return &o;
}

std::optional<ListenerOwner> ListenerOwners::netns_owner(uint32_t netns)
{
	auto p = resolver_.owner_of_netns(netns);
	if (!p)
		return std::nullopt;
	return owner_of(*p);
}

void ListenerOwners::refresh(uint32_t netns)
{
	auto now = std::chrono::steady_clock::now();
	auto& at = refreshed_[netns];
	if (at.time_since_epoch().count() && now - at < std::chrono::seconds(1))
		return;
	at = now;
	if (!snapshot_ && !snapshot_failed_) {
		try {
			snapshot_ = std::make_unique<SocketSnapshot>(1u << 10 /* TCP_LISTEN */);
		} catch (const Failure&) {
			snapshot_failed_ = true; // no iter/tcp: listeners stay unnamed
		}
	}
	auto path = dir_.path_for(netns);
	if (!snapshot_ || !path)
		return;
	for (const auto& s : snapshot_->read(*path))
		note(netns, s.t.lport, s.ino);
}

const ListenerOwner* ListenerOwners::find(uint32_t netns, uint16_t port)
{
	auto it = owners_.find(key(netns, port));
	if (it != owners_.end())
		return &it->second;
	refresh(netns);
	it = owners_.find(key(netns, port));
	return it == owners_.end() ? nullptr : &it->second;
}

} // namespace tcpsight
