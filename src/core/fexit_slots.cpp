#include "core/fexit_slots.h"

#include "core/attach_ladder.h"
#include "core/kernel_features.h"

namespace tcpsight {

void fill_fexit_nargs(KernelFeatures& features, const AttachLadder& ladder, const FexitTarget* targets,
		      size_t count, volatile uint8_t* nargs)
{
	for (size_t i = 0; i < count; i++) {
		const FexitTarget& t = targets[i];
		const RungSpec* r = ladder.chosen(t.hook);
		if (!r || r->rung != Rung::Fentry)
			continue;
		int n = features.func_arg_count(t.func);
		nargs[t.index] = n > 0 && n <= 8 ? (uint8_t)n : 0;
	}
}

} // namespace tcpsight
