// A decoded event or summary row: ordered named fields, the one shape every output
// (text columns, JSON Lines) renders. Field names are the JSON schema (docs/json.md).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tcpsight {

// double: means, printed with at most two decimals ("0.25", "27768", "190000.5").
using Value = std::variant<bool, int64_t, uint64_t, std::string, double>;

class Record {
public:
	template <typename T>
	Record& set(const std::string& key, T v)
	{
		Value val = normalize(std::move(v));
		for (auto& f : fields_)
			if (f.first == key) {
				f.second = std::move(val);
				return *this;
			}
		fields_.emplace_back(key, std::move(val));
		return *this;
	}
	const Value* get(const std::string& key) const
	{
		for (const auto& f : fields_)
			if (f.first == key)
				return &f.second;
		return nullptr;
	}
	std::string str(const std::string& key) const; // "" when absent or not a string
	const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }

private:
	static Value normalize(bool v) { return v; }
	static Value normalize(const char* v) { return std::string(v); }
	static Value normalize(std::string v) { return v; }
	static Value normalize(double v) { return v; }
	template <typename T>
	static Value normalize(T v)
	{
		if constexpr (std::is_signed_v<T>)
			return (int64_t)v;
		else
			return (uint64_t)v;
	}
	std::vector<std::pair<std::string, Value>> fields_;
};

// Plain text of a value ("true", "42", the string itself).
std::string to_text(const Value& v);

} // namespace tcpsight
