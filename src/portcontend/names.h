// Names of portcontend's enums (bpf/shared/portcontend_events.h).
#pragma once
#include <cstdint>

namespace tcpsight {
const char* connect_result_name(uint8_t r); // "ok", "EADDRNOTAVAIL", "error"
const char* tw_reason_name(uint8_t r);      // "reused", "reuse_off", ...
} // namespace tcpsight
