#include "output/event_sinks.h"

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcpsight {

namespace {

// Does any byte of s need a JSON escape (< 0x20, >= 0x7f, '"', '\\')? Sixteen bytes
// per step with SSE2 (every x86-64 has it), eight with a word trick elsewhere. Most
// strings (names, call sites, hints) have none and are then copied whole.
#if defined(__SSE2__)
inline unsigned escapes_at(const char* p)
{
	__m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
	// Signed compare: bytes >= 0x80 are negative, so "< 0x20" takes them too.
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
					    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(bad);
}
// Not printable (< 0x20 or >= 0x7f): what text output shows as '?'.
inline unsigned unprintable_at(const char* p)
{
	__m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
	return (unsigned)_mm_movemask_epi8(
		_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
}
constexpr size_t kStep = 16;
#else
constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
inline uint64_t has_zero(uint64_t v) { return (v - kOnes) & ~v & kHighs; }
inline uint64_t unprintable8(uint64_t x)
{
	return ((x - kOnes * 0x20) & ~x & kHighs) | (x & kHighs) | has_zero(x ^ (kOnes * 0x7f));
}
inline unsigned escapes_at(const char* p)
{
	uint64_t x;
	std::memcpy(&x, p, 8);
	return (unprintable8(x) | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\'))) != 0;
}
inline unsigned unprintable_at(const char* p)
{
	uint64_t x;
	std::memcpy(&x, p, 8);
	return unprintable8(x) != 0;
}
constexpr size_t kStep = 8;
#endif

// Whether test() finds nothing in s: whole steps, then the last step's worth read again
// from its end (overlapping) or, for a string shorter than a step, from a padded copy.
template <unsigned (*test)(const char*)>
inline bool all_clean(std::string_view s)
{
	size_t i = 0;
	for (; i + kStep <= s.size(); i += kStep)
		if (test(s.data() + i))
			return false;
	if (i == s.size())
		return true;
	if (s.size() >= kStep)
		return test(s.data() + s.size() - kStep) == 0;
	// Fixed-size copies (plain moves), overlapping, rather than a copy of s.size() bytes.
	char pad[kStep];
	std::memset(pad, 'a', sizeof(pad));
	const char* p = s.data();
	size_t n = s.size();
	if (n >= 8) {
		std::memcpy(pad, p, 8);
		std::memcpy(pad + n - 8, p + n - 8, 8);
	} else if (n >= 4) {
		std::memcpy(pad, p, 4);
		std::memcpy(pad + n - 4, p + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			pad[i] = p[i];
	}
	return test(pad) == 0;
}

// c.put(s) for a string clamp() bounded: knowing the bound, GCC inlines the copy as
// `rep movsq`, whose start-up costs more than the whole of a short copy by memcpy().
// The empty asm hides the bound.
inline void put_bounded(Cursor& c, std::string_view s)
{
	size_t n = s.size();
	asm("" : "+r"(n));
	std::memcpy(c.p, s.data(), n);
	c.p += n;
}

std::string_view clamp(std::string_view s) { return s.substr(0, OutStream::kStringMax); }

} // namespace

void put_json_string(Cursor& c, std::string_view s)
{
	s = clamp(s);
	c.put('"');
	if (all_clean<escapes_at>(s)) {
		put_bounded(c, s);
		c.put('"');
		return;
	}
	for (size_t i = 0; i < s.size(); i++) {
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
	put_bounded(c, s);
	if (all_clean<unprintable_at>(s))
		return;
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
	// The key is built on the stack; key_ keeps the last one, already in hinted_ (a
	// storm repeats it: no allocation, no hash).
	char buf[32 + OutStream::kStringMax + 32];
	Cursor k{buf};
	k.put(kind_);
	put_printable(k, reason_);
	k.num(netns_);
	k.num(lport_);
	std::string_view key(buf, (size_t)(k.p - buf));
	if (key == key_)
		return;
	key_.assign(key);
	if (!hinted_.insert(key_).second)
		return;
	c_.put("  hint: ");
	put_printable(c_, hint_);
	c_.put('\n');
}

} // namespace tcpsight
