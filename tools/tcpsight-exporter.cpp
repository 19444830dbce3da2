// tcpsight-exporter: tcpdrops' and portcontend's in-kernel counts as Prometheus metrics,
// with the listeners' owners, for a node agent (systemd service or DaemonSet).
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/common_options.h"
#include "core/failure.h"
#include "core/probes_report.h"
#include "core/signals.h"
#include "decode/names.h"
#include "export/exporter.h"
#include "export/http_server.h"

namespace {

using namespace tcpsight;

struct Flags {
	std::string listen = "127.0.0.1:19347";
	std::vector<std::string> kinds;
	std::vector<uint16_t> ports;
	size_t max_series = 2000;
	double collect_interval = 2;
	CommonOptions common; // netns, attach, probes, check, verbose
};

// Collects on its own cadence until stopped; a failed collection is reported and retried.
void collect_loop(Exporter& exporter, double interval_s)
{
	auto next = std::chrono::steady_clock::now();
	while (!signals::stop_requested()) {
		try {
			exporter.collect();
		} catch (const std::exception& e) {
			std::fprintf(stderr, "tcpsight-exporter: collection failed: %s\n", e.what());
		}
		next += std::chrono::milliseconds((long)(interval_s * 1000));
		while (!signals::stop_requested() && std::chrono::steady_clock::now() < next)
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
}

int run(const Flags& f)
{
	auto t0 = std::chrono::steady_clock::now();
	ExporterOptions o;
	auto listen = parse_listen_address(f.listen);
	kinds_mask_of(f.kinds); // unknown kinds are usage errors, before privileges
	if (f.ports.size() > 64)
		throw UsageError("--port lists " + std::to_string(f.ports.size()) + " ports; at most 64",
				 "watch fewer ports, or all of them (no --port)");
	o.kinds = f.kinds;
	o.ports = f.ports;
	o.netns = netns_filter_of(f.common);
	o.max_series = f.max_series;
	o.forced = f.common.forced_rung();
	start_tool("tcpsight-exporter", f.common);
	Exporter exporter(o);
	exporter.start();
	if (f.common.probes) {
		std::fputs(probes_report(exporter.drops().ladder()).c_str(), stdout);
		std::fputs(probes_report(exporter.ports().ladder()).c_str(), stdout);
		return 0;
	}
	if (f.common.check) {
		std::printf("tcpsight-exporter: check passed: %s %s\n", rungs_summary(exporter.drops().ladder()).c_str(),
			    rungs_summary(exporter.ports().ladder()).c_str());
		return 0;
	}
	exporter.collect(); // the first page before the first scrape
	std::thread collector(collect_loop, std::ref(exporter), f.collect_interval);
	HttpServerOptions h;
	h.listen = listen;
	h.stale_after = std::chrono::seconds((long)std::max(10.0, f.collect_interval * 3));
	h.stop_requested = [] { return signals::stop_requested(); };
	try {
		serve_metrics(exporter, h, [&] {
			auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
			std::fprintf(stderr, "tcpsight-exporter: ready in %lld ms (%s %s); serving http://%s/metrics\n",
				     (long long)ms.count(), rungs_summary(exporter.drops().ladder()).c_str(),
				     rungs_summary(exporter.ports().ladder()).c_str(), f.listen.c_str());
		});
	} catch (...) {
		signals::request_stop();
		collector.join();
		throw;
	}
	signals::request_stop();
	collector.join();
	return 0;
}

} // namespace

int main(int argc, char** argv)
{
	Flags f;
	CLI::App app{"tcpsight-exporter: tcpdrops' and portcontend's in-kernel counts as Prometheus metrics "
		     "(GET /metrics, GET /healthz), with the processes that own the listeners",
		     "tcpsight-exporter"};
	app.footer("EXAMPLES:\n"
		   "  tcpsight-exporter                                  # http://127.0.0.1:19347/metrics\n"
		   "  tcpsight-exporter --web.listen-address=:19347      # every address (put a firewall in front)\n"
		   "  tcpsight-exporter --kinds listen-overflow,syn-drop,conntrack --max-series 500\n"
		   "  tcpsight-exporter --check                          # load, attach, report the rungs, exit");
	app.add_option("--web.listen-address", f.listen, "host:port to serve /metrics and /healthz on")
	    ->capture_default_str()
	    ->check(non_empty());
	app.add_option("-k,--kinds", f.kinds, "only these tcpdrops kinds (comma list): " + all_kind_names())
	    ->delimiter(',')
	    ->check(non_empty());
	app.add_option("--netns", f.common.netns, "only this network namespace (inode or path)")->check(non_empty());
	app.add_option("-p,--port", f.ports, "only this local or remote port (repeatable, or a comma list)")
	    ->delimiter(',')
	    ->check(CLI::Range(1, 65535));
	app.add_option("--max-series", f.max_series,
		       "series per metric before new ports/destinations fold into \"other\" (0: no cap)")
	    ->capture_default_str()
	    ->check(CLI::Range((size_t)0, (size_t)1000000));
	app.add_option("--collect.interval", f.collect_interval, "seconds between reads of the kernel's counts")
	    ->capture_default_str()
	    ->check(CLI::Range(0.2, 3600.0));
	app.add_option("--attach", f.common.attach, "force a rung for every hook: fentry|kprobe|tracepoint")
	    ->check(CLI::IsMember({"fentry", "kprobe", "tracepoint"}));
	auto* probes =
	    app.add_flag("--probes", f.common.probes, "print which hook got which rung and what it cannot see, then exit");
	app.add_flag("--check", f.common.check, "load and attach everything, report, exit")->excludes(probes);
	app.add_flag("-v,--verbose", f.common.verbose, "libbpf's messages on stderr");
	app.set_version_flag("--version", "tcpsight-exporter (tcpsight) " TCPSIGHT_VERSION, "print the version and exit");
	if (auto rc = parse_or_exit(app, argc, argv))
		return *rc;
	return run_guarded("tcpsight-exporter", [&] { return run(f); });
}
