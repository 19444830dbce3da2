#include "output/event_sinks.h"

#include <cstdint>

namespace tcpsight {

namespace {

// Eight bytes at a time: does any need a JSON escape (< 0x20, >= 0x7f, '"', '\\')?
// Most strings (names, hints) have none and are copied whole.
constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
inline uint64_t has_zero(uint64_t v) { return (v - kOnes) & ~v & kHighs; }
inline bool needs_escape8(uint64_t x)
{
	uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
	return (below_space | (x & kHighs) | has_zero(x ^ (kOnes * 0x7f)) | has_zero(x ^ (kOnes * '"')) |
		has_zero(x ^ (kOnes * '\\'))) != 0;
}

std::string_view clamp(std::string_view s) { return s.substr(0, OutStream::kStringMax); }

} // namespace

void put_json_string(Cursor& c, std::string_view s)
{
	s = clamp(s);
	c.put('"');
	size_t i = 0;
	for (; i + 8 <= s.size(); i += 8) {
		uint64_t x;
		std::memcpy(&x, s.data() + i, 8);
		if (needs_escape8(x))
			break;
	}
	c.put(s.substr(0, i));
	for (; i < s.size(); i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			c.put((char)ch);
			continue;
		}
		switch (ch) {
		case '"': c.put("\\\""); break;
		case '\\': c.put("\\\\"); break;
		case '\n': c.put("\\n"); break;
		case '\r': c.put("\\r"); break;
		case '\t': c.put("\\t"); break;
		default: {
			static const char hex[] = "0123456789abcdef";
			char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
			c.put(std::string_view(u, 6));
		}
		}
	}
	c.put('"');
}

void put_printable(Cursor& c, std::string_view s)
{
	s = clamp(s);
	char* at = c.p;
	c.put(s);
	for (char* q = at; q < c.p; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			*q = '?';
}

static void put_endpoint(Cursor& c, std::string_view addr, uint16_t port)
{
	const char* start = c.p;
	bool v6 = addr.find(':') != std::string_view::npos;
	if (v6)
		c.put('[');
	c.put(addr);
	if (v6)
		c.put(']');
	c.put(':');
	c.num(port);
	c.pad_to(start, 21);
}

void TextSink::head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char*,
		    std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
{
	const char* start = c_.p;
	c_.put(ts.size() >= 19 ? ts.substr(11, 8) : ts);
	c_.pad_to(start, 8);
	start = c_.p;
	c_.put(kind);
	c_.pad_to(start, 15);
	start = c_.p;
	c_.put(source);
	c_.pad_to(start, 10);
	start = c_.p;
	c_.num(netns);
	c_.pad_to(start, 10);
	put_endpoint(c_, laddr, lport);
	put_endpoint(c_, raddr, rport);
	kind_ = kind;
	netns_ = netns;
	lport_ = lport;
}

void TextSink::state_reason(std::string_view state, std::string_view reason)
{
	const char* start = c_.p;
	put_printable(c_, state);
	c_.pad_to(start, 11);
	start = c_.p;
	put_printable(c_, reason);
	c_.pad_to(start, 20);
	reason_ = reason;
}

void TextSink::end()
{
	c_.put(std::string_view(scratch_, (size_t)(d_.p - scratch_)));
	c_.put('\n');
	if (hint_.empty())
		return;
	// A hint once per (kind, reason, netns, port): enough to act on, quiet under storms.
	key_.assign(kind_);
	for (char ch : clamp(reason_))
		key_ += ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f) ? '?' : ch;
	key_ += std::to_string(netns_);
	key_ += std::to_string(lport_);
	if (!hinted_.insert(key_).second)
		return;
	c_.put("  hint: ");
	put_printable(c_, hint_);
	c_.put('\n');
}

} // namespace tcpsight
