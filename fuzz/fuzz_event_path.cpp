// libFuzzer: raw ring-buffer bytes of any size through the whole event path (the
// sample check, the encoder, JSON and text sinks); names, call sites and hints carry
// arbitrary bytes too. Any record must fit the output chunk and render.
#include <cstdint>
#include <cstring>
#include <string>

#include "decode/event_encoder.h"
#include "output/event_sinks.h"

using namespace tcpsight;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	static std::string weird; // bytes the input chooses, for the symbolized call site
	weird.assign(reinterpret_cast<const char*>(data), size > 64 ? 64 : size);
	DecodeContext ctx;
	ctx.clock = WallClock(0);
	ctx.symbolize = [](uint64_t) { return weird; };
	ctx.knobs = [](uint32_t ns) {
		NetnsKnobs k;
		k.somaxconn = ns;
		k.nf_conntrack_count = (int64_t)ns * 7;
		k.nf_conntrack_max = ns ? (int64_t)ns : -1;
		return std::optional<NetnsKnobs>(k);
	};
	auto e = event_from_sample(data, size);
	if (!e)
		return 0;
	static std::string buf(OutStream::kRecordMax, '\0');
	EventEncoder enc(ctx);
	Cursor c{buf.data()};
	JsonSink js(c);
	enc.encode(*e, js);
	if ((size_t)(c.p - buf.data()) > OutStream::kRecordMax)
		__builtin_trap();
	std::string key;
	std::unordered_set<std::string> hinted;
	static std::string scratch(OutStream::kRecordMax, '\0');
	Cursor t{buf.data()};
	TextSink ts(t, scratch.data(), key, hinted);
	enc.encode(*e, ts);
	if ((size_t)(t.p - buf.data()) > OutStream::kRecordMax)
		__builtin_trap();
	return 0;
}
