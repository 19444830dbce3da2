#include "output/output.h"

namespace tcpsight {

void Output::write(const std::string& s)
{
	if (stream_.buf().size() + s.size() > 2 * OutStream::kChunkBytes) {
		dropped_bytes_ += s.size();
		return;
	}
	stream_.buf() += s;
	stream_.record_done(0);
}

void Output::flush()
{
	stream_.flush();
	if (stream_.closed())
		throw OutputClosed();
}

} // namespace tcpsight
