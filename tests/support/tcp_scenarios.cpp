#include "support/tcp_scenarios.h"

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tcpsight::test {

const char* const kDropPureAcksTo =
    "nft add table ip t; nft add chain ip t out '{type filter hook output priority 0;}'; "
    "nft add rule ip t out tcp dport %d 'tcp flags & (fin|syn|rst|psh|ack) == ack' drop";

std::string fmt(const char* f, int port)
{
	char b[512];
	snprintf(b, sizeof(b), f, port);
	return b;
}

void close_all(std::vector<int>& fds)
{
	for (int fd : fds)
		close(fd);
	fds.clear();
}

void abort_close(int fd)
{
	linger l{1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

void enable_conntrack(const TestNetns& ns)
{
	ns.exec("nft add table ip t; "
		"nft add chain ip t out '{type filter hook output priority 0;}'; nft add rule ip t out ct state new counter; "
		"nft add chain ip t in '{type filter hook input priority 0;}'; nft add rule ip t in ct state new counter");
}

FinalAckOverflow::FinalAckOverflow(const TestNetns& n, uint16_t p, bool own_listener) : ns(n), port(p)
{
	if (own_listener)
		lfd = ns.listen_tcp("127.0.0.1", port, 1);
	first = ns.connect_blocking("127.0.0.1", port, 2000);
	REQUIRE(first >= 0);
	sleep_ms(100);
}

void FinalAckOverflow::provoke(int wait_ms)
{
	ns.exec(fmt(kDropPureAcksTo, port));
	clients = {ns.connect_nonblocking("127.0.0.1", port), ns.connect_nonblocking("127.0.0.1", port)};
	sleep_ms(300);
	for (int fd : clients)
		send(fd, "y", 1, MSG_NOSIGNAL);
	sleep_ms(wait_ms);
	for (int fd : clients)
		abort_close(fd);
	clients.clear();
}

FinalAckOverflow::~FinalAckOverflow()
{
	close(first);
	if (lfd >= 0)
		close(lfd);
}

ConntrackMaxGuard::ConntrackMaxGuard(int value)
{
	old = sh_out("cat /proc/sys/net/netfilter/nf_conntrack_max");
	while (!old.empty() && (old.back() == '\n' || old.back() == ' '))
		old.pop_back();
	sh("sysctl -qw net.netfilter.nf_conntrack_max=" + std::to_string(value));
}

ConntrackMaxGuard::~ConntrackMaxGuard() { (void)system(("sysctl -qw net.netfilter.nf_conntrack_max=" + old).c_str()); }

TimeWaitPileUp::TimeWaitPileUp(const TestNetns& n, int reuse, int timestamps, const std::function<void()>& before_connects)
    : ns(n)
{
	ns.exec("sysctl -qw net.ipv4.ip_local_port_range='40000 40001' net.ipv4.tcp_tw_reuse=" + std::to_string(reuse) +
		" net.ipv4.tcp_timestamps=" + std::to_string(timestamps));
	lfd = ns.listen_tcp("127.0.0.1", 17060, 16);
	if (before_connects)
		before_connects();
	for (int i = 0; i < 2; i++) {
		int c = ns.connect_blocking("127.0.0.1", 17060, 2000);
		REQUIRE(c >= 0);
		ports[i] = local_port(c);
		int a = accept(lfd, nullptr, nullptr);
		close(c); // the client closes first: its side goes to TIME_WAIT
		sleep_ms(50);
		close(a);
	}
}

TimeWaitPileUp::~TimeWaitPileUp() { close(lfd); }

int TimeWaitPileUp::third_connect() const { return ns.connect_blocking("127.0.0.1", 17060, 2000); }

FullAcceptQueue::FullAcceptQueue(const TestNetns& n, uint16_t p) : ns(n), port(p), lfd(n.listen_tcp("127.0.0.1", p, 0))
{
	first = ns.connect_blocking("127.0.0.1", port, 2000);
	REQUIRE(first >= 0);
	sleep_ms(100);
}

FullAcceptQueue::~FullAcceptQueue()
{
	close(first);
	close(lfd);
}

void FullAcceptQueue::refuse_syns() const
{
	std::vector<int> clients = {ns.connect_nonblocking("127.0.0.1", port)};
	sleep_ms(1500);
	close_all(clients);
}

} // namespace tcpsight::test
