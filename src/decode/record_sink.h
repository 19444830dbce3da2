// An event's fields into a Record: the reference rendering the fast sinks are tested
// against, and what the rare paths (tests, counter rows) use.
#pragma once
#include <string>
#include <string_view>

#include "decode/record.h"

namespace tcpsight {

class RecordSink {
public:
	void begin() { r_ = Record(); }
	// The nine header fields every event starts with (portcontend's records too).
	static void put_head(Record& r, std::string_view ts, const char* kind, const char* source, uint32_t netns,
			     const char* family, std::string_view laddr, uint16_t lport, std::string_view raddr,
			     uint16_t rport)
	{
		r.set("ts", std::string(ts)).set("kind", kind).set("source", source).set("netns", netns);
		r.set("family", family).set("laddr", std::string(laddr)).set("lport", lport);
		r.set("raddr", std::string(raddr)).set("rport", rport);
	}
	void head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char* family,
		  std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
	{
		put_head(r_, ts, kind, source, netns, family, laddr, lport, raddr, rport);
	}
	void state_reason(std::string_view state, std::string_view reason)
	{
		r_.set("state", std::string(state)).set("reason", std::string(reason));
	}
	void u64(const char* key, uint64_t v) { r_.set(key, v); }
	void i64(const char* key, int64_t v) { r_.set(key, v); }
	void boolean(const char* key, bool v) { r_.set(key, v); }
	void str(const char* key, std::string_view v) { r_.set(key, std::string(v)); }
	void count(int64_t n) { r_.set("count", n); }
	void hint(std::string_view h) { r_.set("hint", std::string(h)); }
	void end() {}
	Record take() { return std::move(r_); }

private:
	Record r_;
};

} // namespace tcpsight
