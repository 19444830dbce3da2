#include "output/event_sinks.h"

namespace tcpsight {

static bool plain_json(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

void append_json_string(std::string& o, std::string_view s)
{
	o += '"';
	size_t run = 0; // bytes that need no escape, appended in one go
	for (size_t i = 0; i < s.size(); i++) {
		unsigned char c = (unsigned char)s[i];
		if (plain_json(c))
			continue;
		o.append(s.data() + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': o += "\\\""; break;
		case '\\': o += "\\\\"; break;
		case '\n': o += "\\n"; break;
		case '\r': o += "\\r"; break;
		case '\t': o += "\\t"; break;
		default: {
			static const char hex[] = "0123456789abcdef";
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			o.append(u, 6);
		}
		}
	}
	o.append(s.data() + run, s.size() - run);
	o += '"';
}

void append_printable(std::string& o, std::string_view s)
{
	size_t at = o.size();
	o += s;
	for (size_t i = at; i < o.size(); i++)
		if ((unsigned char)o[i] < 0x20 || (unsigned char)o[i] >= 0x7f)
			o[i] = '?';
}

void append_padded(std::string& o, std::string_view s, size_t w)
{
	o += s;
	o.append(s.size() >= w ? 1 : w - s.size() + 1, ' ');
}

static void append_endpoint(std::string& o, std::string_view addr, uint16_t port)
{
	size_t at = o.size();
	bool v6 = addr.find(':') != std::string_view::npos;
	if (v6)
		o += '[';
	o += addr;
	if (v6)
		o += ']';
	o += ':';
	append_int(o, port);
	size_t n = o.size() - at;
	o.append(n >= 21 ? 1 : 21 - n + 1, ' ');
}

void TextSink::head(std::string_view ts, const char* kind, const char* source, uint32_t netns, const char*,
		    std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
{
	append_padded(o_, ts.size() >= 19 ? ts.substr(11, 8) : ts, 8);
	append_padded(o_, kind, 15);
	append_padded(o_, source, 10);
	char b[16];
	append_padded(o_, std::string_view(b, (size_t)(std::to_chars(b, b + sizeof(b), netns).ptr - b)), 10);
	append_endpoint(o_, laddr, lport);
	append_endpoint(o_, raddr, rport);
	kind_ = kind;
	netns_ = netns;
	lport_ = lport;
}

void TextSink::state_reason(std::string_view state, std::string_view reason)
{
	size_t at = o_.size();
	append_printable(o_, state);
	size_t n = o_.size() - at;
	o_.append(n >= 11 ? 1 : 11 - n + 1, ' ');
	at = o_.size();
	append_printable(o_, reason);
	n = o_.size() - at;
	o_.append(n >= 20 ? 1 : 20 - n + 1, ' ');
	reason_ = reason;
}

void TextSink::end()
{
	o_ += detail_;
	o_ += '\n';
	if (hint_.empty())
		return;
	// A hint once per (kind, reason, netns, port): enough to act on, quiet under storms.
	key_ = kind_;
	append_printable(key_, reason_);
	append_int(key_, netns_);
	append_int(key_, lport_);
	if (!hinted_.insert(key_).second)
		return;
	o_ += "  hint: ";
	append_printable(o_, hint_);
	o_ += '\n';
}

} // namespace tcpsight
