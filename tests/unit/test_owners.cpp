#include <catch2/catch_test_macros.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "owners/cgroup_owner.h"
#include "owners/proc_owners.h"

using namespace tcpsight;
namespace fs = std::filesystem;

static const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const std::string kUid = "1a2b3c4d-5e6f-7a8b-9c0d-112233445566";

struct Expect {
	std::string path, unit, container_id, runtime, pod_uid;
};

TEST_CASE("cgroup paths name their unit, container, runtime and pod", "[unit][owners]")
{
	const std::string sd_pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_112233445566.slice";
	const Expect cases[] = {
		{"/system.slice/nginx.service", "nginx.service", "", "", ""},
		{sd_pod + "/cri-containerd-" + kId + ".scope", "", kId, "containerd", kUid},
		{"/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7a8b_9c0d_112233445566.slice/crio-" + kId + ".scope", "", kId, "cri-o", kUid},
		{"/kubepods/burstable/pod" + kUid + "/" + kId, "", kId, "", kUid},
		{"/kubepods/besteffort/pod" + kUid + "/crio-" + kId, "", kId, "cri-o", kUid},
		// Static pods: the UID is a 32-hex hash of the manifest.
		{"/kubepods/pod0123456789abcdef0123456789abcdef/" + kId, "", kId, "", "0123456789abcdef0123456789abcdef"},
		{"/system.slice/docker-" + kId + ".scope", "", kId, "docker", ""},
		{"/docker/" + kId, "", kId, "docker", ""},
		{"/machine.slice/libpod-" + kId + ".scope/container", "", kId, "podman", ""},
		{"/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", "", ""},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "foo.service", "", "", ""},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-x-1.scope", "user@1000.service", "", "", ""},
		{"/init.scope", "init.scope", "", "", ""},
		{"/", "", "", "", ""},
		// systemd inside a container: its own units are named, the host's above it are not.
		{"/docker/" + kId + "/system.slice/nginx.service", "nginx.service", kId, "docker", ""},
		{"/system.slice/containerd.service/docker-" + kId + ".scope", "", kId, "docker", ""},
		// Docker-in-Docker: the innermost container is the one running the process.
		{"/docker/" + kId + "/docker/" + std::string(64, 'f'), "", std::string(64, 'f'), "docker", ""},
		{"/system.slice/nginx.service (deleted)", "nginx.service", "", "", ""},
		// CRI-O's monitor is not the container.
		{sd_pod + "/crio-conmon-" + kId + ".scope", "crio-conmon-" + kId + ".scope", "", "", kUid},
	};
	for (const auto& c : cases) {
		CAPTURE(c.path);
		CgroupOwner o = parse_cgroup_path(c.path);
		CHECK(o.unit == c.unit);
		CHECK(o.container_id == c.container_id);
		CHECK(o.runtime == c.runtime);
		CHECK(o.pod_uid == c.pod_uid);
		CHECK(o.cgroup == c.path);
	}
}

TEST_CASE("garbage cgroup paths give empty names and never throw", "[unit][owners]")
{
	const std::string garbage[] = {
		"", "/", "//", "///", ".service", "/.service", "/.scope", "docker-", "/docker/", "/docker/" + kId.substr(1),
		"/docker/" + kId + "0", "/docker/" + std::string(63, 'a') + "G", "/cri-containerd-" + kId.substr(2),
		"/kubepods/pod", "/kubepods/pod1a2b3c4d-5e6f-7a8b-9c0d-11223344556", "/kubepods/pod1a2b3c4d-5e6f-7a8b-9c0d_11223344556x",
		"/kubepods-pod.slice", "-pod.slice", ".slice", "pod", "/x (deleted)", " (deleted)", std::string("/a\0b/c", 6),
		std::string(100000, '/'), std::string(100000, 'a'),
	};
	for (const auto& g : garbage) {
		CAPTURE(g.substr(0, 80));
		CgroupOwner o;
		REQUIRE_NOTHROW(o = parse_cgroup_path(g));
		CHECK(o.container_id.empty());
		CHECK(o.runtime.empty());
		CHECK(o.pod_uid.empty());
		CHECK(o.unit.empty());
		CHECK(o.cgroup == g);
	}
	// Random strings from the alphabet the parser cares about (ASan builds catch over-reads).
	std::mt19937 rng(9);
	const std::string alphabet = "/-_.0123456789abcdefgpodkuberscvi() @";
	const std::string pieces[] = {"pod", ".slice", ".scope", ".service", "docker-", "crio-", "cri-containerd-", kId, kUid};
	for (int i = 0; i < 20000; i++) {
		std::string s;
		size_t n = rng() % 12;
		for (size_t j = 0; j < n; j++) {
			if (rng() % 3 == 0)
				s += pieces[rng() % std::size(pieces)];
			else
				s += alphabet[rng() % alphabet.size()];
		}
		REQUIRE_NOTHROW(parse_cgroup_path(s));
	}
}

