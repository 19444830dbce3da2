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
	// Called once when stopping, before the last drain: detach the programs, so the
	// ring holds a finite number of events and every one is delivered or counted.
	std::function<void()> on_stop;
	// Called once after the last drain and interval, before the output is finished:
	// records that can only be written once everything else has been read.
	std::function<void()> at_end;
};

// What the loop could not deliver when it had to stop (stdout blocked past the 1 s
// exit budget): events left in the ring or held in output chunks.
struct Unwritten {
	uint64_t in_ring = 0; // never handed to the tool
	uint64_t held = 0;    // encoded (counted as reported), never written
};

// SIGINT/SIGTERM end it within ~1 s whatever the consumer does.
Unwritten run_poll_loop(EventReader& reader, Output& out, const LoopSpec& spec);

} // namespace tcpsight
