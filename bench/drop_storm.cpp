// Bounded drop storm for benchmarks: sends TCP SYNs from a raw socket to 127.0.0.1:PORT
// as fast as it can, for at most SECONDS or COUNT packets. Run it inside a throwaway
// netns whose nft rule drops them, so each packet is exactly one kfree_skb drop.
// Usage: drop_storm PORT SECONDS COUNT [udp]   -> prints "sent N in S s"
// With "udp" the packets are UDP datagrams (for the cost of drops tcpdrops ignores).
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv)
{
	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "udp") == 0)) {
		fprintf(stderr, "usage: drop_storm PORT SECONDS COUNT [udp]\n");
		return 2;
	}
	bool udp = argc == 5;
	int port = atoi(argv[1]);
	double seconds = atof(argv[2]);
	long long count = atoll(argv[3]);
	int fd = udp ? socket(AF_INET, SOCK_DGRAM, 0) : socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("drop_storm: raw socket (needs root)");
		return 1;
	}
	sockaddr_in dst{};
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcphdr th{};
	th.dest = htons(port);
	th.doff = 5;
	th.syn = 1;
	th.window = htons(1024);
	auto start = std::chrono::steady_clock::now();
	long long sent = 0;
	while (sent < count) {
		th.source = htons(20000 + (sent & 0x3fff));
		// EPERM is the netfilter drop itself (NF_DROP on output): the packet was made and freed.
		if (sendto(fd, &th, sizeof(th), 0, (sockaddr*)&dst, sizeof(dst)) < 0 && errno != EPERM &&
		    errno != ECONNREFUSED) {
			perror("drop_storm: sendto");
			break;
		}
		sent++; // counted before the time check, so every packet made is counted
		if ((sent & 1023) == 0 &&
		    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds)
			break;
	}
	double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	printf("sent %lld in %.3f s\n", sent, s);
	return 0;
}
