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
	LostCounts operator-(const LostCounts& o) const { return {events - o.events, summary_keys - o.summary_keys}; }
	bool any() const { return events || summary_keys; }
};

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
	using Handler = std::function<void(const void* data, size_t size)>;
	EventReader(bpf_map* ringbuf, bpf_map* lost, Handler handler);

	// Consumes what is ready, waiting up to timeout_ms. Returns records handled.
	// An exception thrown by the handler (EPIPE on stdout) is rethrown here.
	int poll(int timeout_ms);
	LostCounts lost() const;

private:
	static int on_sample(void* self, void* data, size_t size);
	RingBufferPtr rb_;
	int lost_fd_;
	int ncpus_;
	Handler handler_;
	std::exception_ptr error_;
	int handled_ = 0;
};

} // namespace tcpsight
