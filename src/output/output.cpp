#include "output/output.h"

namespace tcpsight {

void Output::write(const std::string& s)
{
	if (!stream_.append(s))
		dropped_bytes_ += s.size();
}

void Output::flush()
{
	stream_.flush();
	if (stream_.closed())
		throw OutputClosed();
}

} // namespace tcpsight
