// Which kernels may not run iter/tcp (CVE-2026-74714): the advisory's ranges, read from
// `uname -r`, or from Debian's `uname -v` where the release names only the ABI.
#include <catch2/catch_test_macros.hpp>

#include "core/iter_tcp_hazard.h"

using tcpsight::iter_tcp_hazard;

TEST_CASE("iter/tcp is refused on kernels with CVE-2026-74714, by upstream release", "[unit]")
{
	auto refused = [](const std::string& r, const std::string& v = "#1 SMP") { return iter_tcp_hazard(r, v).has_value(); };
	CHECK(refused("6.18.44-fc-v669"));
	CHECK_FALSE(refused("6.18.45"));
	CHECK(refused("6.12.95+deb12-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.95-1~bpo12+1 (2026-07-01)"));
	CHECK_FALSE(refused("6.12.104+deb12-amd64"));
	CHECK(refused("6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)"));
	CHECK_FALSE(refused("6.1.0-60-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.183-1 (2026-09-01)"));
	CHECK_FALSE(refused("5.10.0-46-amd64", "#1 SMP Debian 5.10.262-1 (2026-06-01)")); // before batching
	CHECK_FALSE(refused("5.14.21"));
	CHECK(refused("5.15.0-91-generic", "#101-Ubuntu SMP")); // 5.15 was never fixed
	CHECK(refused("6.6.151"));
	CHECK_FALSE(refused("6.6.152"));
	CHECK(refused("7.1.8"));
	CHECK_FALSE(refused("7.1.9"));
	CHECK_FALSE(refused("7.2.0"));
	CHECK_FALSE(refused("not a version"));
	auto why = iter_tcp_hazard("6.18.44", "");
	REQUIRE(why);
	CHECK(*why == "iter/tcp on 6.18.44 can free a half-made request socket under SYN load (CVE-2026-74714; fixed in "
		      "6.1.183, 6.6.152, 6.12.104, 6.18.45, 7.1.9); TCPSIGHT_ITER_TCP=1 uses it anyway");
}
