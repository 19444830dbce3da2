// The fast renderings of an event (decode/event_encoder.h calls them field by field):
// JSON Lines and text columns written through a raw cursor straight into the output
// chunk (OutStream::cursor(), which always has OutStream::kRecordMax bytes of room).
// Byte for byte the same as json_line() and TextOutput::event() of the event's Record
// (tests/unit/test_encoders.cpp pins it); nothing is allocated per event.
#pragma once
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>

#include "output/out_stream.h"

namespace tcpsight {

struct Cursor {
	char* p;
	void put(char c) { *p++ = c; }
	void put(std::string_view s)
	{
		std::memcpy(p, s.data(), s.size());
		p += s.size();
	}
	template <typename T>
	void num(T v)
	{
		p = std::to_chars(p, p + 24, v).ptr;
	}
	// s, then spaces to `w` + 1 columns (one at least): text_output's pad().
	void pad_to(const char* start, size_t w)
	{
		size_t n = (size_t)(p - start);
		size_t fill = n >= w ? 1 : w - n + 1;
		std::memset(p, ' ', fill);
		p += fill;
	}
};

// s as a JSON string literal, escaped as json_quote() does (at most kStringMax bytes of s).
void put_json_string(Cursor& c, std::string_view s);
// s with non-printable bytes as '?', as printable() does (at most kStringMax bytes of s).
void put_printable(Cursor& c, std::string_view s);

class JsonSink {
public:
	explicit JsonSink(Cursor& c) : c_(c) {}
	void begin() { c_.put('{'); }
	void head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char* family,
		  std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
	{
		c_.put("\"ts\":\"");
		c_.put(ts);
		c_.put("\",\"kind\":\"");
		c_.put(kind);
		c_.put("\",\"source\":\"");
		c_.put(source);
		c_.put("\",\"netns\":");
		c_.num(netns);
		c_.put(",\"family\":\"");
		c_.put(family);
		c_.put("\",\"laddr\":\"");
		c_.put(laddr);
		c_.put("\",\"lport\":");
		c_.num(lport);
		c_.put(",\"raddr\":\"");
		c_.put(raddr);
		c_.put("\",\"rport\":");
		c_.num(rport);
	}
	void state_reason(std::string_view state, std::string_view reason)
	{
		str("state", state);
		str("reason", reason);
	}
	void u64(const char* k, uint64_t v) { key(k), c_.num(v); }
	void i64(const char* k, int64_t v) { key(k), c_.num(v); }
	void boolean(const char* k, bool v) { key(k), c_.put(v ? "true" : "false"); }
	void str(const char* k, std::string_view v) { key(k), put_json_string(c_, v); }
	void count(int64_t n) { i64("count", n); }
	void hint(std::string_view h) { str("hint", h); }
	void end() { c_.put("}\n"); }

private:
	void key(const char* k)
	{
		c_.put(",\"");
		c_.put(k);
		c_.put("\":");
	}
	Cursor& c_;
};

// One text line per event (columns, then DETAIL as key=value) and, once per (kind,
// reason, netns, port), a hint line under it. DETAIL is gathered in `scratch` (the
// output's, kRecordMax bytes) and the hint key in `key` (reused).
class TextSink {
public:
	TextSink(Cursor& c, char* scratch, std::string& key, std::unordered_set<std::string>& hinted)
	    : c_(c), d_{scratch}, scratch_(scratch), key_(key), hinted_(hinted)
	{
	}
	void begin() {}
	void head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char*,
		  std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport);
	void state_reason(std::string_view state, std::string_view reason);
	void u64(const char* k, uint64_t v) { dkey(k), d_.num(v); }
	void i64(const char* k, int64_t v) { dkey(k), d_.num(v); }
	void boolean(const char* k, bool v) { dkey(k), d_.put(v ? "true" : "false"); }
	void str(const char* k, std::string_view v) { dkey(k), put_printable(d_, v); }
	void count(int64_t) {} // a column of summary tables, not of event lines
	void hint(std::string_view h) { hint_ = h; }
	void end();

private:
	void dkey(const char* k)
	{
		if (d_.p != scratch_)
			d_.put(' ');
		d_.put(k);
		d_.put('=');
	}
	Cursor& c_;
	Cursor d_;
	char* scratch_;
	std::string& key_;
	std::unordered_set<std::string>& hinted_;
	std::string_view hint_, reason_;
	const char* kind_ = "";
	uint32_t netns_ = 0;
	uint16_t lport_ = 0;
};

} // namespace tcpsight
