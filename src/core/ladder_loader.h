// open -> configure -> load -> attach for one skeleton, walking the attach ladder:
// when the kernel refuses a program at load or attach time, that hook drops to its
// next rung and the object is reopened, so one bad rung never costs the other hooks.
#pragma once
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/attach_ladder.h"
#include "core/bpf_handles.h"
#include "core/failure.h"
#include "core/libbpf_log.h"
#include "core/startup_trace.h"

namespace tcpsight {

// `opened`: the object as first opened (its instructions told the ladder what each
// program needs), used for the first attempt; later attempts open it again.
// `configure` runs before each load (rodata, map sizes); `loaded` after a successful
// load and before attaching (globals in .bss/.data, map contents).
template <typename Skel, typename Configure, typename Loaded>
SkeletonPtr<Skel> load_with_ladder(SkeletonPtr<Skel> opened, AttachLadder& ladder, Configure&& configure,
				   Loaded&& loaded, std::vector<LinkPtr>& links)
{
	// Each retry demotes one hook by one rung, so this bounds the walk.
	size_t max_attempts = 1;
	for (const auto& h : ladder.hooks())
		max_attempts += h.rungs.size();
	for (size_t attempt = 0; attempt < max_attempts; attempt++) {
		SkeletonPtr<Skel> skel(opened ? opened.release() : Skel::open());
		if (!skel)
			throw Failure(errno_text("failed to open BPF object", errno), bpf_errno_hint(errno));
		configure(*skel);
		ladder.apply_autoload(skel->obj);
		libbpf_log::take_warnings();
		startup_trace::mark("object opened");
		int err = Skel::load(skel.get());
		startup_trace::mark(err ? "load failed" : "object loaded");
		if (err) {
			std::string prog = libbpf_log::failed_program(libbpf_log::take_warnings());
			if (!prog.empty() && ladder.demote(prog, std::string("load: ") + std::strerror(-err)))
				continue;
			throw Failure(errno_text("failed to load BPF programs", err), bpf_errno_hint(err));
		}
		loaded(*skel);
		std::string failed;
		links = ladder.attach(skel->obj, &failed);
		startup_trace::mark(failed.empty() ? "attached" : "attach failed");
		if (!failed.empty()) {
			links.clear();
			continue;
		}
		return skel;
	}
	throw Failure("failed to attach BPF programs: every rung was refused", "`--probes` lists what was tried");
}

template <typename Skel, typename Configure>
SkeletonPtr<Skel> load_with_ladder(SkeletonPtr<Skel> opened, AttachLadder& ladder, Configure&& configure,
				   std::vector<LinkPtr>& links)
{
	return load_with_ladder<Skel>(std::move(opened), ladder, std::forward<Configure>(configure), [](Skel&) {},
				      links);
}

} // namespace tcpsight
