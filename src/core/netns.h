// Network namespaces: naming them (an inode, a /var/run/netns path or /proc/PID/ns/net),
// finding a path that opens one given only its inode (events carry inodes), and running
// reads inside one. /proc/thread-self/net/* and /proc/sys/net/* answer for the calling
// thread's netns, so reads happen after setns() on the calling thread and the thread
// returns to its own netns afterwards.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bpf_handles.h"

namespace tcpsight {

// Inode of the netns at `path`; throws Failure with a hint when it is not one.
uint32_t netns_inode_of_path(const std::string& path);
// Parses a --netns argument: all digits is an inode, anything else a path.
uint32_t parse_netns_arg(const std::string& arg);

class NetnsDirectory {
public:
	// Finds an openable path for each netns: /var/run/netns/*, /proc/*/ns/net.
	void rescan();
	std::optional<std::string> path_for(uint32_t inode);
	std::vector<uint32_t> inodes() const;
	// The netns a --netns filter names, or every one found now (rescanned).
	std::vector<uint32_t> watched(std::optional<uint32_t> only);
	uint32_t self_inode() const;

private:
	std::map<uint32_t, std::string> paths_;
	bool scanned_ = false;
};

// Enters the netns at `path` for this thread until destroyed.
class ScopedNetns {
public:
	explicit ScopedNetns(const std::string& path);
	~ScopedNetns();
	ScopedNetns(const ScopedNetns&) = delete;
	ScopedNetns& operator=(const ScopedNetns&) = delete;
	bool entered() const { return entered_; }

private:
	Fd home_;
	bool entered_ = false;
};

// Runs `read` inside the netns with that inode; nullopt when it cannot be entered
// (gone, or no path to it).
template <typename Read>
auto read_in_netns(NetnsDirectory& dir, uint32_t inode, Read&& read) -> std::optional<decltype(read())>
{
	auto path = dir.path_for(inode);
	if (!path)
		return std::nullopt;
	ScopedNetns in(*path);
	if (!in.entered())
		return std::nullopt;
	return read();
}

// Whole file, or nullopt.
std::optional<std::string> read_text_file(const std::string& path);

} // namespace tcpsight
