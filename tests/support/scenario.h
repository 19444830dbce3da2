// Host-test scenarios: a throwaway network namespace (deleted on every path, with its
// nft tables and conntrack entries), sockets created inside it, the tool under test
// run as a child process, and the kernel's own counters before and after.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/net_counters.h"
#include "support/json_lines.h"

namespace tcpsight::test {

// Skips (Catch2 SKIP) unless root; a host or VM scenario cannot run otherwise.
void require_root();

// Runs a shell command; throws with its output when it fails.
void sh(const std::string& cmd);
// Same, returning stdout.
std::string sh_out(const std::string& cmd);

class TestNetns {
public:
	explicit TestNetns(const std::string& tag);
	~TestNetns();
	TestNetns(const TestNetns&) = delete;
	TestNetns& operator=(const TestNetns&) = delete;

	const std::string& name() const { return name_; }
	std::string path() const { return "/var/run/netns/" + name_; }
	uint32_t inode() const;
	// `ip netns exec NAME sh -c CMD`
	void exec(const std::string& cmd) const;
	CounterMap counters() const;

	// Sockets created inside the namespace (they stay in it after we return).
	int listen_tcp(const std::string& addr, uint16_t port, int backlog) const;
	// The fd (connecting), or -errno when connect() failed at once (EADDRNOTAVAIL).
	int connect_nonblocking(const std::string& addr, uint16_t port, uint16_t bind_port = 0) const;
	// Blocking connect with a timeout; returns the fd or -errno.
	int connect_blocking(const std::string& addr, uint16_t port, int timeout_ms) const;

private:
	std::string name_;
};

// Counter difference, 0 when absent.
uint64_t counter_delta(const CounterMap& before, const CounterMap& after, const std::string& key);

// The tool as a child process. Waits for its "ready" line on stderr.
class ToolRun {
public:
	// `stall_stdout`: nobody reads its stdout (a pipe nobody reads) until resume_stdout().
	ToolRun(const std::string& binary, const std::vector<std::string>& args, bool stall_stdout = false);
	void resume_stdout() { stalled_ = false; }
	// Reads what it prints for `ms` (stdout too unless stalled).
	void pump(int ms) { drain(ms, false); }
	pid_t pid() const { return pid_; }
	~ToolRun();
	ToolRun(const ToolRun&) = delete;
	ToolRun& operator=(const ToolRun&) = delete;

	// SIGINT, then everything it printed; its exit status in exit_code().
	std::vector<JsonObject> stop();
	std::string stdout_text() const { return out_; }
	std::string stderr_text() const { return err_; }
	int exit_code() const { return status_; }

private:
	void drain(int timeout_ms, bool until_ready);
	// Why a wait ended without what it waited for: running or exit status, what the
	// tool printed, and in a guest the tail of the kernel log.
	std::string diagnosis();
	pid_t pid_ = -1;
	int out_fd_ = -1, err_fd_ = -1;
	std::string out_, err_;
	int status_ = -1;
	bool stalled_ = false;
};

// Result of running a command to completion.
struct CommandResult {
	int exit_code = -1;
	std::string out, err;
};
// `timeout_ms` is a host bound (scaled by time_scale()); past it the command is killed.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args, int timeout_ms = 20000);

// A socket's local port (host order); 0 if unreadable.
uint16_t local_port(int fd);
// What the tool says it could not see, from its tally at exit ("N events reported, M
// lost, K program runs skipped by the kernel"): M + K (absent: 0).
long long tool_losses(const ToolRun& tool);
// Listen overflows the kernel counted that tcpdrops says no hook reported (its lines on
// stderr at exit, summed over netns; absent: 0).
long long unreported_overflows(const std::string& tool_stderr);
// What a tool saw equals what the kernel counted. A run the kernel skipped (the program
// was already running on that CPU: a packet freed in an interrupt during a run for a
// task) or a record the tool lost (a full ring; a summary key the kernel's map would not
// take, as when a program nested on the same CPU held that bucket's lock) is counted by the
// tool, never seen: with `losses` of them, `seen` may fall short by at most that many,
// said in a warning.
void require_seen_all(long long seen, long long counted, long long losses);

std::string tcpdrops_binary();
// bench/drop_storm: raw-socket SYNs to 127.0.0.1:PORT, each one kfree_skb where an nft
// rule drops it. Returns how many it sent.
long long drop_storm(const TestNetns& ns, int port, double seconds);
// A field of /proc/PID/status in kB (VmHWM, VmRSS); -1 if unreadable.
long proc_status_kb(pid_t pid, const std::string& field);
std::string portcontend_binary();
std::string exporter_binary();

// The rung expected to produce events: "tracepoint" on the 6.18 host; the guest runs
// set TCPSIGHT_EXPECT_SOURCE to fentry or kprobe (tests/vm/CMakeLists.txt).
std::string expected_source();
// A drop reason as tcpdrops names it on the running kernel: the kernel's enum name
// (`reason`, skb_drop_reason, 5.17+), or before 5.17 the kfree_skb call site (`site`),
// the name it reports in its place (docs/json.md).
std::string drop_reason_or_site(const std::string& reason, const std::string& site);
// [--attach RUNG when TCPSIGHT_ATTACH is set] + extra.
std::vector<std::string> attach_args(std::vector<std::string> extra);
// --json --netns PATH [--attach RUNG when TCPSIGHT_ATTACH is set] + extra.
std::vector<std::string> tool_args(const TestNetns& ns, std::vector<std::string> extra);

// Events of one kind (and optionally one port, local or remote).
std::vector<JsonObject> of_kind(const std::vector<JsonObject>& evs, const std::string& kind);
long long sum_count(const std::vector<JsonObject>& rows);

void sleep_ms(int ms);

// How much slower than the host this environment runs: TCPSIGHT_TIME_SCALE, which
// tests/vm/run-guest.sh sets for guests under TCG (10-50x slower); 1 on the host.
// Every wait that only bounds a failure is multiplied by it, so a slow moment of an
// emulated guest is never mistaken for a broken tool, and host runs wait no longer.
int time_scale();
// A failure bound in milliseconds, scaled for this environment.
int bound_ms(int host_ms);

} // namespace tcpsight::test
