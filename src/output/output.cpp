#include "output/output.h"

#include <cerrno>

namespace tcpsight {

void Output::flush()
{
	if (!buf_.empty()) {
		size_t n = fwrite(buf_.data(), 1, buf_.size(), out_);
		buf_.clear();
		if (n == 0 && errno == EPIPE)
			throw OutputClosed();
	}
	if (fflush(out_) != 0 && errno == EPIPE)
		throw OutputClosed();
	if (ferror(out_))
		throw OutputClosed();
}

} // namespace tcpsight
