#include <cstdio>

#include "core/clock.h"
#include "decode/event_encoder.h"
#include "output/event_sinks.h"
#include "output/output.h"

namespace tcpsight {

std::string json_quote(const std::string& s)
{
	std::string o = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"': o += "\\\""; break;
		case '\\': o += "\\\\"; break;
		case '\n': o += "\\n"; break;
		case '\r': o += "\\r"; break;
		case '\t': o += "\\t"; break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				char b[8];
				snprintf(b, sizeof(b), "\\u%04x", c);
				o += b;
			} else {
				o += (char)c;
			}
		}
	}
	return o + "\"";
}

std::string json_line(const Record& r)
{
	std::string o = "{";
	bool first = true;
	for (const auto& [k, v] : r.fields()) {
		if (!first)
			o += ",";
		first = false;
		o += json_quote(k) + ":";
		o += std::holds_alternative<std::string>(v) ? json_quote(std::get<std::string>(v)) : to_text(v);
	}
	return o + "}\n";
}

namespace {

class JsonOutput : public Output {
public:
	using Output::Output;
	void header() override {}
	void event(const Record& r) override { write(json_line(r)); }
	void encode(const ts_event& e, EventEncoder& enc) override
	{
		Cursor c{stream_.cursor()};
		JsonSink sink(c);
		enc.encode(e, sink);
		stream_.commit(c.p);
	}
	void summary(const IntervalInfo& info, const std::vector<Record>& rows) override
	{
		Record head;
		head.set("ts", rfc3339(info.realtime_ns));
		head.set("kind", "interval");
		head.set("interval_ms", (uint64_t)(info.seconds * 1000.0 + 0.5));
		head.set("events", info.events);
		head.set("lost", info.lost.events);
		head.set("lost_summary_keys", info.lost.summary_keys);
		head.set("missed", info.lost.missed);
		write(json_line(head));
		for (const auto& r : rows)
			write(json_line(r));
	}
	void lost(int64_t realtime_ns, const LostCounts& d, const std::vector<LostCause>& causes) override
	{
		Record r;
		r.set("ts", rfc3339(realtime_ns));
		r.set("kind", "lost");
		r.set("lost", d.events);
		r.set("lost_summary_keys", d.summary_keys);
		r.set("missed", d.missed);
		if (!causes.empty()) { // the largest cause as fields, all of them as text
			r.set("top_kind", causes[0].kind).set("top_reason", causes[0].reason);
			r.set("top_lport", causes[0].lport).set("top_netns", causes[0].netns).set("top_count", causes[0].count);
			r.set("causes", describe_lost_causes(causes));
		}
		write(json_line(r));
	}
};

} // namespace

std::unique_ptr<Output> make_json_output(FILE* out) { return std::make_unique<JsonOutput>(out); }

} // namespace tcpsight
