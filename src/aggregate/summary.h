// Summary mode: the kernel counts per (kind, sub, reason, netns, local port) in the
// `summary` map; userspace keeps the previous snapshot and reports exact deltas
// (never deleting keys, which would race with increments).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "decode/event_decoder.h"
#include "shared/events.h"

namespace tcpsight {

using AggEntry = std::pair<ts_agg_key, ts_agg_val>;

std::vector<AggEntry> read_summary_map(int map_fd);
// The counts kfree_skb's program keeps in its per-CPU hot slots (hot_slots, a per-CPU
// array of ts_hot_slot), one entry per CPU and claimed slot (count and family set): the
// caller adds up equal keys. A slot being claimed while it is read is left for the next read.
std::vector<AggEntry> read_hot_slots(int map_fd);
// One key of the map as a row (count cumulative, source unset).
SummaryRow summary_row_of(const ts_agg_key& k, const ts_agg_val& v);

class SummaryDiffer {
public:
	// Rows whose count grew since the previous call, with the growth as count;
	// `now` holds cumulative counts (DropsCollector::counts()).
	std::vector<SummaryRow> diff(const std::vector<SummaryRow>& now);

private:
	using Key = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t, uint8_t, bool>;
	std::map<Key, uint64_t> prev_;
};

// Client-side rows (retransmits and drops on connections this host opened) carry an
// ephemeral local port each; fold those into one row per (kind, sub, reason, netns).
// The kernel folds them already where it knew the range (TS_AGG_EPHEMERAL); rows from
// before it did, or from a netns it had no range for, are folded here into the same row.
using PortRangeOf = std::function<std::optional<std::pair<int64_t, int64_t>>(uint32_t netns)>;
std::vector<SummaryRow> fold_ephemeral(std::vector<SummaryRow> rows, const PortRangeOf& range);

// Most frequent first; keeps `top` rows (0 = all).
void rank(std::vector<SummaryRow>& rows, size_t top);

} // namespace tcpsight
