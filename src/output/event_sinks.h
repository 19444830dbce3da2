// The fast renderings of an event (decode/event_encoder.h calls them field by field):
// JSON Lines and text columns appended straight to the output chunk. Byte for byte the
// same as json_line() and TextOutput::event() of the event's Record (tests/unit pins
// it); no allocation per event.
#pragma once
#include <charconv>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tcpsight {

// Appends s as a JSON string literal, escaped as json_quote() does.
void append_json_string(std::string& o, std::string_view s);
// Appends s with non-printable bytes as '?', as printable() does.
void append_printable(std::string& o, std::string_view s);

template <typename T>
inline void append_int(std::string& o, T v)
{
	char b[24];
	o.append(b, (size_t)(std::to_chars(b, b + sizeof(b), v).ptr - b));
}

class JsonSink {
public:
	explicit JsonSink(std::string& out) : o_(out) {}
	void begin() { o_ += '{'; }
	void head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char* family,
		  std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
	{
		o_ += "\"ts\":\"";
		o_ += ts;
		o_ += "\",\"kind\":\"";
		o_ += kind;
		o_ += "\",\"source\":\"";
		o_ += source;
		o_ += "\",\"netns\":";
		append_int(o_, netns);
		o_ += ",\"family\":\"";
		o_ += family;
		o_ += "\",\"laddr\":\"";
		o_ += laddr;
		o_ += "\",\"lport\":";
		append_int(o_, lport);
		o_ += ",\"raddr\":\"";
		o_ += raddr;
		o_ += "\",\"rport\":";
		append_int(o_, rport);
	}
	void state_reason(std::string_view state, std::string_view reason)
	{
		str("state", state);
		str("reason", reason);
	}
	void u64(const char* k, uint64_t v) { key(k), append_int(o_, v); }
	void i64(const char* k, int64_t v) { key(k), append_int(o_, v); }
	void boolean(const char* k, bool v) { key(k), o_ += v ? "true" : "false"; }
	void str(const char* k, std::string_view v) { key(k), append_json_string(o_, v); }
	void count(int64_t n) { i64("count", n); }
	void hint(std::string_view h) { str("hint", h); }
	void end() { o_ += "}\n"; }

private:
	void key(const char* k)
	{
		o_ += ",\"";
		o_ += k;
		o_ += "\":";
	}
	std::string& o_;
};

// One text line per event (columns, then DETAIL as key=value) and, once per (kind,
// reason, netns, port), a hint line under it.
class TextSink {
public:
	TextSink(std::string& out, std::unordered_set<std::string>& hinted) : o_(out), hinted_(hinted) {}
	void begin()
	{
		detail_.clear();
		hint_ = {};
	}
	void head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char*,
		  std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport);
	void state_reason(std::string_view state, std::string_view reason);
	void u64(const char* k, uint64_t v) { dkey(k), append_int(detail_, v); }
	void i64(const char* k, int64_t v) { dkey(k), append_int(detail_, v); }
	void boolean(const char* k, bool v) { dkey(k), detail_ += v ? "true" : "false"; }
	void str(const char* k, std::string_view v) { dkey(k), append_printable(detail_, v); }
	void count(int64_t) {} // a column of summary tables, not of event lines
	void hint(std::string_view h) { hint_ = h; }
	void end();

private:
	void dkey(const char* k)
	{
		if (!detail_.empty())
			detail_ += ' ';
		detail_ += k;
		detail_ += '=';
	}
	std::string& o_;
	std::unordered_set<std::string>& hinted_;
	std::string detail_, key_;
	std::string_view hint_, reason_;
	const char* kind_ = "";
	uint32_t netns_ = 0;
	uint16_t lport_ = 0;
};

// pad() of text_output: the value, then spaces to `w` + 1 columns (one at least).
void append_padded(std::string& o, std::string_view s, size_t w);

} // namespace tcpsight