// A /proc lookalike in a temp dir, removed on scope exit.
struct FakeProc {
	fs::path root;

	FakeProc()
	{
		std::string tmpl = (fs::temp_directory_path() / "owners.XXXXXX").string();
		REQUIRE(mkdtemp(tmpl.data()) != nullptr);
		root = tmpl;
	}
	~FakeProc() { fs::remove_all(root); }

	void write(const std::string& rel, const std::string& text)
	{
		fs::create_directories((root / rel).parent_path());
		std::ofstream(root / rel) << text;
	}
	void link(const std::string& rel, const std::string& target)
	{
		fs::create_directories((root / rel).parent_path());
		fs::create_symlink(target, root / rel);
	}
	void process(int pid, const std::string& comm, const std::string& cgroup, uint64_t netns)
	{
		std::string p = std::to_string(pid);
		write(p + "/comm", comm + "\n");
		write(p + "/cgroup", "0::" + cgroup + "\n");
		link(p + "/ns/net", "net:[" + std::to_string(netns) + "]");
		fs::create_directories(root / p / "fd");
	}
	void fd(int pid, int fd, const std::string& target) { link(std::to_string(pid) + "/fd/" + std::to_string(fd), target); }
};

static const std::string kPodCgroup = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_5e6f_7a8b_9c0d_112233445566.slice/cri-containerd-" + kId + ".scope";

// 456 is created first so that directory order does not happen to give the lowest pid.
static void populate(FakeProc& p)
{
	p.process(456, "nginx", "/system.slice/nginx-worker.service", 4026531840);
	p.fd(456, 3, "socket:[4242]"); // the listener, inherited from 123
	p.fd(456, 4, "socket:[5555]");
	p.process(123, "nginx", "/system.slice/nginx.service", 4026531840);
	p.fd(123, 0, "/dev/null");
	p.fd(123, 1, "pipe:[77]");
	p.fd(123, 3, "socket:[4242]");
	p.process(789, "envoy", kPodCgroup, 4026532999);
	p.fd(789, 5, "socket:[6666]");
	p.fd(789, 6, "socket:[12x]");
	p.fd(789, 7, "socket:[");
	p.fd(789, 8, "socket:[]");
	p.fd(789, 9, "/" + std::string(200, 'x'));
	// Odd entries a real /proc can show mid-exit, or never: all skipped.
	p.link("900/fd/3", "socket:[7777]"); // 900 exiting: its comm is gone already
	p.write("901/comm", "nofd\n"); // no fd directory
	p.write("902/comm", "fdfile\n");
	p.write("902/fd", "not a directory");
	p.link("self", "123");
	p.write("abc/fd/3", "");
}

TEST_CASE("the lowest pid holding a socket owns it, named by comm and cgroup", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	OwnerResolver r(p.root.string(), std::chrono::hours(1));

	auto o = r.owner_of_socket(4242);
	REQUIRE(o);
	CHECK(o->pid == 123);
	CHECK(o->comm == "nginx");
	CHECK(o->cgroup.unit == "nginx.service");
	CHECK(o->cgroup.cgroup == "/system.slice/nginx.service");

	o = r.owner_of_socket(5555);
	REQUIRE(o);
	CHECK(o->pid == 456);
	CHECK(o->cgroup.unit == "nginx-worker.service");

	o = r.owner_of_socket(6666);
	REQUIRE(o);
	CHECK(o->pid == 789);
	CHECK(o->comm == "envoy");
	CHECK(o->cgroup.container_id == kId);
	CHECK(o->cgroup.runtime == "containerd");
	CHECK(o->cgroup.pod_uid == kUid);
	CHECK(o->cgroup.unit.empty());

	CHECK_FALSE(r.owner_of_socket(7777)); // its process has no comm: gone
	CHECK_FALSE(r.owner_of_socket(77));   // a pipe, not a socket
	CHECK_FALSE(r.owner_of_socket(12));
	CHECK_FALSE(r.owner_of_socket(999999));
	CHECK_FALSE(r.owner_of_socket(0));
	CHECK(r.stats().socket_scans == 1);
	CHECK(r.stats().sockets == 4); // 4242 5555 6666 7777
	CHECK(r.stats().netns_scans == 0);
}

TEST_CASE("a netns is named by its lowest pid", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	OwnerResolver r(p.root.string(), std::chrono::hours(1));
	auto o = r.owner_of_netns(4026531840);
	REQUIRE(o);
	CHECK(o->pid == 123);
	CHECK(o->cgroup.unit == "nginx.service");
	o = r.owner_of_netns(4026532999);
	REQUIRE(o);
	CHECK(o->pid == 789);
	CHECK(o->cgroup.pod_uid == kUid);
	CHECK_FALSE(r.owner_of_netns(4026533000));
	CHECK_FALSE(r.owner_of_netns(0));
	CHECK(r.stats().netns_scans == 1);
	CHECK(r.stats().netns == 2);
	CHECK(r.stats().socket_scans == 0); // a netns lookup never pays for an fd scan
}

