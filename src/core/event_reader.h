// Reads the `events` ring buffer and the `lost` per-CPU counters that every tcpsight
// BPF object defines (bpf/include/emit.bpf.h): exact accounting of what could not be
// delivered, because bpf_ringbuf_output failures are otherwise silent.
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <exception>
#include <functional>

#include <bpf/libbpf.h>

#include "core/bpf_handles.h"

namespace tcpsight {

struct LostCounts {
	uint64_t events = 0;       // ring buffer full
	uint64_t summary_keys = 0; // summary map full
	// Program runs the kernel skipped because that program was already running on the
	// CPU (a drop in an interrupt that came while it ran for a task): what they would
	// have seen is unknown, so this bounds the loss from above (5.12+, 0 before; kprobe
	// programs from 6.7, whose trace_call_bpf counts them).
	uint64_t missed = 0;
	LostCounts operator-(const LostCounts& o) const
	{
		return {events - o.events, summary_keys - o.summary_keys, missed - o.missed};
	}
	LostCounts& operator+=(const LostCounts& o)
	{
		events += o.events;
		summary_keys += o.summary_keys;
		missed += o.missed;
		return *this;
	}
	bool any() const { return events || summary_keys || missed; }
	bool operator!=(const LostCounts& o) const
	{
		return events != o.events || summary_keys != o.summary_keys || missed != o.missed;
	}
};

// The `lost` per-CPU counters (slot 0: ring full, slot 1: summary map full), summed,
// and as `missed` the kernel's recursion_misses (bpf_prog_info, 5.12 9ed9e9ba2337) of
// every loaded program of `programs` (0 where the kernel does not count them).
LostCounts read_lost_counts(int lost_fd, const bpf_object* programs);

// Copies a ring-buffer sample into a T; nullopt when the size does not fit.
template <typename T>
std::optional<T> sample_as(const void* data, size_t size)
{
	if (size < sizeof(T))
		return std::nullopt;
	T v;
	std::memcpy(&v, data, sizeof(T));
	return v;
}

class EventReader {
public:
	// Returns false when the consumer cannot take more now (output backed up): the
	// batch ends after this record, the rest stays in the ring.
	using Handler = std::function<bool(const void* data, size_t size)>;
	// `programs`: the object whose programs' skipped runs count as missed.
	EventReader(bpf_map* ringbuf, bpf_map* lost, const bpf_object* programs, Handler handler);

	// Consumes what is ready, waiting up to timeout_ms for a wakeup (sent when the ring
	// is a quarter full), then reads whatever is there, at most kBatch records (the
	// kernel may refill the ring as fast as it is read: a batch must end so the loop
	// can tick and write). Returns records handled. An exception thrown by the handler
	// is rethrown here.
	static constexpr int kBatch = 16384;
	int poll(int timeout_ms);
	// Consumes what is left without handing it over; returns how many records (after
	// the programs are detached, at exit, when there is no time left to write them).
	uint64_t discard();
	LostCounts lost() const;

private:
	static int on_sample(void* self, void* data, size_t size);
	RingBufferPtr rb_;
	int lost_fd_;
	const bpf_object* programs_;
	Handler handler_;
	std::exception_ptr error_;
	int handled_ = 0;
	bool paused_ = false;
	bool discarding_ = false;
};

} // namespace tcpsight
