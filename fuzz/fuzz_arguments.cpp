// libFuzzer: the argument parsers: --netns (inode or path; anything else is a
// UsageError, never a crash) and a whole tcpdrops command line through CLI11 and the
// kind and port checks (argv split on NUL bytes).
#include <cstdint>
#include <string>
#include <vector>

#include "cli/common_options.h"
#include "core/failure.h"
#include "core/netns.h"
#include "decode/names.h"

using namespace tcpsight;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	std::string s(reinterpret_cast<const char*>(data), size);
	try {
		parse_netns_arg(s.substr(0, s.find('\0')));
	} catch (const Failure&) {
	}
	std::vector<std::string> args = {"tcpdrops"};
	size_t at = 0;
	while (at <= s.size() && args.size() < 16) {
		size_t end = s.find('\0', at);
		args.push_back(s.substr(at, end == std::string::npos ? std::string::npos : end - at));
		if (end == std::string::npos)
			break;
		at = end + 1;
	}
	std::vector<char*> argv;
	for (auto& a : args)
		argv.push_back(a.data());
	CLI::App app{"fuzz", "tcpdrops"};
	CommonOptions o;
	std::vector<uint16_t> ports;
	std::vector<std::string> kinds;
	add_common_options(app, o);
	app.add_option("-p,--port", ports)->delimiter(',')->check(CLI::Range(1, 65535));
	app.add_option("-k,--kinds", kinds)->delimiter(',')->check(non_empty());
	try {
		app.parse((int)argv.size(), argv.data());
		for (const auto& k : kinds)
			parse_kind(k);
	} catch (const CLI::Error&) {
	}
	return 0;
}
