// The lines both tools print on stderr: ready (with the rungs chosen), losses as they
// happen, and the tally at exit. Kept apart from stdout, which carries only data.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/attach_ladder.h"
#include "core/event_reader.h"
#include "core/lost_causes.h"
#include "core/poll_loop.h"
#include "output/output.h"

namespace tcpsight {

class ToolStatus {
public:
	explicit ToolStatus(const char* tool) : tool_(tool), t0_(std::chrono::steady_clock::now()) {}
	// "tool: ready in 98 ms (hook=rung ...); Ctrl-C to stop"
	void ready(const AttachLadder& ladder) const;
	// Losses grew by `delta`: stderr always, a JSON "lost" record in event mode.
	// `causes`: what the lost events were, when the tool can tell (tcpdrops).
	void lost(const LostCounts& delta, Output& out, bool event_mode, int64_t realtime_ns,
		  const std::vector<LostCause>& causes = {});
	void count_events(uint64_t n) { events_ += n; }
	void tally() const; // "tool: N events reported, M lost"
	// Losses since the previous call (for summary intervals).
	LostCounts lost_since_mark();

	// Prints one summary interval: `total` events over `seconds`, rows as Records.
	void interval(Output& out, int64_t realtime_ns, double seconds, uint64_t total,
		      const std::vector<Record>& rows);

	// The reading loop with these status lines around it: ready once attached,
	// losses as they happen, the tally at exit.
	struct Loop {
		double duration_s = 0;
		unsigned interval_s = 0; // 0: event mode
		std::function<void()> each_second;
		std::function<void(double seconds)> each_interval;
		std::function<int64_t()> now_realtime_ns;
		std::function<void()> on_stop; // detach the programs (see LoopSpec)
		std::function<void()> at_end;  // the last records (see LoopSpec)
		std::function<std::vector<LostCause>()> lost_causes; // since the previous call
	};
	void run(const AttachLadder& ladder, EventReader& reader, Output& out, const Loop& loop);

private:
	const char* tool_;
	std::chrono::steady_clock::time_point t0_;
	uint64_t events_ = 0;
	Unwritten unwritten_; // what the exit budget left behind
	LostCounts total_, mark_;
};

} // namespace tcpsight
