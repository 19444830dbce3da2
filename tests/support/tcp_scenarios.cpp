#include "support/tcp_scenarios.h"

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include "core/netns.h"

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

namespace {

constexpr uint16_t kRawPort = 40999; // the raw socket's "connection" port

// The TCP checksum over the IPv4 pseudo-header (127.0.0.1 both ends) and the segment:
// loopback delivers a raw socket's segment unverified, so TCP checks it.
uint16_t tcp_checksum_lo(const tcphdr& th)
{
	uint32_t sum = 0;
	auto add16 = [&sum](const void* p, size_t n) {
		const uint8_t* b = static_cast<const uint8_t*>(p);
		for (size_t i = 0; i + 1 < n; i += 2)
			sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	};
	uint32_t lo = htonl(INADDR_LOOPBACK);
	add16(&lo, 4);
	add16(&lo, 4);
	sum += IPPROTO_TCP + sizeof(th);
	add16(&th, sizeof(th));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

tcphdr raw_segment(uint16_t port, uint32_t seq, uint32_t ack_seq, bool syn)
{
	tcphdr th{};
	th.source = htons(kRawPort);
	th.dest = htons(port);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack_seq);
	th.doff = 5;
	th.syn = syn;
	th.ack = !syn;
	th.window = htons(65535);
	th.check = tcp_checksum_lo(th);
	return th;
}

// The listener's ISN, from its SYN-ACK to the raw socket's port (a raw TCP socket gets
// a copy of every TCP segment the netns receives).
uint32_t server_isn(int raw, uint16_t port)
{
	timeval tv{bound_ms(2000) / 1000, 0};
	setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[256];
	for (;;) {
		ssize_t n = recv(raw, buf, sizeof(buf), 0);
		if (n < 0)
			throw std::runtime_error(std::string("no SYN-ACK to the raw socket: ") + std::strerror(errno));
		const auto* ip = reinterpret_cast<const iphdr*>(buf);
		if (n < (ssize_t)(ip->ihl * 4 + sizeof(tcphdr)))
			continue;
		const auto* th = reinterpret_cast<const tcphdr*>(buf + ip->ihl * 4);
		if (th->syn && th->ack && ntohs(th->source) == port && ntohs(th->dest) == kRawPort)
			return ntohl(th->seq);
	}
}

} // namespace

long long final_ack_overflow_storm(const TestNetns& ns, uint16_t port, long long count)
{
	ns.exec("nft add table ip t; nft add chain ip t out '{type filter hook output priority 0;}'; "
		"nft add rule ip t out tcp sport " + std::to_string(kRawPort) + " 'tcp flags & rst == rst' drop");
	int lfd = ns.listen_tcp("127.0.0.1", port, 4);
	int raw;
	{
		ScopedNetns in(ns.path());
		raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	}
	REQUIRE(raw >= 0);
	sockaddr_in dst{};
	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	const uint32_t isn = 1000;
	tcphdr syn = raw_segment(port, isn, 0, true);
	REQUIRE(sendto(raw, &syn, sizeof(syn), 0, (sockaddr*)&dst, sizeof(dst)) == (ssize_t)sizeof(syn));
	uint32_t peer_isn = server_isn(raw, port);
	// Five children in a queue of backlog 4: full (sk_acceptq_is_full: 5 > 4).
	std::vector<int> children;
	for (int i = 0; i < 5; i++) {
		children.push_back(ns.connect_blocking("127.0.0.1", port, 2000));
		REQUIRE(children.back() >= 0);
	}
	tcphdr ack = raw_segment(port, isn + 1, peer_isn + 1, false);
	long long sent = 0;
	while (sent < count && sendto(raw, &ack, sizeof(ack), 0, (sockaddr*)&dst, sizeof(dst)) == (ssize_t)sizeof(ack))
		sent++;
	close(raw);
	close_all(children);
	close(lfd);
	return sent;
}

} // namespace tcpsight::test
