// Scenarios several host tests provoke (kernel-hooks.md §5 recipes): a final-ACK
// overflow, conntrack on and its table limit, a TIME_WAIT pile-up on a two-port range.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "support/scenario.h"

namespace tcpsight::test {

// An nft rule dropping pure ACKs to a port (requests then stay in the SYN queue).
extern const char* const kDropPureAcksTo;
std::string fmt(const char* f, int port);
void close_all(std::vector<int>& fds);
// Closes with a RST (SO_LINGER 0) so no retransmit or FIN follows.
void abort_close(int fd);
// A `ct state` rule on output and input makes the netns track its connections.
void enable_conntrack(const TestNetns& ns);

// kernel-hooks.md E2: a listener with backlog 1 and one queued child; pure ACKs to it
// dropped so two handshakes wait in the SYN queue; each client's first data segment
// completes its handshake: one child fits, the other overflows (and is retried).
struct FinalAckOverflow {
	const TestNetns& ns;
	uint16_t port;
	int lfd = -1, first = -1;
	std::vector<int> clients;

	// `own_listener` false: something else already listens on the port with backlog 1.
	FinalAckOverflow(const TestNetns& n, uint16_t p, bool own_listener = true);
	void provoke(int wait_ms);
	~FinalAckOverflow();
};

// nf_conntrack_max is global: set for the scope, restored after.
struct ConntrackMaxGuard {
	std::string old;
	explicit ConntrackMaxGuard(int value);
	~ConntrackMaxGuard();
};

// E4: two connections to :17060 closed by the client first leave TIME_WAIT sockets on
// the only two ports of the range; then a third connect().
struct TimeWaitPileUp {
	const TestNetns& ns;
	int lfd;
	// `before_connects` runs once the sysctls are set and the listener is up, right
	// before the two connects (a slow guest spends most of a second in the sysctl exec).
	TimeWaitPileUp(const TestNetns& n, int reuse, int timestamps, const std::function<void()>& before_connects = {});
	~TimeWaitPileUp();
	int third_connect() const;
	// The two connects' local ports; equal when the second recycled the first's
	// TIME_WAIT socket (where tcp_tw_reuse allows it and ages are whole seconds, a slow
	// guest can cross a second between them): then the range is not full.
	uint16_t ports[2] = {0, 0};
	bool holds_both_ports() const { return ports[0] != ports[1]; }
};

// A listener of backlog 0 holding one child: its accept queue is full, so each SYN to it
// is refused (ListenOverflows) before any final ACK.
struct FullAcceptQueue {
	const TestNetns& ns;
	uint16_t port;
	int lfd, first;
	FullAcceptQueue(const TestNetns& n, uint16_t p);
	~FullAcceptQueue();
	// One client: its SYN and the retransmission at 1 s, both refused.
	void refuse_syns() const;
};

// A storm of final-ACK overflows: a raw-socket SYN leaves a request in the SYN queue of
// a listener of backlog 4, five connects then fill its accept queue, and the raw
// socket's final ACK, sent `count` times, overflows it each time (a request whose ACK
// overflowed stays, acked, until its SYN-ACK retransmits run out). The kernel's RSTs to
// the raw socket's port are dropped, so the request lives. Returns how many ACKs went
// out; each is one ListenOverflows.
long long final_ack_overflow_storm(const TestNetns& ns, uint16_t port, long long count);

} // namespace tcpsight::test
