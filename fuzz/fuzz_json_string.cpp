// libFuzzer: the JSON string encoder against the reference json_quote() on any bytes,
// and the text encoder's printable() twin.
#include <cstdint>
#include <string>

#include "output/event_sinks.h"
#include "output/output.h"

using namespace tcpsight;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	std::string s(reinterpret_cast<const char*>(data), size);
	static std::string buf(8 * OutStream::kStringMax, '\0');
	Cursor c{buf.data()};
	put_json_string(c, s);
	std::string clamped = s.substr(0, OutStream::kStringMax);
	if (std::string(buf.data(), c.p) != json_quote(clamped))
		__builtin_trap();
	Cursor p{buf.data()};
	put_printable(p, s);
	if (std::string(buf.data(), p.p) != printable(clamped))
		__builtin_trap();
	return 0;
}
