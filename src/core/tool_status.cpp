#include "core/tool_status.h"

#include <cstdio>

#include "core/poll_loop.h"
#include "core/probes_report.h"

namespace tcpsight {

void ToolStatus::ready(const AttachLadder& ladder) const
{
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0_);
	std::fprintf(stderr, "%s: ready in %lld ms (%s); Ctrl-C to stop\n", tool_, (long long)ms.count(),
		     rungs_summary(ladder).c_str());
}

void ToolStatus::lost(const LostCounts& delta, Output& out, bool event_mode, int64_t realtime_ns,
		      const std::vector<LostCause>& causes)
{
	total_ += delta;
	std::string what = causes.empty() ? "" : ": " + describe_lost_causes(causes);
	if (delta.events || delta.summary_keys)
		std::fprintf(stderr, "%s: lost %llu events (ring buffer full)%s and %llu summary keys (map full); "
				     "narrow the filters or use --interval\n",
			     tool_, (unsigned long long)delta.events, what.c_str(), (unsigned long long)delta.summary_keys);
	if (delta.missed)
		std::fprintf(stderr, "%s: the kernel skipped its programs %llu times: each was already running on that "
				     "CPU (a packet freed in an interrupt during a run for a task); what they would have "
				     "reported is unknown\n",
			     tool_, (unsigned long long)delta.missed);
	if (event_mode)
		out.lost(realtime_ns, delta, causes);
}

LostCounts ToolStatus::lost_since_mark()
{
	LostCounts d = total_ - mark_;
	mark_ = total_;
	return d;
}

void ToolStatus::interval(Output& out, int64_t realtime_ns, double seconds, uint64_t total,
			  const std::vector<Record>& rows)
{
	count_events(total);
	IntervalInfo info;
	info.realtime_ns = realtime_ns;
	info.seconds = seconds;
	info.events = total;
	info.lost = lost_since_mark();
	out.summary(info, rows);
}

void ToolStatus::run(const AttachLadder& ladder, EventReader& reader, Output& out, const Loop& loop)
{
	bool event_mode = loop.interval_s == 0;
	if (event_mode)
		out.header();
	out.flush();
	ready(ladder);
	LoopSpec spec;
	spec.duration_s = loop.duration_s;
	spec.interval_s = loop.interval_s;
	spec.each_second = loop.each_second;
	spec.each_interval = loop.each_interval;
	spec.on_lost = [&](const LostCounts& d) {
		lost(d, out, event_mode, loop.now_realtime_ns(),
		     loop.lost_causes && d.events ? loop.lost_causes() : std::vector<LostCause>{});
	};
	spec.on_stop = loop.on_stop;
	spec.at_end = loop.at_end;
	unwritten_ = run_poll_loop(reader, out, spec);
	if (out.dropped_bytes())
		std::fprintf(stderr, "%s: %llu bytes of summary output dropped: stdout stayed blocked\n", tool_,
			     (unsigned long long)out.dropped_bytes());
	tally();
}

void ToolStatus::tally() const
{
	// Events still held when the exit budget ran out were never written: lost too.
	uint64_t written = events_ > unwritten_.held ? events_ - unwritten_.held : 0;
	uint64_t unwritten = unwritten_.held + unwritten_.in_ring;
	std::fprintf(stderr, "%s: %llu events reported, %llu lost", tool_, (unsigned long long)written,
		     (unsigned long long)(total_.events + unwritten));
	if (unwritten)
		std::fprintf(stderr, " (%llu of them not written: stdout blocked at exit)", (unsigned long long)unwritten);
	if (total_.missed)
		std::fprintf(stderr, ", %llu program runs skipped by the kernel", (unsigned long long)total_.missed);
	std::fputc('\n', stderr);
}

} // namespace tcpsight
