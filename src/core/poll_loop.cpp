#include "core/poll_loop.h"

#include <chrono>

#include "core/signals.h"

namespace tcpsight {

void run_poll_loop(EventReader& reader, Output& out, const LoopSpec& spec)
{
	using clock = std::chrono::steady_clock;
	auto start = clock::now();
	auto next_second = start + std::chrono::seconds(1);
	auto interval_start = start;
	LostCounts lost_seen = reader.lost();

	auto check_lost = [&] {
		LostCounts now = reader.lost();
		if (now.any() && (now.events != lost_seen.events || now.summary_keys != lost_seen.summary_keys)) {
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
		reader.poll(timeout_ms);
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
	// Drain what is already in the buffer, sample counters once more, close the interval.
	while (reader.poll(0) > 0) {
	}
	if (spec.each_second)
		spec.each_second();
	check_lost();
	end_interval(clock::now());
	out.flush();
}

} // namespace tcpsight
