// CPU per event of the event path's encoders alone (no kernel, no ring): a storm's
// worth of one drop event, rendered as JSON Lines and as text into /dev/null through
// the real output chunks and writer thread. Prints ns per event for each format.
// Usage: encode_bench [EVENTS]
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <bpf/btf.h>

#include "core/btf_enums.h"
#include "decode/event_encoder.h"
#include "output/output.h"

using namespace tcpsight;

static double cpu_s()
{
	timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	// The running kernel's names, so the drop carries its real reason and hint.
	struct btf* btf = btf__load_vmlinux_btf();
	EnumNames names(btf);
	btf__free(btf);
	DecodeContext ctx;
	ctx.names = &names;
	ctx.clock = WallClock();
	ctx.symbolize = [](uint64_t) { return std::string("nf_hook_slow+0x9c"); };
	ctx.knobs = [](uint32_t) { return std::optional<NetnsKnobs>(NetnsKnobs{}); };
	ts_event e{};
	e.kind = TS_KIND_DROP;
	e.source = TS_SRC_TRACEPOINT;
	e.netns = 4026532177u;
	e.reason = (uint32_t)names.drop_reason_value("NETFILTER_DROP").value_or(12);
	e.location = 0xffffffff81000100ULL;
	e.t.family = AF_INET;
	e.t.lport = 9;
	e.t.rport = 20000;
	inet_pton(AF_INET, "127.0.0.1", e.t.laddr);
	inet_pton(AF_INET, "127.0.0.1", e.t.raddr);
	for (bool json : {true, false}) {
		FILE* null = fopen("/dev/null", "w");
		auto out = json ? make_json_output(null) : make_text_output(null);
		EventEncoder enc(ctx);
		double c0 = cpu_s();
		for (long i = 0; i < n; i++) {
			e.ts_ns = 1000000000ULL + (uint64_t)i * 1000;
			e.t.rport = (uint16_t)(20000 + (i & 0x3fff));
			while (!out->event(e, enc))
				out->wait_writable(10);
		}
		out->finish(5000);
		double c1 = cpu_s();
		printf("%s_ns_per_event %.0f\n", json ? "json" : "text", (c1 - c0) * 1e9 / n);
		fclose(null);
	}
	return 0;
}
