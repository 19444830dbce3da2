// Start-up phases on stderr, for finding where the time to "ready" goes (seconds under
// emulation): TCPSIGHT_TRACE_STARTUP=1 prints "tool: +N ms PHASE" as each one ends.
#pragma once

namespace tcpsight::startup_trace {

// Marks the end of a phase; a no-op unless the variable is set.
void mark(const char* phase);

} // namespace tcpsight::startup_trace
