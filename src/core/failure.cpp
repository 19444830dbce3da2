#include "core/failure.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tcpsight {

std::string errno_text(const std::string& what, int err)
{
	return what + ": " + std::strerror(std::abs(err));
}

std::string bpf_errno_hint(int err)
{
	switch (std::abs(err)) {
	case EPERM:
	case EACCES:
		return "run as root (or with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN)";
	case ENOENT:
		return "the kernel lacks this hook or its BTF; `--probes` lists what is available";
	case ENOTSUP:
		return "this kernel does not support the attach type; `--probes` shows the fallback";
	case EINVAL:
		return "the verifier or kernel rejected a program; rerun with -v for libbpf's log";
	default:
		return "rerun with -v for libbpf's log";
	}
}

} // namespace tcpsight
