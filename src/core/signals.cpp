#include "core/signals.h"

#include <csignal>

namespace tcpsight::signals {
namespace {
volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
} // namespace

void install()
{
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_stop != 0; }
void request_stop() { g_stop = 1; }

} // namespace tcpsight::signals
