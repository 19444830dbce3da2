// SIGINT/SIGTERM ask the poll loop to stop (flush, detach, exit 0); SIGPIPE is ignored
// so a closed stdout (`| head`) surfaces as EPIPE, which the output layer turns into
// a quiet exit.
#pragma once

namespace tcpsight::signals {

void install();
bool stop_requested();
void request_stop();

} // namespace tcpsight::signals
