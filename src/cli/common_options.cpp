#include "cli/common_options.h"

#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

#include "core/failure.h"
#include "core/libbpf_log.h"
#include "core/netns.h"
#include "core/privileges.h"
#include "core/signals.h"
#include "output/output.h"

namespace tcpsight {

uint8_t CommonOptions::family() const
{
	if (ipv4 && !ipv6)
		return 2;
	if (ipv6 && !ipv4)
		return 10;
	return 0;
}

CLI::Validator non_empty()
{
	return CLI::Validator([](std::string& v) { return v.empty() ? std::string("needs a value, got ''") : std::string(); },
			      "NON-EMPTY");
}

void add_common_options(CLI::App& app, CommonOptions& o)
{
	app.set_version_flag("--version", std::string(app.get_name()) + " (tcpsight) " TCPSIGHT_VERSION,
			     "print the version and exit");
	app.add_flag("--json", o.json, "JSON Lines output (schema: docs/json.md)");
	app.add_option("-d,--duration", o.duration, "stop after this many seconds (default: until Ctrl-C)")
	    ->check(CLI::Range(0.1, 86400.0 * 365));
	app.add_option("-i,--interval", o.interval, "summary mode: counts aggregated in the kernel, every N seconds")
	    ->check(CLI::Range(1u, 86400u));
	// Empty values are refused for every option (a value of '' is a mistake, never "all").
	app.add_option("--netns", o.netns, "only this network namespace: an inode, /var/run/netns/NAME or /proc/PID/ns/net")
	    ->check(non_empty());
	auto* probes = app.add_flag("--probes", o.probes, "list every hook, the attach rung it got, and what that rung cannot see");
	app.add_flag("--check", o.check, "load and attach everything, then detach and exit 0")->excludes(probes);
	app.add_flag("-v,--verbose", o.verbose, "show libbpf's messages");
	app.add_option("--attach", o.attach, "force one rung for every hook that has it")
	    ->check(CLI::IsMember({"fentry", "kprobe", "tracepoint"}));
	app.add_option("--top", o.top, "summary mode: rows per interval (0 = all)")->check(CLI::Range(0u, 100000u));
	auto* v4 = app.add_flag("-4,--ipv4", o.ipv4, "IPv4 only");
	app.add_flag("-6,--ipv6", o.ipv6, "IPv6 only")->excludes(v4);
}

std::optional<int> parse_or_exit(CLI::App& app, int argc, char** argv)
{
	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp&) {
		std::fputs(app.help().c_str(), stdout);
		return 0;
	} catch (const CLI::CallForVersion& v) {
		std::printf("%s\n", v.what());
		return 0;
	} catch (const CLI::ParseError& e) {
		std::fprintf(stderr, "%s: %s\n  hint: see `%s --help`\n", app.get_name().c_str(), e.what(),
			     app.get_name().c_str());
		return 2;
	}
	return std::nullopt;
}

int run_guarded(const char* tool, const std::function<int()>& body)
{
	try {
		return body();
	} catch (const OutputClosed&) {
		return 0;
	} catch (const UsageError& f) {
		std::fprintf(stderr, "%s: %s\n", tool, f.what());
		std::fprintf(stderr, "  hint: %s\n", f.hint().empty() ? (std::string("see `") + tool + " --help`").c_str() : f.hint().c_str());
		return 2;
	} catch (const Failure& f) {
		std::fprintf(stderr, "%s: %s\n", tool, f.what());
		if (!f.hint().empty())
			std::fprintf(stderr, "  hint: %s\n", f.hint().c_str());
		return 1;
	} catch (const std::exception& e) {
		std::fprintf(stderr, "%s: internal error: %s\n  hint: please report this with the command line\n", tool,
			     e.what());
		return 1;
	}
}

std::optional<uint32_t> netns_filter_of(const CommonOptions& o)
{
	if (o.netns.empty())
		return std::nullopt;
	return parse_netns_arg(o.netns);
}

void warn_if_netns_absent(const char* tool, std::optional<uint32_t> netns, NetnsDirectory& dir)
{
	if (netns && !dir.path_for(*netns))
		std::fprintf(stderr,
			     "%s: warning: no network namespace with inode %u exists now (none under /var/run/netns or "
			     "/proc/*/ns/net); its events will show if it appears\n",
			     tool, *netns);
}

void start_tool(const char* tool, const CommonOptions& o)
{
	auto missing = missing_capabilities();
	if (!missing.empty()) {
		std::string list;
		for (const auto& c : missing)
			list += (list.empty() ? "" : ", ") + c;
		throw Failure("needs root privileges or these capabilities to load BPF programs: " + list + " missing",
			      "run with sudo, or give the user CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN "
			      "(systemd AmbientCapabilities=, setpriv --ambient-caps)");
	}
	if (geteuid() != 0) { // enough to run; say once what the rest hides
		for (const auto& [cap, loses] : missing_optional_capabilities())
			std::fprintf(stderr, "%s: note: without %s, %s\n", tool, cap.c_str(), loses.c_str());
		if (auto shortfall = memlock_shortfall())
			throw Failure(*shortfall, "raise the limit for the service (systemd LimitMEMLOCK=64M or more, "
						  "prlimit --memlock=...), or add CAP_SYS_RESOURCE");
	}
	struct stat st;
	if (stat("/sys/kernel/btf/vmlinux", &st) != 0)
		throw Failure("this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing)",
			      "a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.5 or later) is required");
	libbpf_log::install(o.verbose);
	signals::install();
}

} // namespace tcpsight
