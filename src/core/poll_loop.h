// The reading loop both tools run: drain the ring buffer every 100 ms, call a once-a-
// second tick (counter sampling) and a per-interval summary, stop on SIGINT/SIGTERM or
// when --duration runs out, then one last tick and summary so nothing counted is lost.
#pragma once
#include <functional>

#include "core/event_reader.h"
#include "output/output.h"

namespace tcpsight {

struct LoopSpec {
	double duration_s = 0; // 0: until interrupted
	unsigned interval_s = 0; // 0: event mode (no summaries)
	std::function<void()> each_second;
	std::function<void(double seconds)> each_interval;
	// Called when the loss counters grew; gets the growth.
	std::function<void(const LostCounts& delta)> on_lost;
};

void run_poll_loop(EventReader& reader, Output& out, const LoopSpec& spec);

} // namespace tcpsight
