#include "core/startup_trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace tcpsight::startup_trace {
namespace {

const bool g_on = std::getenv("TCPSIGHT_TRACE_STARTUP") != nullptr;
const auto g_t0 = std::chrono::steady_clock::now();

} // namespace

void mark(const char* phase)
{
	if (!g_on)
		return;
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - g_t0);
	std::fprintf(stderr, "startup: +%lld.%03lld ms %s\n", (long long)us.count() / 1000, (long long)us.count() % 1000, phase);
}

} // namespace tcpsight::startup_trace
