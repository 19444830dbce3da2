#include "export/http_server.h"

// The library's defaults that bound a client: 8 KiB header lines, 8 KiB request line;
// reads and writes time out below (slowloris gets a worker for seconds, not forever).
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>

#include "core/failure.h"

namespace tcpsight {

ListenAddress parse_listen_address(const std::string& s)
{
	auto bad = [&] {
		return UsageError("--web.listen-address '" + s + "' is not host:port",
				  "e.g. 127.0.0.1:19347, [::1]:19347, or :19347 for every address");
	};
	size_t colon = s.rfind(':');
	if (colon == std::string::npos || colon + 1 >= s.size())
		throw bad();
	ListenAddress a;
	a.host = s.substr(0, colon);
	if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
		a.host = a.host.substr(1, a.host.size() - 2);
	else if (a.host.find(':') != std::string::npos)
		throw bad(); // an IPv6 address needs brackets
	std::string port = s.substr(colon + 1);
	if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
		throw bad();
	a.port = std::stoi(port);
	if (a.port < 1 || a.port > 65535)
		throw bad();
	return a;
}

namespace {

// httplib's own pool queues without bound; this one makes the acceptor wait instead
// (the kernel's listen backlog then holds, and refuses, the excess).
class BoundedPool : public httplib::TaskQueue {
public:
	BoundedPool(size_t threads, size_t queue) : max_queue_(queue)
	{
		for (size_t i = 0; i < threads; i++)
			workers_.emplace_back([this] { work(); });
	}
	void enqueue(std::function<void()> fn) override
	{
		std::unique_lock<std::mutex> l(mu_);
		space_.wait(l, [this] { return jobs_.size() < max_queue_ || shutdown_; });
		if (shutdown_)
			return;
		jobs_.push_back(std::move(fn));
		ready_.notify_one();
	}
	void shutdown() override
	{
		{
			std::lock_guard<std::mutex> l(mu_);
			shutdown_ = true;
		}
		ready_.notify_all();
		space_.notify_all();
		for (auto& t : workers_)
			t.join();
	}

private:
	void work()
	{
		for (;;) {
			std::function<void()> fn;
			{
				std::unique_lock<std::mutex> l(mu_);
				ready_.wait(l, [this] { return !jobs_.empty() || shutdown_; });
				if (jobs_.empty())
					return; // shut down and drained
				fn = std::move(jobs_.front());
				jobs_.pop_front();
			}
			space_.notify_one();
			fn();
		}
	}

	size_t max_queue_;
	std::mutex mu_;
	std::condition_variable ready_, space_;
	std::deque<std::function<void()>> jobs_;
	std::vector<std::thread> workers_;
	bool shutdown_ = false;
};

} // namespace

void serve_metrics(const Exporter& exporter, const HttpServerOptions& o, const std::function<void()>& on_listening)
{
	httplib::Server svr;
	// Thread per connection (the library's model): 8 workers, 16 queued connections, and
	// 2 s to send a request (a scraper sends it at once) bound what slow clients cost: a
	// scrape behind them waits at most (16 + 8 + the listen backlog) / 8 x 2 s.
	svr.new_task_queue = [] { return new BoundedPool(8, 16); };
	svr.set_read_timeout(2, 0);
	svr.set_write_timeout(5, 0);
	svr.set_keep_alive_timeout(2);
	svr.set_keep_alive_max_count(100);
	svr.set_payload_max_length(4096); // GETs carry no body

	svr.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
		auto page = exporter.page();
		if (!page) {
			res.status = 503;
			res.set_content("no collection yet\n", "text/plain");
			return;
		}
		ExpositionFormat f = format_for_accept(req.get_header_value("Accept"));
		res.set_content(f == ExpositionFormat::OpenMetrics ? page->openmetrics : page->text, content_type(f));
	});
	svr.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
		auto page = exporter.page();
		auto age = page ? std::chrono::steady_clock::now() - page->at : std::chrono::steady_clock::duration::max();
		if (page && age < o.stale_after) {
			res.set_content("ok\n", "text/plain");
			return;
		}
		res.status = 503;
		res.set_content(page ? "collection is stale\n" : "no collection yet\n", "text/plain");
	});
	auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
		res.status = 405;
		res.set_header("Allow", "GET, HEAD");
		res.set_content("only GET\n", "text/plain");
	};
	for (const char* path : {"/metrics", "/healthz"}) {
		svr.Post(path, not_allowed);
		svr.Put(path, not_allowed);
		svr.Delete(path, not_allowed);
		svr.Patch(path, not_allowed);
		svr.Options(path, not_allowed);
	}
	svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
		if (res.status == 404)
			res.set_content("tcpsight-exporter serves /metrics and /healthz\n", "text/plain");
	});

	std::string host = o.listen.host.empty() ? "::" : o.listen.host;
	if (!svr.bind_to_port(host.c_str(), o.listen.port)) {
		if (o.listen.host.empty() && svr.bind_to_port("0.0.0.0", o.listen.port))
			host = "0.0.0.0"; // no IPv6 on this host
		else
			throw Failure("cannot listen on " + host + ":" + std::to_string(o.listen.port),
				      "is another process on that port? choose one with --web.listen-address");
	}
	std::atomic<bool> done{false};
	std::thread stopper([&] {
		while (!done && !o.stop_requested())
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		svr.stop();
	});
	on_listening();
	svr.listen_after_bind();
	done = true;
	stopper.join();
}

} // namespace tcpsight
