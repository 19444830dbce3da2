#include "core/iter_tcp_hazard.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sys/utsname.h>

namespace tcpsight {

namespace {

using Version = std::array<int, 3>;

std::optional<Version> first_version(const std::string& s, const std::regex& re)
{
	std::smatch m;
	if (!std::regex_search(s, m, re))
		return std::nullopt;
	return Version{std::stoi(m[1]), std::stoi(m[2]), m[3].matched ? std::stoi(m[3]) : 0};
}

// First fixed release of each stable line the bug reached (the advisory's ranges).
struct FixedIn {
	Version from, fixed;
};
constexpr FixedIn kFixes[] = {
    {{5, 15, 0}, {6, 1, 183}}, {{6, 2, 0}, {6, 6, 152}}, {{6, 7, 0}, {6, 12, 104}},
    {{6, 13, 0}, {6, 18, 45}}, {{6, 19, 0}, {7, 1, 9}},
};
constexpr Version kMainlineFixed = {7, 2, 0};

} // namespace

std::optional<std::string> iter_tcp_hazard(const std::string& release, const std::string& version)
{
	static const std::regex kRelease(R"(^(\d+)\.(\d+)(?:\.(\d+))?)");
	static const std::regex kDebian(R"(Debian (\d+)\.(\d+)(?:\.(\d+))?)");
	auto v = first_version(version, kDebian); // the upstream release Debian built
	if (!v)
		v = first_version(release, kRelease);
	if (!v)
		return std::nullopt;
	bool affected = false;
	if (*v < kMainlineFixed)
		for (const auto& f : kFixes)
			if (*v >= f.from && *v < f.fixed)
				affected = true;
	if (!affected)
		return std::nullopt;
	char have[32];
	std::snprintf(have, sizeof(have), "%d.%d.%d", (*v)[0], (*v)[1], (*v)[2]);
	return std::string("iter/tcp on ") + have +
	       " can free a half-made request socket under SYN load (CVE-2026-74714; fixed in 6.1.183, 6.6.152, "
	       "6.12.104, 6.18.45, 7.1.9); TCPSIGHT_ITER_TCP=1 uses it anyway";
}

std::optional<std::string> iter_tcp_hazard_here()
{
	const char* allow = std::getenv("TCPSIGHT_ITER_TCP");
	if (allow && std::strcmp(allow, "1") == 0)
		return std::nullopt;
	struct utsname u;
	if (uname(&u) != 0)
		return std::nullopt;
	return iter_tcp_hazard(u.release, u.version);
}

} // namespace tcpsight
