#include "decode/names.h"

#include "shared/events.h"

namespace tcpsight {

static const char* const kKinds[TS_KIND_MAX] = {
    "none", "retrans", "synack-retrans", "listen-overflow", "syn-drop", "conntrack", "drop", "slow-accept",
};

const char* kind_name(uint8_t kind) { return kind < TS_KIND_MAX ? kKinds[kind] : "unknown"; }

std::optional<uint8_t> parse_kind(const std::string& name)
{
	for (uint8_t k = 1; k < TS_KIND_MAX; k++)
		if (name == kKinds[k])
			return k;
	return std::nullopt;
}

std::string all_kind_names()
{
	std::string s;
	for (uint8_t k = 1; k < TS_KIND_MAX; k++)
		s += (k > 1 ? ", " : "") + std::string(kKinds[k]);
	return s;
}

const char* source_name(uint8_t s)
{
	switch (s) {
	case TS_SRC_FENTRY: return "fentry";
	case TS_SRC_KPROBE: return "kprobe";
	case TS_SRC_TRACEPOINT: return "tracepoint";
	case TS_SRC_ITER: return "iter";
	case TS_SRC_COUNTER: return "counter";
	default: return "unknown";
	}
}

const char* retrans_kind_name(uint8_t k)
{
	switch (k) {
	case TS_RTX_RTO: return "rto";
	case TS_RTX_FAST: return "fast";
	case TS_RTX_TLP: return "tlp";
	case TS_RTX_SYN: return "syn";
	default: return "other";
	}
}

const char* ct_entry_name(uint8_t e)
{
	switch (e) {
	case TS_CT_NO_ENTRY: return "none";
	case TS_CT_UNCONFIRMED: return "unconfirmed";
	case TS_CT_CONFIRMED: return "confirmed";
	default: return "unknown";
	}
}

const char* ct_cause_name(uint8_t c)
{
	switch (c) {
	case TS_CTC_TABLE_FULL: return "table_full";
	case TS_CTC_ALLOC_FAILED: return "alloc_failed";
	case TS_CTC_INSERT_FAILED: return "insert_failed";
	case TS_CTC_CONFIRM_FAILED: return "confirm_failed";
	default: return "unknown";
	}
}

const char* syn_cause_name(uint8_t c)
{
	switch (c) {
	case TS_SYN_QUEUE_FULL: return "syn_queue_full";
	case TS_SYN_ACCEPT_FULL: return "accept_queue_full";
	case TS_SYN_COOKIE_SENT: return "cookie_sent";
	case TS_SYN_LAST_QUARTER: return "syn_backlog_last_quarter";
	default: return "other";
	}
}

const char* family_name(uint8_t family)
{
	switch (family) {
	case 2: return "ipv4";
	case 10: return "ipv6";
	default: return "unknown";
	}
}

} // namespace tcpsight
