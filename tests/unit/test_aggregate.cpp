#include <catch2/catch_test_macros.hpp>

#include "aggregate/summary.h"

using namespace tcpsight;

static SummaryRow entry(uint8_t kind, uint16_t lport, uint64_t count, uint32_t netns = 1, uint8_t sub = 0)
{
	ts_agg_key k{netns, 0, lport, kind, sub};
	ts_agg_val v{};
	v.count = count;
	v.family = 2;
	return summary_row_of(k, v);
}

TEST_CASE("the differ reports growth only, exactly", "[unit]")
{
	SummaryDiffer d;
	auto first = d.diff({entry(TS_KIND_DROP, 80, 5), entry(TS_KIND_LISTEN_OVERFLOW, 81, 2)});
	REQUIRE(first.size() == 2);
	CHECK(first[0].count == 5);
	CHECK(first[1].has_queues);
	auto second = d.diff({entry(TS_KIND_DROP, 80, 5), entry(TS_KIND_LISTEN_OVERFLOW, 81, 9)});
	REQUIRE(second.size() == 1);
	CHECK(second[0].lport == 81);
	CHECK(second[0].count == 7);
	CHECK(d.diff({entry(TS_KIND_DROP, 80, 5)}).empty());
}

TEST_CASE("ephemeral client ports fold into one row per cause", "[unit]")
{
	SummaryDiffer d;
	auto rows = d.diff({entry(TS_KIND_RETRANS, 40001, 1), entry(TS_KIND_RETRANS, 40002, 2), entry(TS_KIND_RETRANS, 80, 4),
			    entry(TS_KIND_LISTEN_OVERFLOW, 40003, 1), entry(TS_KIND_RETRANS, 40004, 1, 2)});
	auto folded = fold_ephemeral(rows, [](uint32_t ns) -> std::optional<std::pair<int64_t, int64_t>> {
		if (ns == 1)
			return std::make_pair(int64_t(32768), int64_t(60999));
		return std::nullopt; // netns gone: keep rows as they are
	});
	rank(folded, 0);
	REQUIRE(folded.size() == 4);
	CHECK(folded[0].lport == 80);
	CHECK(folded[0].count == 4);
	CHECK(folded[1].ephemeral);
	CHECK(folded[1].count == 3);
	bool listener_kept = false;
	for (const auto& r : folded)
		listener_kept = listener_kept || (r.kind == TS_KIND_LISTEN_OVERFLOW && r.lport == 40003);
	CHECK(listener_kept);
}

TEST_CASE("rank keeps the top N by count", "[unit]")
{
	std::vector<SummaryRow> rows(5);
	for (int i = 0; i < 5; i++)
		rows[i].count = i;
	rank(rows, 2);
	REQUIRE(rows.size() == 2);
	CHECK(rows[0].count == 4);
	CHECK(rows[1].count == 3);
}
