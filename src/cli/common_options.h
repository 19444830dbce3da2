// Flags both tools share, parsed and range-checked the same way.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/attach_ladder.h"

namespace tcpsight {

struct CommonOptions {
	bool json = false;
	double duration = 0;    // seconds; 0 = until interrupted
	unsigned interval = 0;  // summary every N seconds; 0 = one line per event
	std::string netns;      // inode or path; "" = every netns
	bool probes = false;
	bool check = false;
	bool verbose = false;
	std::string attach;     // force a rung: fentry|kprobe|tracepoint
	unsigned top = 20;
	bool ipv4 = false, ipv6 = false;

	std::optional<Rung> forced_rung() const { return attach.empty() ? std::nullopt : parse_rung(attach); }
	uint8_t family() const; // 0, AF_INET or AF_INET6
};

void add_common_options(CLI::App& app, CommonOptions& o);
// Refuses '' (CLI11 accepts an empty string as a value).
CLI::Validator non_empty();

// Parses argv; prints help (exit 0) or one error line plus a hint (exit 2).
// Returns nullopt when the caller should continue.
std::optional<int> parse_or_exit(CLI::App& app, int argc, char** argv);

// Runs `body`, turning Failure into "tool: message" + "  hint: ..." on stderr and exit 1,
// and a closed stdout into a quiet exit 0.
int run_guarded(const char* tool, const std::function<int()>& body);

// --netns as an inode; throws UsageError for an empty, missing or non-netns path.
std::optional<uint32_t> netns_filter_of(const CommonOptions& o);
// A namespace given by inode that does not exist now is worth a warning, not a refusal.
class NetnsDirectory;
void warn_if_netns_absent(const char* tool, std::optional<uint32_t> netns, NetnsDirectory& dir);

// Refuses early, with a hint, when not privileged or the kernel has no BTF; then
// routes libbpf's messages (-v) and installs the signal handlers.
void start_tool(const char* tool, const CommonOptions& o);

} // namespace tcpsight
