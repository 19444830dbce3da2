#include "export/exposition.h"

#include <cmath>
#include <cstdio>

namespace tcpsight {

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type, std::string unit,
			   std::vector<double> bucket_bounds)
    : name_(std::move(name)), help_(std::move(help)), unit_(std::move(unit)), type_(type),
      bounds_(std::move(bucket_bounds))
{
}

void MetricFamily::add(const Labels& labels, double value) { values_[labels] += value; }

void MetricFamily::add_histogram(const Labels& labels, const std::vector<uint64_t>& buckets, double sum)
{
	Hist& h = hists_[labels];
	h.buckets.resize(bounds_.size() + 1);
	for (size_t i = 0; i < buckets.size(); i++)
		h.buckets[std::min(i, bounds_.size())] += buckets[i];
	h.sum += sum;
}

static void put_number(std::string& out, double v)
{
	char buf[32];
	if (std::isinf(v))
		out += v > 0 ? "+Inf" : "-Inf";
	else if (std::isnan(v))
		out += "NaN";
	else if (v == std::floor(v) && std::fabs(v) < 1e15)
		out.append(buf, std::snprintf(buf, sizeof(buf), "%.0f", v));
	else
		out.append(buf, std::snprintf(buf, sizeof(buf), "%.17g", v));
}

// Label values escape \, " and newline (both formats).
static void put_labels(std::string& out, const Labels& labels, const char* le = nullptr)
{
	if (labels.empty() && !le)
		return;
	out += '{';
	bool first = true;
	auto put = [&](const std::string& k, const std::string& v) {
		if (!first)
			out += ',';
		first = false;
		out += k;
		out += "=\"";
		for (char c : v) {
			if (c == '\\')
				out += "\\\\";
			else if (c == '"')
				out += "\\\"";
			else if (c == '\n')
				out += "\\n";
			else
				out += c;
		}
		out += '"';
	};
	for (const auto& [k, v] : labels)
		put(k, v);
	if (le)
		put("le", le);
	out += '}';
}

static void put_help(std::string& out, const std::string& help)
{
	for (char c : help) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
}

void MetricFamily::render(std::string& out, ExpositionFormat f) const
{
	if (series() == 0)
		return;
	bool om = f == ExpositionFormat::OpenMetrics;
	// Text 0.0.4 names a counter family with its _total; OpenMetrics without.
	std::string family = name_ + (type_ == MetricType::Counter && !om ? "_total" : "");
	const char* type = type_ == MetricType::Counter ? "counter" : type_ == MetricType::Gauge ? "gauge" : "histogram";
	out += "# HELP " + family + " ";
	put_help(out, help_);
	out += "\n# TYPE " + family + " " + type + "\n";
	if (om && !unit_.empty())
		out += "# UNIT " + family + " " + unit_ + "\n";
	std::string sample = name_ + (type_ == MetricType::Counter ? "_total" : "");
	for (const auto& [labels, v] : values_) {
		out += sample;
		put_labels(out, labels);
		out += ' ';
		put_number(out, v);
		out += '\n';
	}
	for (const auto& [labels, h] : hists_) {
		uint64_t cum = 0;
		char le[32];
		for (size_t i = 0; i <= bounds_.size(); i++) {
			cum += h.buckets[i];
			if (i < bounds_.size()) {
				std::snprintf(le, sizeof(le), "%.17g", bounds_[i]);
			} else {
				std::snprintf(le, sizeof(le), "+Inf");
			}
			out += name_ + "_bucket";
			put_labels(out, labels, le);
			out += ' ';
			put_number(out, (double)cum);
			out += '\n';
		}
		out += name_ + "_sum";
		put_labels(out, labels);
		out += ' ';
		put_number(out, h.sum);
		out += '\n' + name_ + "_count";
		put_labels(out, labels);
		out += ' ';
		put_number(out, (double)cum);
		out += '\n';
	}
}

std::string render_page(const std::vector<MetricFamily>& families, ExpositionFormat f)
{
	std::string out;
	out.reserve(64 * 1024);
	for (const auto& fam : families)
		fam.render(out, f);
	if (f == ExpositionFormat::OpenMetrics)
		out += "# EOF\n";
	return out;
}

const char* content_type(ExpositionFormat f)
{
	return f == ExpositionFormat::OpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
						  : "text/plain; version=0.0.4; charset=utf-8";
}

ExpositionFormat format_for_accept(const std::string& accept)
{
	return accept.find("application/openmetrics-text") != std::string::npos ? ExpositionFormat::OpenMetrics
										  : ExpositionFormat::Text004;
}

} // namespace tcpsight
