// Prometheus' exposition formats: text 0.0.4 (what every Prometheus asks for) and
// OpenMetrics 1.0 (when the scrape's Accept header asks for it). Families collect their
// samples first, so series that end up with the same labels (folded by the series cap)
// are added together, never printed twice.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tcpsight {

enum class MetricType { Counter, Gauge, Histogram };
enum class ExpositionFormat { Text004, OpenMetrics };

// Label pairs in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricFamily {
public:
	// `name` without `_total` for counters (added when printed); `bucket_bounds` are a
	// histogram's upper bounds (`le`), ascending, without +Inf.
	MetricFamily(std::string name, std::string help, MetricType type, std::string unit = {},
		     std::vector<double> bucket_bounds = {});

	const std::string& name() const { return name_; }
	MetricType type() const { return type_; }
	size_t series() const { return type_ == MetricType::Histogram ? hists_.size() : values_.size(); }

	void add(const Labels& labels, double value); // counter or gauge; same labels add up
	// `buckets[i]`: observations in (bounds[i-1], bounds[i]] (not cumulative); the last
	// element, if there is one more than the bounds, is the +Inf overflow.
	void add_histogram(const Labels& labels, const std::vector<uint64_t>& buckets, double sum);

	void render(std::string& out, ExpositionFormat f) const;

private:
	struct Hist {
		std::vector<uint64_t> buckets; // bounds + 1 (+Inf)
		double sum = 0;
	};
	std::string name_, help_, unit_;
	MetricType type_;
	std::vector<double> bounds_;
	std::map<Labels, double> values_;
	std::map<Labels, Hist> hists_;
};

// The whole page; OpenMetrics ends with "# EOF".
std::string render_page(const std::vector<MetricFamily>& families, ExpositionFormat f);

// Content-Type of each format.
const char* content_type(ExpositionFormat f);
// What a scrape asks for: OpenMetrics only when its Accept header names it.
ExpositionFormat format_for_accept(const std::string& accept);

} // namespace tcpsight
