// Snapshots of TCP sockets in any netns through the iter/tcp program
// (bpf/sockets_iter.bpf.c): listeners with their queue lengths, TIME_WAIT and
// ESTABLISHED sockets for port censuses. Costs one pass over that netns's TCP tables.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "shared/events.h"

namespace tcpsight {

class SocketSnapshot {
public:
	// Loads and attaches the iterator; throws Failure when the kernel refuses it.
	explicit SocketSnapshot(uint32_t states_mask);
	~SocketSnapshot();
	SocketSnapshot(const SocketSnapshot&) = delete;
	SocketSnapshot& operator=(const SocketSnapshot&) = delete;

	// Sockets of the netns at `netns_path` ("" = the caller's own).
	std::vector<ts_sock_rec> read(const std::string& netns_path) const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace tcpsight
