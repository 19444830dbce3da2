#include "core/libbpf_log.h"

#include <bpf/libbpf.h>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace tcpsight::libbpf_log {
namespace {

bool g_verbose = false;
std::mutex g_mu;
std::vector<std::string> g_warnings;

int print_fn(enum libbpf_print_level level, const char* fmt, va_list args)
{
	// The verifier's log arrives as one message of up to megabytes: sized, not cut.
	va_list copy;
	va_copy(copy, args);
	int n = vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	std::string buf(n > 0 ? (size_t)n : 0, '\0');
	vsnprintf(buf.data(), buf.size() + 1, fmt, args);
	if (level != LIBBPF_DEBUG) {
		std::lock_guard<std::mutex> lock(g_mu);
		if (g_warnings.size() < 256)
			g_warnings.emplace_back(buf);
	}
	if (g_verbose)
		fputs(buf.c_str(), stderr);
	return 0;
}

} // namespace

void install(bool verbose)
{
	g_verbose = verbose;
	libbpf_set_print(print_fn);
}

std::vector<std::string> take_warnings()
{
	std::lock_guard<std::mutex> lock(g_mu);
	std::vector<std::string> out;
	out.swap(g_warnings);
	return out;
}

std::string failed_program(const std::vector<std::string>& warnings)
{
	for (const auto& w : warnings) {
		auto p = w.find("prog '");
		if (p == std::string::npos)
			continue;
		p += 6;
		auto e = w.find('\'', p);
		if (e != std::string::npos)
			return w.substr(p, e - p);
	}
	return {};
}

} // namespace tcpsight::libbpf_log
