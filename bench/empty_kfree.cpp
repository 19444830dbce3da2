// Holds bench/empty_kfree.bpf.c attached until SIGINT or SIGTERM, saying "ready" on
// stderr once attached, as tcpsight's tools do (bench/run.sh's floor for kfree_skb).
// A program, not a script: bash ignores SIGINT in background jobs and cannot trap it.
#include <csignal>
#include <cstdio>

#include "bench_empty.skel.h"

int main()
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, nullptr); // taken by sigwait, whatever the parent ignored
	bench_empty_bpf* skel = bench_empty_bpf::open_and_load();
	if (!skel || bench_empty_bpf::attach(skel) != 0) {
		std::fprintf(stderr, "empty_kfree: cannot load or attach (root? kernel BTF?)\n");
		return 1;
	}
	std::fprintf(stderr, "empty tp_btf kfree_skb program ready\n");
	int sig;
	sigwait(&stop, &sig);
	bench_empty_bpf::destroy(skel);
	return 0;
}
