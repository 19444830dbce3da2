// Whether this kernel's iter/tcp is safe to run. From 5.15 (04c7820b776f, the batching
// iterator) bpf_iter_tcp_established_batch() takes sock_hold() on every socket of a
// bucket, including a request socket that reqsk_queue_hash_req() has published but whose
// refcount it has not set yet: the count it adds is overwritten, and the request socket is
// later freed while still hashed (CVE-2026-74714, e5fd3f514e27). Under SYN load, which is
// when tcpsight runs, a census each second would hit it. Fixed in 6.1.183, 6.6.152,
// 6.12.104, 6.18.45, 7.1.9 and 7.2.
#pragma once
#include <optional>
#include <string>

namespace tcpsight {

// Why iter/tcp must not run on a kernel of this `uname -r` and `uname -v` (Debian's
// release names the ABI, e.g. 6.1.0-56; its version string names the upstream release),
// or nullopt when it is safe.
std::optional<std::string> iter_tcp_hazard(const std::string& release, const std::string& version);

// The same for the running kernel, unless TCPSIGHT_ITER_TCP=1 accepts the risk.
std::optional<std::string> iter_tcp_hazard_here();

} // namespace tcpsight
