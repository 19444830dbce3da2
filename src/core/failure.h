// A user-facing failure: one line saying what went wrong, one hint saying what to do.
// Thrown where recovery is impossible; only main() turns it into stderr text and an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace tcpsight {

class Failure : public std::runtime_error {
public:
	Failure(std::string message, std::string hint = {})
	    : std::runtime_error(std::move(message)), hint_(std::move(hint)) {}
	const std::string& hint() const { return hint_; }

private:
	std::string hint_;
};

// A bad command line (unknown kind, unusable --netns, empty value): exit 2, like the
// errors CLI11 reports while parsing; every other Failure exits 1.
class UsageError : public Failure {
public:
	using Failure::Failure;
};

// "<what>: <strerror(err)>" for a negative or positive errno.
std::string errno_text(const std::string& what, int err);

// The usual hint for an errno from bpf(): privileges, missing kernel feature...
std::string bpf_errno_hint(int err);

} // namespace tcpsight
