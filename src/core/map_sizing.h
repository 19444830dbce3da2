// A map no loaded program uses is still created, and preallocated: every entry of a
// hash (an LRU's lists too), every page of a ring buffer. Created at its smallest it
// costs neither start-up time nor kernel memory (tcpdrops' 65,536-entry LRU of accept
// times alone took 2-5 ms of the start where slow-accept has no rung).
#pragma once

struct bpf_map;

namespace tcpsight {

// Between open and load: the map at its smallest size unless `used`.
void shrink_unless_used(bpf_map* map, bool used);

} // namespace tcpsight
