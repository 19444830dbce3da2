#include "core/poll_loop.h"

#include <algorithm>
#include <chrono>

#include "core/signals.h"

namespace tcpsight {

Unwritten run_poll_loop(EventReader& reader, Output& out, const LoopSpec& spec)
{
	using clock = std::chrono::steady_clock;
	auto start = clock::now();
	auto next_second = start + std::chrono::seconds(1);
	auto interval_start = start;
	LostCounts lost_seen = reader.lost();

	auto check_lost = [&] {
		LostCounts now = reader.lost();
		if (now.any() && now != lost_seen) {
			if (spec.on_lost)
				spec.on_lost(now - lost_seen);
			lost_seen = now;
		}
	};
	auto end_interval = [&](clock::time_point now) {
		if (spec.interval_s && spec.each_interval) {
			spec.each_interval(std::chrono::duration<double>(now - interval_start).count());
			interval_start = now;
		}
	};

	for (;;) {
		auto now = clock::now();
		bool done = signals::stop_requested() ||
			    (spec.duration_s > 0 && now - start >= std::chrono::duration<double>(spec.duration_s));
		if (done)
			break;
		int timeout_ms = 100;
		if (spec.duration_s > 0) {
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			    start + std::chrono::duration<double>(spec.duration_s) - now);
			timeout_ms = (int)std::max<long long>(0, std::min<long long>(100, left.count()));
		}
		if (out.ready())
			reader.poll(timeout_ms);
		else // stdout is backed up: the ring fills and the kernel counts what it drops
			out.wait_writable(std::min(timeout_ms, 50));
		now = clock::now();
		if (now >= next_second) {
			next_second += std::chrono::seconds(1);
			if (spec.each_second)
				spec.each_second();
			check_lost();
		}
		if (spec.interval_s && now - interval_start >= std::chrono::seconds(spec.interval_s))
			end_interval(now);
		out.flush();
	}
	// Stop: detach, deliver what the ring still holds, sample counters once more, close
	// the interval, then write it all out. The budget is under 1 s from the signal (the
	// loop notices it within 100 ms): what a stalled consumer has not taken by then is
	// counted, not waited for.
	auto deadline = clock::now() + std::chrono::milliseconds(650);
	if (spec.on_stop)
		spec.on_stop();
	Unwritten left;
	while (clock::now() < deadline) {
		if (!out.ready()) {
			out.wait_writable(20);
			continue;
		}
		if (reader.poll(0) <= 0)
			break;
	}
	left.in_ring = reader.discard(); // still in the ring: the deadline passed
	if (spec.each_second)
		spec.each_second();
	check_lost();
	end_interval(clock::now());
	if (spec.at_end)
		spec.at_end();
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
	left.held = out.finish((int)std::max<long long>(ms, 0) + 100);
	return left;
}
} // namespace tcpsight