TEST_CASE("process() reads comm and the cgroup v2 line, v1's systemd line as a fallback", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	p.write("55/comm", "  spaced comm  \n");
	p.write("55/cgroup", "12:pids:/a\n1:name=systemd:/system.slice/old.service\n0::/system.slice/cron.service\n");
	p.write("66/comm", "v1");
	p.write("66/cgroup", "12:pids:/a\n1:name=systemd:/system.slice/old.service\n");
	OwnerResolver r(p.root.string());

	ProcessOwner o = r.process(123);
	CHECK(o.pid == 123);
	CHECK(o.comm == "nginx");
	CHECK(o.cgroup.unit == "nginx.service");
	o = r.process(55);
	CHECK(o.comm == "  spaced comm");
	CHECK(o.cgroup.unit == "cron.service");
	CHECK(r.process(66).cgroup.unit == "old.service");
	CHECK(r.process(901).cgroup.cgroup.empty()); // no cgroup file
	o = r.process(31337);
	CHECK(o.pid == 31337);
	CHECK(o.comm.empty());
	CHECK(o.cgroup.cgroup.empty());
}

TEST_CASE("an unknown socket is looked for again, at most once per min_rescan", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	OwnerResolver eager(p.root.string(), std::chrono::milliseconds(0));
	OwnerResolver lazy(p.root.string(), std::chrono::hours(1));
	REQUIRE(eager.owner_of_socket(4242));
	REQUIRE(lazy.owner_of_socket(4242));

	// A socket opened after the first scan.
	p.process(321, "late", "/system.slice/late.service", 4026531840);
	p.fd(321, 3, "socket:[8888]");

	auto o = eager.owner_of_socket(8888);
	REQUIRE(o);
	CHECK(o->pid == 321);
	CHECK(o->comm == "late");
	CHECK(eager.stats().socket_scans == 2);

	// No rescan storm: a thousand misses within min_rescan cost nothing.
	for (int i = 0; i < 1000; i++)
		CHECK_FALSE(lazy.owner_of_socket(8888));
	CHECK(lazy.stats().socket_scans == 1);
	CHECK(lazy.owner_of_socket(4242)->pid == 123); // known ones still answer

	// With a short interval, the miss rescans once it has elapsed, not before.
	OwnerResolver brief(p.root.string(), std::chrono::milliseconds(200));
	REQUIRE(brief.owner_of_socket(4242));
	p.fd(321, 4, "socket:[9999]");
	CHECK_FALSE(brief.owner_of_socket(9999));
	CHECK(brief.stats().socket_scans == 1);
	std::this_thread::sleep_for(std::chrono::milliseconds(250));
	REQUIRE(brief.owner_of_socket(9999));
	CHECK(brief.stats().socket_scans == 2);
}

TEST_CASE("a holder that exited since the scan is replaced by the next one", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	OwnerResolver r(p.root.string(), std::chrono::milliseconds(0));
	REQUIRE(r.owner_of_socket(5555)->pid == 456); // scanned while 123 still held 4242
	fs::remove_all(p.root / "123");
	auto o = r.owner_of_socket(4242);
	REQUIRE(o);
	CHECK(o->pid == 456);
	CHECK(r.stats().socket_scans == 2);
}

TEST_CASE("the caches stop at max_entries, lowest pids first", "[unit][owners]")
{
	FakeProc p;
	populate(p);
	OwnerResolver r(p.root.string(), std::chrono::milliseconds(0), 1);
	REQUIRE(r.owner_of_socket(4242)); // 123's only socket
	CHECK_FALSE(r.owner_of_socket(5555));
	CHECK(r.stats().sockets == 1);
	REQUIRE(r.owner_of_netns(4026531840));
	CHECK_FALSE(r.owner_of_netns(4026532999));
	CHECK(r.stats().netns == 1);
}

TEST_CASE("a missing proc root answers nothing", "[unit][owners]")
{
	OwnerResolver r("/nonexistent/proc", std::chrono::milliseconds(0));
	CHECK_FALSE(r.owner_of_socket(1));
	CHECK_FALSE(r.owner_of_netns(1));
	CHECK(r.process(1).comm.empty());
}

TEST_CASE("the real /proc names this process as its socket's owner", "[unit][owners]")
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	struct stat st;
	REQUIRE(fstat(fd, &st) == 0);
	std::string comm;
	std::getline(std::ifstream("/proc/self/comm"), comm);

	// Works unprivileged too: other users' fd directories answer EACCES and are skipped.
	OwnerResolver r;
	auto o = r.owner_of_socket(st.st_ino);
	close(fd);
	REQUIRE(o);
	CHECK(o->pid == getpid());
	CHECK(o->comm == comm);

	REQUIRE(stat("/proc/self/ns/net", &st) == 0);
	auto ns = r.owner_of_netns(st.st_ino);
	REQUIRE(ns);
	CHECK(ns->pid <= getpid());
}
