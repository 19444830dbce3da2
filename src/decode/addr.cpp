#include "decode/addr.h"

#include <arpa/inet.h>

namespace tcpsight {

std::string format_addr(uint8_t family, const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN] = "";
	if (family == AF_INET)
		inet_ntop(AF_INET, addr, buf, sizeof(buf));
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, addr, buf, sizeof(buf));
	else
		return "-";
	return buf;
}

} // namespace tcpsight
