#include "support/json_lines.h"

#include <sstream>
#include <stdexcept>

namespace tcpsight::test {
namespace {

struct Parser {
	const std::string& s;
	size_t i = 0;
	void ws()
	{
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
	}
	bool eat(char c)
	{
		ws();
		if (i < s.size() && s[i] == c) {
			i++;
			return true;
		}
		return false;
	}
	std::optional<std::string> string()
	{
		if (!eat('"'))
			return std::nullopt;
		std::string o;
		while (i < s.size() && s[i] != '"') {
			char c = s[i++];
			if (c != '\\') {
				o += c;
				continue;
			}
			if (i >= s.size())
				return std::nullopt;
			char e = s[i++];
			switch (e) {
			case 'n': o += '\n'; break;
			case 't': o += '\t'; break;
			case 'r': o += '\r'; break;
			case 'u': {
				if (i + 4 > s.size())
					return std::nullopt;
				unsigned v = std::stoul(s.substr(i, 4), nullptr, 16);
				i += 4;
				o += (char)(v & 0xff); // the tools only escape single bytes
				break;
			}
			default: o += e;
			}
		}
		if (i >= s.size())
			return std::nullopt;
		i++;
		return o;
	}
};

} // namespace

std::optional<JsonObject> parse_json_object(const std::string& line)
{
	Parser p{line};
	JsonObject o;
	if (!p.eat('{'))
		return std::nullopt;
	if (p.eat('}'))
		return o;
	for (;;) {
		auto k = p.string();
		if (!k || !p.eat(':'))
			return std::nullopt;
		p.ws();
		JsonValue v;
		if (p.i < line.size() && line[p.i] == '"') {
			auto sv = p.string();
			if (!sv)
				return std::nullopt;
			v.text = *sv;
			v.is_string = true;
		} else {
			size_t b = p.i;
			while (p.i < line.size() && line[p.i] != ',' && line[p.i] != '}')
				p.i++;
			v.text = line.substr(b, p.i - b);
			while (!v.text.empty() && v.text.back() == ' ')
				v.text.pop_back();
		}
		o[*k] = v;
		if (p.eat('}'))
			return o;
		if (!p.eat(','))
			return std::nullopt;
	}
}

std::vector<JsonObject> parse_json_lines(const std::string& text)
{
	std::vector<JsonObject> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.empty())
			continue;
		auto o = parse_json_object(line);
		if (!o)
			throw std::runtime_error("not a JSON object: " + line);
		out.push_back(*o);
	}
	return out;
}

std::string str(const JsonObject& o, const std::string& key) { return o.at(key).text; }
long long num(const JsonObject& o, const std::string& key) { return std::stoll(o.at(key).text); }
double dbl(const JsonObject& o, const std::string& key) { return std::stod(o.at(key).text); }
bool has(const JsonObject& o, const std::string& key) { return o.count(key) > 0; }

} // namespace tcpsight::test
