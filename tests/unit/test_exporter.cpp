// The exporter's pure parts: the exposition formats, the series cap, the listen address,
// and its families against the contract the alerts are written to
// (tests/deploy/metric_names.txt).
#include <catch2/catch_test_macros.hpp>
#include <fstream>
#include <sstream>

#include "core/failure.h"
#include "export/exporter.h"
#include "export/exposition.h"
#include "export/http_server.h"
#include "export/series_cap.h"

using namespace tcpsight;

TEST_CASE("exposition: counters, gauges, escaping, both formats", "[unit][exporter]")
{
	MetricFamily c("tcpsight_x", "An \"x\"\\n", MetricType::Counter);
	c.add({{"port", "80"}, {"why", "a\"b\\c\nd"}}, 3);
	c.add({{"port", "80"}, {"why", "a\"b\\c\nd"}}, 4); // same labels add up
	c.add({}, 1.5);
	MetricFamily g("tcpsight_g", "gauge", MetricType::Gauge);
	MetricFamily empty("tcpsight_none", "never printed", MetricType::Gauge);
	g.add({{"netns", "1"}}, 262144);
	std::string text = render_page({c, g, empty}, ExpositionFormat::Text004);
	CHECK(text == "# HELP tcpsight_x_total An \"x\"\\\\n\n"
		      "# TYPE tcpsight_x_total counter\n"
		      "tcpsight_x_total 1.5\n"
		      "tcpsight_x_total{port=\"80\",why=\"a\\\"b\\\\c\\nd\"} 7\n"
		      "# HELP tcpsight_g gauge\n"
		      "# TYPE tcpsight_g gauge\n"
		      "tcpsight_g{netns=\"1\"} 262144\n");
	std::string om = render_page({c}, ExpositionFormat::OpenMetrics);
	CHECK(om.find("# TYPE tcpsight_x counter\n") != std::string::npos);
	CHECK(om.find("tcpsight_x_total 1.5\n") != std::string::npos);
	CHECK(om.size() > 6);
	CHECK(om.substr(om.size() - 6) == "# EOF\n");
}

TEST_CASE("exposition: histograms are cumulative with +Inf, _sum and _count", "[unit][exporter]")
{
	MetricFamily h("tcpsight_wait_seconds", "w", MetricType::Histogram, "seconds", {0.002, 0.004});
	h.add_histogram({{"port", "80"}}, {1, 0, 2, 5}, 0.5); // the 4th bucket folds into +Inf
	h.add_histogram({{"port", "80"}}, {1}, 0.001);
	std::string text = render_page({h}, ExpositionFormat::Text004);
	CHECK(text == "# HELP tcpsight_wait_seconds w\n"
		      "# TYPE tcpsight_wait_seconds histogram\n"
		      "tcpsight_wait_seconds_bucket{port=\"80\",le=\"0.002\"} 2\n"
		      "tcpsight_wait_seconds_bucket{port=\"80\",le=\"0.0040000000000000001\"} 2\n"
		      "tcpsight_wait_seconds_bucket{port=\"80\",le=\"+Inf\"} 9\n"
		      "tcpsight_wait_seconds_sum{port=\"80\"} 0.501\n"
		      "tcpsight_wait_seconds_count{port=\"80\"} 9\n");
	CHECK(render_page({h}, ExpositionFormat::OpenMetrics).find("# UNIT tcpsight_wait_seconds seconds\n") !=
	      std::string::npos);
}

TEST_CASE("content negotiation: OpenMetrics only when asked", "[unit][exporter]")
{
	CHECK(format_for_accept("") == ExpositionFormat::Text004);
	CHECK(format_for_accept("text/plain;version=0.0.4;q=0.5,*/*;q=0.1") == ExpositionFormat::Text004);
	CHECK(format_for_accept("application/openmetrics-text;version=1.0.0,text/plain;q=0.5") ==
	      ExpositionFormat::OpenMetrics);
	CHECK(std::string(content_type(ExpositionFormat::Text004)) == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("series cap: the first N stay, the rest fold into other, counted", "[unit][exporter]")
{
	SeriesCap cap(2);
	cap.begin();
	Labels a = {{"netns", "1"}, {"port", "80"}}, b = {{"netns", "1"}, {"port", "81"}}, c = {{"netns", "1"}, {"port", "82"}};
	CHECK(cap.admit("f", a, "port") == a);
	CHECK(cap.admit("f", b, "port") == b);
	Labels other = {{"netns", "1"}, {"port", "other"}};
	CHECK(cap.admit("f", c, "port") == other);
	CHECK(cap.admit("g", c, "port") == c); // per family
	CHECK(cap.folded().at("f") == 1);
	cap.begin(); // the next collection: admitted ones stay admitted
	CHECK(cap.admit("f", a, "port") == a);
	CHECK(cap.admit("f", c, "port") == other);
	CHECK(cap.folded().at("f") == 1);
	SeriesCap none(0);
	CHECK(none.admit("f", c, "port") == c);
}

TEST_CASE("listen addresses", "[unit][exporter]")
{
	CHECK(parse_listen_address("127.0.0.1:19347").host == "127.0.0.1");
	CHECK(parse_listen_address("127.0.0.1:19347").port == 19347);
	CHECK(parse_listen_address("[::1]:9").host == "::1");
	CHECK(parse_listen_address(":19347").host.empty());
	for (const char* bad : {"", ":", "19347", "host:", "h:0", "h:65536", "h:1x", "::1:80", "h:123456"})
		CHECK_THROWS_AS(parse_listen_address(bad), UsageError);
}

TEST_CASE("the exporter's families are the contract's, name and type", "[unit][exporter]")
{
	std::ifstream in(TCPSIGHT_SOURCE_DIR "/tests/deploy/metric_names.txt");
	REQUIRE(in);
	std::map<std::string, std::string> contract;
	for (std::string line; std::getline(in, line);) {
		if (line.empty() || line[0] == '#')
			continue;
		std::istringstream ss(line);
		std::string name, type;
		ss >> name >> type;
		contract[name] = type;
	}
	std::map<std::string, std::string> served;
	for (const auto& f : exporter_families()) {
		bool counter = f.type() == MetricType::Counter;
		served[f.name() + (counter ? "_total" : "")] =
		    counter ? "counter" : f.type() == MetricType::Gauge ? "gauge" : "histogram";
	}
	CHECK(served == contract);
}
