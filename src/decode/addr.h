#pragma once
#include <cstdint>
#include <string>

namespace tcpsight {
// "127.0.0.1", "::1", "::ffff:10.0.0.1"; family AF_INET uses the first 4 bytes.
std::string format_addr(uint8_t family, const uint8_t addr[16]);
} // namespace tcpsight
