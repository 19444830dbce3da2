// Naming the process (and through its cgroup, the unit, container or pod) behind a socket
// inode or a netns inode, in userspace from /proc, never per event in the kernel.
//
// Finding a socket's holder means reading every fd link of every process, so one scan
// records ALL socket inodes at once and lookups hit that map; an unknown inode triggers a
// new scan at most once per min_rescan however many lookups miss (sockets without a
// holder — TIME_WAIT, request socks, kernel sockets — miss forever). Answers can be one
// scan stale: a pid that exited and was reused before the next scan is misnamed.
//
// Memory is bounded: each map (socket inode -> pid, netns inode -> pid, pid -> owner) holds
// at most max_entries (default 65536: a few MiB); a scan stops recording at the bound, lowest
// pids first, and lookups beyond it return nullopt.
//
// Not thread-safe: one resolver per thread, or a mutex around it.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "owners/cgroup_owner.h"

namespace tcpsight {

struct ProcessOwner {
	int pid = 0;
	std::string comm;   // /proc/PID/comm without its newline; empty when unreadable
	CgroupOwner cgroup; // from the "0::" line (cgroup v2), else v1's name=systemd line
};

class OwnerResolver {
public:
	struct Stats {
		size_t socket_scans = 0;
		size_t netns_scans = 0;
		size_t sockets = 0; // inodes held in the socket map now
		size_t netns = 0;
	};

	// proc_root is a directory laid out like /proc (tests build a fake one).
	explicit OwnerResolver(std::string proc_root = "/proc",
			       std::chrono::milliseconds min_rescan = std::chrono::seconds(1), size_t max_entries = 65536);

	// The process holding socket:[inode] in one of its fds. Several processes share a
	// socket after fork (nginx's master and workers share the listener): the lowest pid
	// wins, usually the parent that opened it, the one worth naming.
	std::optional<ProcessOwner> owner_of_socket(uint64_t socket_inode);
	// A representative process of the network namespace (lowest pid in it), to name
	// the container, pod or service behind a netns.
	std::optional<ProcessOwner> owner_of_netns(uint64_t netns_inode);
	// Reads /proc/PID/comm and /proc/PID/cgroup now, uncached; empty fields when gone.
	ProcessOwner process(int pid) const;

	Stats stats() const;

private:
	struct Table {
		std::unordered_map<uint64_t, int> pids;
		std::chrono::steady_clock::time_point scanned_at;
		bool scanned = false;
		size_t scans = 0;
	};
	enum class Kind { socket, netns };

	std::optional<ProcessOwner> lookup(Table& t, Kind kind, uint64_t inode);
	std::optional<ProcessOwner> find(Table& t, uint64_t inode);
	void scan(Table& t, Kind kind);
	std::optional<ProcessOwner> read_process(int pid) const;

	std::string root_;
	std::chrono::milliseconds min_rescan_;
	size_t max_entries_;
	Table sockets_;
	Table netns_;
	std::unordered_map<int, ProcessOwner> owners_; // filled on first use, emptied by each scan
};

} // namespace tcpsight
