// tcpdrops: every connection or segment the kernel loses or refuses, with its cause.
#include <CLI/CLI.hpp>

#include "cli/common_options.h"
#include "decode/names.h"
#include "tcpdrops/session.h"

int main(int argc, char** argv)
{
	using namespace tcpsight;
	TcpdropsOptions o;
	CLI::App app{"tcpdrops: what the kernel loses or refuses (retransmits, queue overflows, conntrack, drops), "
		     "with the cause and the knob to turn",
		     "tcpdrops"};
	app.footer("EXAMPLES:\n"
		   "  tcpdrops                        # one line per event, every netns\n"
		   "  tcpdrops -i 1                   # per-second top table, counted in the kernel\n"
		   "  tcpdrops --port 80,443          # only these local or remote ports\n"
		   "  tcpdrops --netns /var/run/netns/web --kinds listen-overflow,syn-drop\n"
		   "  tcpdrops --json -d 10 > drops.jsonl\n"
		   "  tcpdrops --probes               # which hook got which rung, what it cannot see");
	add_common_options(app, o.common);
	app.add_option("-p,--port", o.ports, "only this local or remote port (repeatable, or a comma list)")
	    ->delimiter(',')
	    ->check(CLI::Range(1, 65535));
	app.add_option("-k,--kinds", o.kinds, "only these kinds (repeatable, or a comma list): " + all_kind_names())
	    ->delimiter(',')
	    ->check(non_empty());
	app.add_flag("--all-reasons", o.all_reasons, "also report kfree_skb drops whose reason is NOT_SPECIFIED");
	app.add_option("--accept-wait", o.accept_wait_ms,
		       "slow-accept: report connections that waited longer than this in the accept queue (ms)")
	    ->check(CLI::Range(0u, 3600000u));
	if (auto rc = parse_or_exit(app, argc, argv))
		return *rc;
	return run_guarded("tcpdrops", [&] { return run_tcpdrops(o); });
}
