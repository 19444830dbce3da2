#include "core/socket_snapshot.h"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <unordered_set>

#include "core/bpf_handles.h"
#include "core/failure.h"
#include "core/iter_tcp_hazard.h"
#include "core/netns.h"
#include "sockets_iter.skel.h"

namespace tcpsight {

struct SocketSnapshot::Impl {
	SkeletonPtr<sockets_iter_bpf> skel;
	LinkPtr link;
};

SocketSnapshot::SocketSnapshot(uint32_t states_mask) : impl_(std::make_unique<Impl>())
{
	if (auto hazard = iter_tcp_hazard_here())
		throw Failure(*hazard, "run a kernel with the fix, or accept the risk with TCPSIGHT_ITER_TCP=1");
	impl_->skel.reset(sockets_iter_bpf::open());
	if (!impl_->skel)
		throw Failure(errno_text("failed to open socket iterator", errno), bpf_errno_hint(errno));
	impl_->skel->rodata->states_mask = states_mask;
	int err = sockets_iter_bpf::load(impl_->skel.get());
	if (err)
		throw Failure(errno_text("failed to load iter/tcp", err), bpf_errno_hint(err));
	impl_->link.reset(bpf_program__attach_iter(impl_->skel->progs.dump_tcp, nullptr));
	if (!impl_->link)
		throw Failure(errno_text("failed to attach iter/tcp", errno), bpf_errno_hint(errno));
}

SocketSnapshot::~SocketSnapshot() = default;

std::vector<ts_sock_rec> SocketSnapshot::read(const std::string& netns_path) const
{
	std::vector<ts_sock_rec> out;
	Fd iter;
	{
		// The iterator walks the netns current when its fd is created.
		std::unique_ptr<ScopedNetns> in;
		if (!netns_path.empty()) {
			in = std::make_unique<ScopedNetns>(netns_path);
			if (!in->entered())
				return out;
		}
		iter = Fd(bpf_iter_create(bpf_link__fd(impl_->link.get())));
	}
	if (!iter.valid())
		return out;
	ts_sock_rec rec;
	size_t have = 0;
	char* buf = reinterpret_cast<char*>(&rec);
	// A socket is shown once per walk from 5.15's batching iterator on (04c7820b776f,
	// "bpf: tcp: Add bpf_iter_tcp_batch"); before it, the walk resumes from a bucket
	// offset each time the kernel's buffer is refilled and can show a socket twice.
	// The 4-tuple with the netns names a socket: keep the first showing.
	std::unordered_set<std::string> seen;
	auto first_showing = [&seen](const ts_sock_rec& r) {
		char key[sizeof(r.netns) + sizeof(r.t)];
		std::memcpy(key, &r.netns, sizeof(r.netns));
		std::memcpy(key + sizeof(r.netns), &r.t, sizeof(r.t));
		return seen.emplace(key, sizeof(key)).second;
	};
	for (;;) {
		ssize_t n = ::read(iter.get(), buf + have, sizeof(rec) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof(rec)) {
			if (first_showing(rec))
				out.push_back(rec);
			have = 0;
		}
	}
	return out;
}

} // namespace tcpsight
