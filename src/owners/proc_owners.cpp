#include "owners/proc_owners.h"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace tcpsight {

namespace {

// At most `max` bytes of a small /proc file, or nullopt when it cannot be opened (exited, EACCES).
std::optional<std::string> read_small(const std::string& path, size_t max = 65536)
{
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	std::string s;
	char buf[4096];
	ssize_t n;
	while (s.size() < max && (n = read(fd, buf, sizeof buf)) > 0)
		s.append(buf, (size_t)n);
	close(fd);
	return s;
}

// "socket:[4242]" -> 4242 for prefix "socket:["; anything else -> nullopt.
std::optional<uint64_t> bracketed(std::string_view link, std::string_view prefix)
{
	if (link.size() <= prefix.size() + 1 || link.compare(0, prefix.size(), prefix) != 0 || link.back() != ']')
		return std::nullopt;
	std::string_view digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
	if (digits.size() > 19)
		return std::nullopt;
	uint64_t v = 0;
	for (char c : digits) {
		if (c < '0' || c > '9')
			return std::nullopt;
		v = v * 10 + (uint64_t)(c - '0');
	}
	return v;
}

// Numeric /proc entries, ascending, so that maps filled with emplace keep the lowest pid.
std::vector<int> list_pids(const std::string& root)
{
	std::vector<int> pids;
	DIR* d = opendir(root.c_str());
	if (!d)
		return pids;
	while (struct dirent* e = readdir(d)) {
		int pid = 0;
		size_t len = 0;
		for (const char* p = e->d_name; *p >= '0' && *p <= '9' && len < 9; p++, len++)
			pid = pid * 10 + (*p - '0');
		if (len > 0 && e->d_name[len] == '\0' && pid > 0)
			pids.push_back(pid);
	}
	closedir(d);
	std::sort(pids.begin(), pids.end());
	return pids;
}

// readlinkat without following the link; nullopt for errors and for targets too long to be
// "socket:[N]" or "net:[N]".
std::optional<std::string_view> link_at(int dirfd, const char* name, char (&buf)[64])
{
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
	if (n <= 0 || (size_t)n >= sizeof buf)
		return std::nullopt;
	return std::string_view(buf, (size_t)n);
}

// Every socket inode in pid's fds, into m, until it holds max entries.
void scan_fds(const std::string& root, int pid, std::unordered_map<uint64_t, int>& m, size_t max)
{
	std::string dir = root + "/" + std::to_string(pid) + "/fd";
	// Other users' processes answer EACCES unless we are root; exited ones ENOENT: skip both.
	int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	DIR* d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	char buf[64];
	while (m.size() < max) {
		struct dirent* e = readdir(d);
		if (!e)
			break;
		if (e->d_name[0] == '.')
			continue;
		if (auto link = link_at(dirfd(d), e->d_name, buf))
			if (auto ino = bracketed(*link, "socket:["))
				m.emplace(*ino, pid);
	}
	closedir(d);
}

} // namespace

OwnerResolver::OwnerResolver(std::string proc_root, std::chrono::milliseconds min_rescan, size_t max_entries)
	: root_(std::move(proc_root)), min_rescan_(min_rescan), max_entries_(max_entries)
{
}

std::optional<ProcessOwner> OwnerResolver::owner_of_socket(uint64_t socket_inode)
{
	return lookup(sockets_, Kind::socket, socket_inode);
}

std::optional<ProcessOwner> OwnerResolver::owner_of_netns(uint64_t netns_inode)
{
	return lookup(netns_, Kind::netns, netns_inode);
}

std::optional<ProcessOwner> OwnerResolver::lookup(Table& t, Kind kind, uint64_t inode)
{
	if (inode == 0)
		return std::nullopt; // request and TIME_WAIT sockets have no inode: no holder to find
	bool fresh = false;
	if (!t.scanned) {
		scan(t, kind);
		fresh = true;
	}
	if (auto o = find(t, inode))
		return o;
	// Unknown (created since the scan) or its holder exited: scan again, but a stream of
	// misses costs one scan per min_rescan, not one per event.
	if (fresh || std::chrono::steady_clock::now() - t.scanned_at < min_rescan_)
		return std::nullopt;
	scan(t, kind);
	return find(t, inode);
}

std::optional<ProcessOwner> OwnerResolver::find(Table& t, uint64_t inode)
{
	auto it = t.pids.find(inode);
	if (it == t.pids.end())
		return std::nullopt;
	int pid = it->second;
	if (auto o = owners_.find(pid); o != owners_.end())
		return o->second;
	auto o = read_process(pid);
	if (!o)
		return std::nullopt; // exited since the scan
	if (owners_.size() >= max_entries_)
		owners_.clear();
	owners_.emplace(pid, *o);
	return o;
}

void OwnerResolver::scan(Table& t, Kind kind)
{
	std::unordered_map<uint64_t, int> m;
	char buf[64];
	for (int pid : list_pids(root_)) {
		if (m.size() >= max_entries_)
			break;
		if (kind == Kind::socket) {
			scan_fds(root_, pid, m, max_entries_);
		} else {
			std::string ns = root_ + "/" + std::to_string(pid) + "/ns/net";
			if (auto link = link_at(AT_FDCWD, ns.c_str(), buf))
				if (auto ino = bracketed(*link, "net:["))
					m.emplace(*ino, pid);
		}
	}
	t.pids.swap(m);
	t.scanned = true;
	t.scans++;
	// From the end of the scan: a slow scan never runs back to back.
	t.scanned_at = std::chrono::steady_clock::now();
	owners_.clear(); // pids seen before this scan may have been reused
}

std::optional<ProcessOwner> OwnerResolver::read_process(int pid) const
{
	std::string dir = root_ + "/" + std::to_string(pid);
	auto comm = read_small(dir + "/comm", 64);
	if (!comm)
		return std::nullopt;
	ProcessOwner o;
	o.pid = pid;
	while (!comm->empty() && (comm->back() == '\n' || comm->back() == ' '))
		comm->pop_back();
	o.comm = std::move(*comm);

	auto text = read_small(dir + "/cgroup");
	if (!text)
		return o;
	std::string_view v1_systemd;
	std::string_view rest = *text;
	while (!rest.empty()) {
		size_t nl = rest.find('\n');
		std::string_view line = rest.substr(0, nl);
		rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
		if (line.compare(0, 3, "0::") == 0) {
			o.cgroup = parse_cgroup_path(line.substr(3));
			return o;
		}
		// A cgroup v1 host has no "0::" line; systemd's own hierarchy carries the same names.
		size_t at = line.find(":name=systemd:");
		if (at != std::string_view::npos)
			v1_systemd = line.substr(at + 14);
	}
	if (!v1_systemd.empty())
		o.cgroup = parse_cgroup_path(v1_systemd);
	return o;
}

ProcessOwner OwnerResolver::process(int pid) const
{
	if (auto o = read_process(pid))
		return *o;
	ProcessOwner o;
	o.pid = pid;
	return o;
}

OwnerResolver::Stats OwnerResolver::stats() const
{
	Stats s;
	s.socket_scans = sockets_.scans;
	s.netns_scans = netns_.scans;
	s.sockets = sockets_.pids.size();
	s.netns = netns_.pids.size();
	return s;
}

} // namespace tcpsight
