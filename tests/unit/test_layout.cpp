// The shared structs must have one layout for clang -target bpf and g++.
#include <catch2/catch_test_macros.hpp>
#include <cstddef>

#include "shared/events.h"

static_assert(sizeof(ts_tuple) == 40);
static_assert(sizeof(ts_retrans) == 24 && sizeof(ts_queues) == 24 && sizeof(ts_conntrack) == 56);
static_assert(sizeof(ts_accept) == 24);
static_assert(sizeof(union ts_detail) == 56);
static_assert(sizeof(ts_event) == 128);
static_assert(offsetof(ts_event, t) == 32 && offsetof(ts_event, d) == 72);
static_assert(sizeof(ts_agg_key) == 16);
static_assert(sizeof(ts_agg_val) == 48);
static_assert(sizeof(ts_hot_slot) == 32 && offsetof(ts_hot_slot, count) == 0); // count read first
static_assert(sizeof(ts_sock_rec) == 64 && offsetof(ts_sock_rec, t) == 8);

TEST_CASE("shared structs keep their layout", "[unit]")
{
	CHECK(sizeof(ts_event) % 8 == 0);
	CHECK(TS_KIND_MAX <= 32); // kinds_mask is a u32 bitmask
}
