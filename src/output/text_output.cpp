#include <cstdio>
#include <set>
#include <unordered_set>

#include "core/clock.h"
#include "decode/event_encoder.h"
#include "output/event_sinks.h"
#include "output/output.h"

namespace tcpsight {

std::string printable(const std::string& s)
{
	std::string o = s;
	for (char& c : o)
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			c = '?';
	return o;
}

namespace {

// Fields shown in their own column; everything else goes to DETAIL as key=value.
const std::set<std::string> kColumns = {"ts", "kind", "source", "netns", "family", "laddr", "lport",
					"raddr", "rport", "state", "reason", "hint", "count"};

std::string pad(const std::string& s, size_t w)
{
	return s.size() >= w ? s + " " : s + std::string(w - s.size() + 1, ' ');
}

std::string field(const Record& r, const char* k)
{
	const Value* v = r.get(k);
	return v ? printable(to_text(*v)) : "-";
}

std::string endpoint(const Record& r, const char* addr, const char* port)
{
	std::string a = field(r, addr);
	if (a.find(':') != std::string::npos)
		a = "[" + a + "]";
	return a + ":" + field(r, port);
}

std::string detail(const Record& r, const std::set<std::string>& shown = kColumns)
{
	std::string d;
	for (const auto& [k, v] : r.fields())
		if (!shown.count(k))
			d += (d.empty() ? "" : " ") + k + "=" + printable(to_text(v));
	return d;
}

const std::vector<TableColumn> kDropsColumns = {
    {"KIND", "kind", 15}, {"REASON", "reason", 24}, {"NETNS", "netns", 10},
    {"LPORT", "lport", 9}, {"COUNT", "count", 7, true}, {"SOURCE", "source", 10},
};

class TextOutput : public Output {
public:
	TextOutput(FILE* out, std::vector<TableColumn> cols)
	    : Output(out), cols_(cols.empty() ? kDropsColumns : std::move(cols))
	{
	}
	void header() override
	{
		write(pad("TIME", 8) + pad("KIND", 15) + pad("SOURCE", 10) + pad("NETNS", 10) + pad("LOCAL", 21) +
		      pad("REMOTE", 21) + pad("STATE", 11) + pad("REASON", 20) + "DETAIL\n");
	}
	void event(const Record& r) override
	{
		std::string ts = field(r, "ts");
		std::string hms_part = ts.size() >= 19 ? ts.substr(11, 8) : ts;
		write(pad(hms_part, 8) + pad(field(r, "kind"), 15) + pad(field(r, "source"), 10) +
		      pad(field(r, "netns"), 10) + pad(endpoint(r, "laddr", "lport"), 21) +
		      pad(endpoint(r, "raddr", "rport"), 21) + pad(field(r, "state"), 11) + pad(field(r, "reason"), 20) +
		      detail(r) + "\n");
		// A hint once per (kind, reason, netns, port): enough to act on, quiet under storms.
		std::string key = field(r, "kind") + field(r, "reason") + field(r, "netns") + field(r, "lport");
		if (r.get("hint") && hinted_.insert(key).second)
			write("  hint: " + field(r, "hint") + "\n");
	}
	void encode(const ts_event& e, EventEncoder& enc) override
	{
		Cursor c{stream_.cursor()};
		TextSink sink(c, scratch_.get(), key_, hinted_);
		enc.encode(e, sink);
		stream_.commit(c.p);
	}
	void summary(const IntervalInfo& info, const std::vector<Record>& rows) override
	{
		char head[200];
		// Skipped runs appear only when there were some: they are rare, and unknown in kind.
		char missed[48] = "";
		if (info.lost.missed)
			snprintf(missed, sizeof(missed), ", runs missed %llu", (unsigned long long)info.lost.missed);
		snprintf(head, sizeof(head), "--- %s  interval %.1fs  events %llu  lost %llu (summary keys %llu%s) ---\n",
			 hms(info.realtime_ns).c_str(), info.seconds, (unsigned long long)info.events,
			 (unsigned long long)info.lost.events, (unsigned long long)info.lost.summary_keys, missed);
		write(head);
		if (rows.empty()) {
			write("(nothing to report)\n");
			return;
		}
		std::string columns;
		for (const auto& c : cols_)
			columns += pad(c.header, c.width);
		write(columns + "DETAIL\n");
		std::set<std::string> shown = kColumns;
		for (const auto& c : cols_)
			shown.insert(c.field);
		for (const auto& r : rows) {
			std::string line;
			for (const auto& c : cols_) {
				std::string v = field(r, c.field.c_str());
				if (c.right && v.size() < c.width)
					v = std::string(c.width - v.size(), ' ') + v;
				line += pad(v, c.width);
			}
			write(line + detail(r, shown) + "\n");
			if (r.get("hint"))
				write("  hint: " + field(r, "hint") + "\n");
		}
	}
	void lost(int64_t, const LostCounts&, const std::vector<LostCause>&) override {} // text mode reports losses on stderr

private:
	std::vector<TableColumn> cols_;
	std::unordered_set<std::string> hinted_; // shared by both event paths
	std::unique_ptr<char[]> scratch_{new char[OutStream::kRecordMax]}; // an event's DETAIL
	std::string key_;
};

} // namespace

std::unique_ptr<Output> make_text_output(FILE* out, std::vector<TableColumn> summary_columns)
{
	return std::make_unique<TextOutput>(out, std::move(summary_columns));
}

} // namespace tcpsight
