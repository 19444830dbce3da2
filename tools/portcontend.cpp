// portcontend: what connect() pays to find an ephemeral port, and who is starving.
#include <CLI/CLI.hpp>

#include "cli/common_options.h"
#include "portcontend/session.h"

int main(int argc, char** argv)
{
	using namespace tcpsight;
	PortcontendOptions o;
	CLI::App app{"portcontend: connect()-side port contention: ports probed per connect(), TIME_WAIT sockets "
		     "reused or rejected and why, EADDRNOTAVAIL, and the hottest destinations",
		     "portcontend"};
	app.footer("EXAMPLES:\n"
		   "  portcontend                       # per-second table per destination (default)\n"
		   "  portcontend --events              # one line per connect() and per TIME_WAIT decision\n"
		   "  portcontend --dport 9000 --daddr 10.0.0.2\n"
		   "  portcontend --pid 1234 --json -d 30\n"
		   "  portcontend --probes              # which hook got which rung, what it cannot see");
	add_common_options(app, o.common);
	app.add_option("--dport", o.dport, "only connects to this destination port")->check(CLI::Range(1, 65535));
	app.add_option("--daddr", o.daddr, "only connects to this destination address")->check(non_empty());
	app.add_option("--pid", o.pid, "only connects by this process")->check(CLI::Range(1u, 4194304u));
	auto* events = app.add_flag("--events", o.events,
				    "one line per connect() and per TIME_WAIT decision instead of the summary");
	if (auto* interval = app.get_option_no_throw("--interval"))
		events->excludes(interval);
	if (auto rc = parse_or_exit(app, argc, argv))
		return *rc;
	return run_guarded("portcontend", [&] { return run_portcontend(o); });
}
