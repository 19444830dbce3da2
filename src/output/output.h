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
#include "core/lost_causes.h"
#include "decode/record.h"
#include "output/out_stream.h"
#include "shared/events.h"

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

class EventEncoder;

class Output {
public:
	explicit Output(FILE* out) : stream_(out) {}
	virtual ~Output() = default;
	// Printed once, when the tool is attached and ready (text only).
	virtual void header() = 0;
	virtual void event(const Record& r) = 0;
	// The event path: a ring-buffer event rendered straight into the output chunk.
	// False when the output is backed up: stop reading until ready().
	bool event(const ts_event& e, EventEncoder& enc)
	{
		encode(e, enc);
		if (!stream_.record_done(1))
			return false;
		return true;
	}
	bool ready() const { return stream_.ready(); }
	// The reader's idle wait while the consumer is slow.
	void wait_writable(int ms) { stream_.wait_writable(ms); }
	// At exit: writes what is held within `ms`; returns the events that could not be.
	uint64_t finish(int ms) { return stream_.finish(ms); }
	// Bytes of non-event output (headers, summaries) dropped because stdout stayed blocked.
	uint64_t dropped_bytes() const { return dropped_bytes_; }
	// One interval of summary mode: its rows, most frequent first.
	virtual void summary(const IntervalInfo& info, const std::vector<Record>& rows) = 0;
	// Events lost since the last notice (event mode), with the top causes when known.
	virtual void lost(int64_t realtime_ns, const LostCounts& delta, const std::vector<LostCause>& causes = {}) = 0;
	// Hands what is buffered to the writer; throws OutputClosed once stdout's reader is gone.
	void flush();

protected:
	virtual void encode(const ts_event& e, EventEncoder& enc) = 0;
	// Non-event output. With every chunk waiting for a blocked stdout it is dropped
	// and counted rather than held: memory stays bounded whatever the consumer does.
	void write(const std::string& s);
	OutStream stream_;
	uint64_t dropped_bytes_ = 0;
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
