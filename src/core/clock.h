// BPF stamps events with CLOCK_BOOTTIME (bpf_ktime_get_boot_ns); output wants wall time.
#pragma once
#include <cstdint>
#include <string>

namespace tcpsight {

class WallClock {
public:
	WallClock(); // samples the REALTIME - BOOTTIME offset once
	explicit WallClock(int64_t offset_ns) : offset_ns_(offset_ns) {}
	int64_t to_realtime_ns(uint64_t boot_ns) const { return (int64_t)boot_ns + offset_ns_; }
	static uint64_t boot_now_ns();

private:
	int64_t offset_ns_;
};

// "2026-11-21T06:02:09.123456Z"
std::string rfc3339(int64_t realtime_ns);
// "06:02:09" in local time, for text columns.
std::string hms(int64_t realtime_ns);

} // namespace tcpsight
