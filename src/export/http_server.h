// The exporter's HTTP side, on cpp-httplib (Debian's libcpp-httplib-dev): GET /metrics
// and GET /healthz; 405 for other methods on them, 404 elsewhere. A fixed pool of
// workers with a bounded queue serves them, so many or slow clients cost at most that
// many threads and queued sockets; reads time out; headers are capped by the library.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "export/exporter.h"

namespace tcpsight {

struct ListenAddress {
	std::string host; // "" = every address
	int port = 0;
};
// "127.0.0.1:19347", "[::1]:19347", ":19347"; throws UsageError otherwise.
ListenAddress parse_listen_address(const std::string& s);

struct HttpServerOptions {
	ListenAddress listen;
	std::chrono::seconds stale_after{10}; // /healthz fails when the page is older
	std::function<bool()> stop_requested; // polled every 100 ms
};

// Serves `exporter`'s pages until stop_requested(); throws Failure when it cannot bind.
// `on_listening` runs once the socket accepts connections.
void serve_metrics(const Exporter& exporter, const HttpServerOptions& o, const std::function<void()>& on_listening);

} // namespace tcpsight
