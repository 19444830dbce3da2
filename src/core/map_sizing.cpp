#include "core/map_sizing.h"

#include <bpf/libbpf.h>
#include <unistd.h>

namespace tcpsight {

void shrink_unless_used(bpf_map* map, bool used)
{
	if (used || !map)
		return;
	// A ring buffer is a power-of-2 number of pages; every other type takes one entry.
	bool ring = bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF;
	bpf_map__set_max_entries(map, ring ? (unsigned)sysconf(_SC_PAGESIZE) : 1u);
}

} // namespace tcpsight
