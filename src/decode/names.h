// Names of tcpsight's own enums (bpf/shared/events.h). Kernel enums come from BTF
// (core/btf_enums.h), never from here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace tcpsight {

const char* kind_name(uint8_t kind);       // "listen-overflow"
std::optional<uint8_t> parse_kind(const std::string& name);
std::string all_kind_names();               // "retrans, synack-retrans, ..." for messages
const char* source_name(uint8_t source);   // "tracepoint"
const char* retrans_kind_name(uint8_t k);  // "rto"
const char* ct_entry_name(uint8_t e);      // "no_entry"
const char* ct_cause_name(uint8_t c);      // "table_full", "insert_failed", ... (enum ts_ct_cause)
const char* syn_cause_name(uint8_t c);     // "syn_queue_full"
const char* family_name(uint8_t family);   // "ipv4"

} // namespace tcpsight
