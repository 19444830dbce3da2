#include "decode/record.h"

#include <charconv>
#include <cmath>

namespace tcpsight {

std::string Record::str(const std::string& key) const
{
	const Value* v = get(key);
	if (!v || !std::holds_alternative<std::string>(*v))
		return {};
	return std::get<std::string>(*v);
}

std::string to_text(const Value& v)
{
	if (auto b = std::get_if<bool>(&v))
		return *b ? "true" : "false";
	if (auto i = std::get_if<int64_t>(&v))
		return std::to_string(*i);
	if (auto u = std::get_if<uint64_t>(&v))
		return std::to_string(*u);
	if (auto d = std::get_if<double>(&v)) {
		char b[32];
		double r = std::round(*d * 100) / 100;
		auto res = std::to_chars(b, b + sizeof(b), r); // shortest form: no trailing zeros
		return std::string(b, res.ptr);
	}
	return std::get<std::string>(v);
}

} // namespace tcpsight
