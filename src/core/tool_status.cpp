#include "core/tool_status.h"

#include <cstdio>

#include "core/probes_report.h"

namespace tcpsight {

void ToolStatus::ready(const AttachLadder& ladder) const
{
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0_);
	std::fprintf(stderr, "%s: ready in %lld ms (%s); Ctrl-C to stop\n", tool_, (long long)ms.count(),
		     rungs_summary(ladder).c_str());
}

void ToolStatus::lost(const LostCounts& delta, Output& out, bool event_mode, int64_t realtime_ns)
{
	total_.events += delta.events;
	total_.summary_keys += delta.summary_keys;
	std::fprintf(stderr, "%s: lost %llu events (ring buffer full) and %llu summary keys (map full); "
			     "narrow the filters or use --interval\n",
		     tool_, (unsigned long long)delta.events, (unsigned long long)delta.summary_keys);
	if (event_mode)
		out.lost(realtime_ns, delta);
}

LostCounts ToolStatus::lost_since_mark()
{
	LostCounts d = total_ - mark_;
	mark_ = total_;
	return d;
}

void ToolStatus::tally() const
{
	std::fprintf(stderr, "%s: %llu events reported, %llu lost\n", tool_, (unsigned long long)events_,
		     (unsigned long long)total_.events);
}

} // namespace tcpsight
