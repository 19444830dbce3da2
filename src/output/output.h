// Where Records go: aligned text columns with a header, or JSON Lines. One interface,
// so the tools never format by hand.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/event_reader.h"
#include "decode/record.h"

namespace tcpsight {

// stdout was closed by its reader (`| head`): the tool stops quietly.
struct OutputClosed : std::runtime_error {
	OutputClosed() : std::runtime_error("output closed") {}
};

struct IntervalInfo {
	int64_t realtime_ns = 0;
	double seconds = 0;
	uint64_t events = 0; // events counted in the interval
	LostCounts lost;     // lost during the interval
};

class Output {
public:
	explicit Output(FILE* out) : out_(out) {}
	virtual ~Output() = default;
	// Printed once, when the tool is attached and ready (text only).
	virtual void header() = 0;
	virtual void event(const Record& r) = 0;
	// One interval of summary mode: its rows, most frequent first.
	virtual void summary(const IntervalInfo& info, const std::vector<Record>& rows) = 0;
	// Events lost since the last notice (event mode).
	virtual void lost(int64_t realtime_ns, const LostCounts& delta) = 0;
	void flush();

protected:
	void write(const std::string& s) { buf_ += s; }
	FILE* out_;
	std::string buf_;
};

// A column of the text summary table; fields not shown in a column go to DETAIL.
struct TableColumn {
	std::string header;
	std::string field;
	size_t width;
	bool right = false; // numbers
};

// `summary_columns` empty: tcpdrops' table (KIND REASON NETNS LPORT COUNT SOURCE).
std::unique_ptr<Output> make_text_output(FILE* out, std::vector<TableColumn> summary_columns = {});
std::unique_ptr<Output> make_json_output(FILE* out);

// JSON string literal, quotes included. Control bytes and bytes >= 0x7f become
// \u00XX, so any input yields valid ASCII JSON.
std::string json_quote(const std::string& s);
std::string json_line(const Record& r);
// Text-safe: non-printable bytes become '?'.
std::string printable(const std::string& s);

} // namespace tcpsight
