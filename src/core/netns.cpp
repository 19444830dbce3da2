#include "core/netns.h"

#include <cctype>
#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/failure.h"

namespace tcpsight {

uint32_t netns_inode_of_path(const std::string& path)
{
	const char* how = "give a path such as /var/run/netns/NAME or /proc/PID/ns/net, or an inode number (`lsns -t net`)";
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		throw UsageError(errno_text("--netns " + path, errno), how);
	Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.valid())
		throw UsageError(errno_text("--netns " + path, errno), "run as root, or " + std::string(how));
	// NS_GET_NSTYPE (4.11) tells a netns from other nsfs files and from plain files.
	if (ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET)
		throw UsageError("--netns " + path + " is not a network namespace", how);
	return (uint32_t)st.st_ino;
}

uint32_t parse_netns_arg(const std::string& arg)
{
	if (arg.empty())
		throw UsageError("--netns needs a value", "give /var/run/netns/NAME, /proc/PID/ns/net or an inode number");
	bool digits = !arg.empty() && arg.size() <= 10;
	for (char c : arg)
		digits = digits && std::isdigit((unsigned char)c);
	if (digits) {
		unsigned long v = std::stoul(arg);
		if (v == 0 || v > 0xffffffffUL)
			throw UsageError("--netns inode " + arg + " is out of range", "inodes look like 4026531840 (see `lsns -t net`)");
		return (uint32_t)v;
	}
	return netns_inode_of_path(arg);
}

static void add_path(std::map<uint32_t, std::string>& m, const std::string& path)
{
	struct stat st;
	if (stat(path.c_str(), &st) == 0)
		m.emplace((uint32_t)st.st_ino, path);
}

void NetnsDirectory::rescan()
{
	std::map<uint32_t, std::string> m;
	add_path(m, "/proc/self/ns/net");
	for (const char* dir : {"/var/run/netns", "/run/netns"}) {
		if (DIR* d = opendir(dir)) {
			while (struct dirent* e = readdir(d))
				if (e->d_name[0] != '.')
					add_path(m, std::string(dir) + "/" + e->d_name);
			closedir(d);
		}
	}
	if (DIR* d = opendir("/proc")) {
		while (struct dirent* e = readdir(d))
			if (std::isdigit((unsigned char)e->d_name[0]))
				add_path(m, std::string("/proc/") + e->d_name + "/ns/net");
		closedir(d);
	}
	paths_.swap(m);
	scanned_ = true;
}

std::optional<std::string> NetnsDirectory::path_for(uint32_t inode)
{
	if (!scanned_)
		rescan();
	auto it = paths_.find(inode);
	if (it == paths_.end()) {
		rescan(); // a netns created since the last scan
		it = paths_.find(inode);
		if (it == paths_.end())
			return std::nullopt;
	}
	struct stat st;
	if (stat(it->second.c_str(), &st) != 0 || (uint32_t)st.st_ino != inode) {
		rescan(); // the process holding it exited
		it = paths_.find(inode);
		if (it == paths_.end())
			return std::nullopt;
	}
	return it->second;
}

std::vector<uint32_t> NetnsDirectory::watched(std::optional<uint32_t> only)
{
	if (only)
		return {*only};
	rescan();
	return inodes();
}

std::vector<uint32_t> NetnsDirectory::inodes() const
{
	std::vector<uint32_t> v;
	for (const auto& [ino, _] : paths_)
		v.push_back(ino);
	return v;
}

uint32_t NetnsDirectory::self_inode() const
{
	struct stat st;
	return stat("/proc/thread-self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

ScopedNetns::ScopedNetns(const std::string& path)
{
	home_ = Fd(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
	Fd target(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!home_.valid() || !target.valid())
		return;
	entered_ = setns(target.get(), CLONE_NEWNET) == 0;
}

ScopedNetns::~ScopedNetns()
{
	if (entered_)
		setns(home_.get(), CLONE_NEWNET);
}

std::optional<std::string> read_text_file(const std::string& path)
{
	std::ifstream f(path);
	if (!f)
		return std::nullopt;
	std::ostringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

} // namespace tcpsight
