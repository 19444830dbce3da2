// Routes libbpf's messages: debug only with -v, warnings kept so a failed load can be
// traced to the program that failed (the attach ladder demotes that program's hook).
#pragma once
#include <string>
#include <vector>

namespace tcpsight::libbpf_log {

void install(bool verbose);
// Warnings since the last call; clears them.
std::vector<std::string> take_warnings();
// Name of the first program a libbpf warning blames ("prog 'NAME': ..."), or "".
std::string failed_program(const std::vector<std::string>& warnings);

} // namespace tcpsight::libbpf_log
