#include "portcontend/names.h"

#include "shared/portcontend_events.h"

namespace tcpsight {

const char* connect_result_name(uint8_t r)
{
	switch (r) {
	case PC_OK: return "ok";
	case PC_EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	default: return "error";
	}
}

const char* tw_reason_name(uint8_t r)
{
	switch (r) {
	case PC_TW_REUSED: return "reused";
	case PC_TW_FIN_WAIT2: return "fin_wait2";
	case PC_TW_NO_TIMESTAMPS: return "no_timestamps";
	case PC_TW_REUSE_OFF: return "reuse_off";
	case PC_TW_NOT_LOOPBACK: return "not_loopback";
	case PC_TW_TOO_RECENT: return "too_recent";
	default: return "unknown";
	}
}

} // namespace tcpsight
