// Function address ranges remembered for the rest of the boot, in /run (a tmpfs, empty
// after each boot): vmlinux's text does not move once booted, and the one range the
// programs need before they attach (nf_hook_slow's) otherwise costs reading all of
// /proc/kallsyms first, ~55 ms of the kernel's time on each start. Only vmlinux
// symbols are kept (a module's can change when it is reloaded); the file is trusted only
// if root owns it and nobody else can write it, and names the boot it was written in.
#pragma once
#include <optional>
#include <string>

#include "core/kallsyms.h"

namespace tcpsight::boot_cache {

// TCPSIGHT_CACHE_DIR overrides the directory (default /run/tcpsight); empty disables.
std::optional<SymbolRange> range(const std::string& name);
void store_range(const std::string& name, const SymbolRange& r); // best effort

} // namespace tcpsight::boot_cache
