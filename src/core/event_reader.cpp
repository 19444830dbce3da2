#include "core/event_reader.h"

#include <bpf/bpf.h>
#include <cerrno>
#include <vector>

#include "core/failure.h"
#include "core/map_entries.h"

namespace tcpsight {

EventReader::EventReader(bpf_map* ringbuf, bpf_map* lost, const bpf_object* programs, Handler handler)
    : lost_fd_(bpf_map__fd(lost)), programs_(programs), handler_(std::move(handler))
{
	rb_.reset(ring_buffer__new(bpf_map__fd(ringbuf), on_sample, this, nullptr));
	if (!rb_)
		throw Failure(errno_text("failed to create ring buffer reader", errno), bpf_errno_hint(errno));
}

int EventReader::on_sample(void* ctx, void* data, size_t size)
{
	auto* self = static_cast<EventReader*>(ctx);
	if (self->discarding_) {
		self->handled_++;
		return 0;
	}
	try {
		bool more = self->handler_(data, size);
		self->handled_++;
		// libbpf 1.4 (no ring_buffer__consume_n) ends the batch on a negative return,
		// with this record consumed; the flag tells it from an error.
		if (!more || self->handled_ >= kBatch) {
			self->paused_ = true;
			return -1;
		}
		return 0;
	} catch (...) {
		self->error_ = std::current_exception();
		return -1; // stops ring_buffer__poll; rethrown below
	}
}

int EventReader::poll(int timeout_ms)
{
	handled_ = 0;
	// After a batch that ended early the ring still holds data, and the kernel wakes
	// a reader only once it has caught up: read on without waiting.
	bool backlog = paused_;
	paused_ = false;
	int err = backlog ? ring_buffer__consume(rb_.get()) : ring_buffer__poll(rb_.get(), timeout_ms);
	// The programs wake the reader only when the ring is a quarter full
	// (emit.bpf.h): whatever arrived below that is read here, at the latest when the
	// wait times out.
	if (err == 0 && !paused_ && !error_)
		err = ring_buffer__consume(rb_.get());
	if (error_) {
		auto e = error_;
		error_ = nullptr;
		std::rethrow_exception(e);
	}
	if (err < 0 && err != -EINTR && !paused_)
		throw Failure(errno_text("failed to read ring buffer", err), bpf_errno_hint(err));
	return handled_;
}

uint64_t EventReader::discard()
{
	discarding_ = true;
	handled_ = 0;
	ring_buffer__consume(rb_.get());
	discarding_ = false;
	return (uint64_t)handled_;
}

static uint64_t program_runs_missed(const bpf_object* obj)
{
	uint64_t sum = 0;
	bpf_program* p;
	bpf_object__for_each_program(p, obj)
	{
		int fd = bpf_program__fd(p);
		if (fd < 0)
			continue; // not loaded (another rung)
		bpf_prog_info info{};
		uint32_t len = sizeof(info);
		if (bpf_prog_get_info_by_fd(fd, &info, &len) == 0)
			sum += info.recursion_misses;
	}
	return sum;
}

LostCounts read_lost_counts(int lost_fd, const bpf_object* programs)
{
	LostCounts c;
	for (uint32_t slot : {0u, 1u})
		if (auto sum = per_cpu_sum(lost_fd, slot))
			(slot == 0 ? c.events : c.summary_keys) = *sum;
	c.missed = program_runs_missed(programs);
	return c;
}

LostCounts EventReader::lost() const { return read_lost_counts(lost_fd_, programs_); }

} // namespace tcpsight
