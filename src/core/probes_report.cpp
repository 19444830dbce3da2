#include "core/probes_report.h"

namespace tcpsight {

static std::string pad(const std::string& s, size_t w)
{
	return s.size() >= w ? s + " " : s + std::string(w - s.size() + 1, ' ');
}

std::string probes_report(const AttachLadder& ladder)
{
	std::string o = pad("HOOK", 18) + pad("RUNG", 10) + pad("TARGET", 28) + "REPORTS\n";
	for (size_t i = 0; i < ladder.hooks().size(); i++) {
		const HookSpec& h = ladder.hooks()[i];
		const HookState& st = ladder.state(i);
		if (!st.planned) {
			o += pad(h.name, 18) + pad("-", 10) + pad("-", 28) + h.sees +
			     " (not loaded: not needed for the kinds asked for or the rungs chosen)\n";
			continue;
		}
		if (st.chosen >= 0) {
			const RungSpec& r = h.rungs[st.chosen];
			o += pad(h.name, 18) + pad(rung_name(r.rung), 10) + pad(r.target, 28) + h.sees + "\n";
			o += "    cannot see: " + (r.blind_spots.empty() ? std::string("nothing essential") : r.blind_spots) + "\n";
		} else {
			o += pad(h.name, 18) + pad("none", 10) + pad("-", 28) + h.sees + " NOT REPORTED\n";
		}
		for (const auto& why : st.rejected)
			o += "    tried " + why + "\n";
	}
	return o;
}

std::string rungs_summary(const AttachLadder& ladder)
{
	std::string o;
	for (size_t i = 0; i < ladder.hooks().size(); i++) {
		const HookState& st = ladder.state(i);
		if (!st.planned)
			continue;
		o += (o.empty() ? "" : " ") + ladder.hooks()[i].name + "=" +
		     (st.chosen >= 0 ? rung_name(ladder.hooks()[i].rungs[st.chosen].rung) : "none");
	}
	return o;
}

} // namespace tcpsight
