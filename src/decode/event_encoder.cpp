#include "decode/event_encoder.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <ctime>

#include "decode/names.h"

namespace tcpsight {

std::string_view TimeText::rfc3339(int64_t realtime_ns)
{
	int64_t sec = realtime_ns / 1000000000LL;
	if (sec != sec_) {
		time_t t = (time_t)sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(buf_, sizeof(buf_), "%Y-%m-%dT%H:%M:%S", &tm);
		sec_ = sec;
	}
	// ".uuuuuuZ" after the 19 characters of the second, two digits at a time.
	static constexpr char kPairs[] = "00010203040506070809101112131415161718192021222324"
					 "25262728293031323334353637383940414243444546474849"
					 "50515253545556575859606162636465666768697071727374"
					 "75767778798081828384858687888990919293949596979899";
	int64_t frac = realtime_ns % 1000000000LL;
	unsigned usec = (unsigned)((frac < 0 ? frac + 1000000000LL : frac) / 1000); // < 10^6 either way
	char* p = buf_ + 19;
	*p++ = '.';
	std::memcpy(p, kPairs + 2 * (usec / 10000), 2);
	std::memcpy(p + 2, kPairs + 2 * (usec / 100 % 100), 2);
	std::memcpy(p + 4, kPairs + 2 * (usec % 100), 2);
	p[6] = 'Z';
	return std::string_view(buf_, 27);
}

std::string_view format_addr_to(char (&buf)[48], uint8_t family, const uint8_t addr[16])
{
	if (family == AF_INET) { // the common case, by hand: inet_ntop's stdio costs more
		char* p = buf;
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = std::to_chars(p, buf + sizeof(buf), addr[i]).ptr;
		}
		return std::string_view(buf, (size_t)(p - buf));
	}
	if (family == AF_INET6 && inet_ntop(AF_INET6, addr, buf, sizeof(buf)))
		return std::string_view(buf);
	return "-";
}

void EventEncoder::tick()
{
	knobs_.clear();
	hints_.clear();
	last_hint_.text = nullptr;
}

std::string_view EventEncoder::reason(uint8_t kind, uint8_t sub, uint32_t reason)
{
	uint64_t key = (uint64_t)kind << 40 | (uint64_t)sub << 32 | reason;
	return reasons_.get(key, [&] { return reason_text(kind, sub, reason, ctx_); });
}

std::string_view EventEncoder::state(uint8_t st)
{
	if (st == 0)
		return "-";
	if (states_.empty())
		states_.resize(256);
	auto& slot = states_[st];
	if (!slot) {
		auto name = ctx_.names ? ctx_.names->tcp_state(st) : std::nullopt;
		slot = name.value_or(std::to_string(st));
	}
	return *slot;
}

std::string_view EventEncoder::location(uint64_t addr)
{
	if (!ctx_.symbolize)
		return {};
	return locations_.get(addr, [&] { return ctx_.symbolize(addr); });
}

const std::optional<NetnsKnobs>& EventEncoder::knobs(uint32_t netns)
{
	auto it = knobs_.find(netns);
	if (it == knobs_.end()) {
		if (knobs_.size() >= 4096)
			knobs_.clear();
		it = knobs_.emplace(netns, ctx_.knobs ? ctx_.knobs(netns) : std::nullopt).first;
	}
	return it->second;
}

namespace {

bool same_hint_input(const HintInput& a, std::string_view a_reason, const HintInput& b, std::string_view b_reason)
{
	return a.kind == b.kind && a.sub == b.sub && a.lport == b.lport && a.has_queues == b.has_queues &&
	       a.wait_us == b.wait_us && std::memcmp(&a.q, &b.q, sizeof(a.q)) == 0 && a_reason == b_reason;
}

} // namespace

std::string_view EventEncoder::hint(const HintInput& in, std::string_view drop_reason, uint32_t netns)
{
	HintMemo& m = last_hint_;
	if (m.text && netns == m.netns && same_hint_input(in, drop_reason, m.in, m.in.reason))
		return *m.text;
	// Everything the hint depends on, as bytes.
	hint_key_.assign(reinterpret_cast<const char*>(&in.q), sizeof(in.q));
	auto put = [&](const void* p, size_t n) { hint_key_.append(static_cast<const char*>(p), n); };
	put(&in.kind, 1);
	put(&in.sub, 1);
	put(&in.lport, 2);
	put(&in.has_queues, 1);
	put(&in.wait_us, 8);
	put(&netns, 4);
	hint_key_.append(drop_reason);
	auto it = hints_.find(hint_key_);
	if (it == hints_.end()) {
		if (hints_.size() >= 4096)
			hints_.clear();
		HintInput full = in;
		full.reason = std::string(drop_reason);
		it = hints_.emplace(hint_key_, hint_for(full, knobs(netns))).first;
	}
	m.in = in;
	m.in.reason.assign(drop_reason);
	m.netns = netns;
	m.text = &it->second;
	return it->second;
}

} // namespace tcpsight
