#include "core/clock.h"

#include <ctime>
#include <cstdio>

namespace tcpsight {

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

WallClock::WallClock() : offset_ns_(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME)) {}

uint64_t WallClock::boot_now_ns() { return (uint64_t)now_ns(CLOCK_BOOTTIME); }

std::string rfc3339(int64_t realtime_ns)
{
	time_t sec = realtime_ns / 1000000000LL;
	long usec = (long)((realtime_ns % 1000000000LL) / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char buf[80]; // room for any int the format could print (-Wformat-truncation)
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return buf;
}

std::string hms(int64_t realtime_ns)
{
	time_t sec = realtime_ns / 1000000000LL;
	struct tm tm;
	localtime_r(&sec, &tm);
	char buf[16];
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	return buf;
}

} // namespace tcpsight
