// RAII owners for libbpf objects: skeletons, links, ring buffers, file descriptors.
#pragma once
#include <memory>
#include <unistd.h>
#include <utility>

#include <bpf/libbpf.h>

namespace tcpsight {

// bpftool's C++ skeletons expose a static destroy(); one deleter fits them all.
template <typename Skel>
struct SkeletonDeleter {
	void operator()(Skel* s) const { Skel::destroy(s); }
};
template <typename Skel>
using SkeletonPtr = std::unique_ptr<Skel, SkeletonDeleter<Skel>>;

struct LinkDeleter {
	void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;

struct RingBufferDeleter {
	void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
using RingBufferPtr = std::unique_ptr<ring_buffer, RingBufferDeleter>;

// Move-only file descriptor.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd& operator=(Fd&& o) noexcept
	{
		if (this != &o) {
			reset();
			fd_ = std::exchange(o.fd_, -1);
		}
		return *this;
	}
	Fd(const Fd&) = delete;
	Fd& operator=(const Fd&) = delete;
	~Fd() { reset(); }

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	void reset()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
	}

private:
	int fd_ = -1;
};

} // namespace tcpsight
