// Minimal reader for the tools' JSON Lines: flat objects of strings, numbers and bools
// (the whole schema). Enough for tests to assert exact fields without a JSON library.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tcpsight::test {

struct JsonValue {
	std::string text; // unescaped string, or the literal (42, true)
	bool is_string = false;
};

using JsonObject = std::map<std::string, JsonValue>;

std::optional<JsonObject> parse_json_object(const std::string& line);
std::vector<JsonObject> parse_json_lines(const std::string& text);

// Convenience accessors; throw std::out_of_range when absent.
std::string str(const JsonObject& o, const std::string& key);
long long num(const JsonObject& o, const std::string& key);
double dbl(const JsonObject& o, const std::string& key); // a number that may have a fraction
bool has(const JsonObject& o, const std::string& key);

} // namespace tcpsight::test
