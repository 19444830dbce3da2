#include "output/out_stream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <unistd.h>

namespace tcpsight {

OutStream::OutStream(FILE* out) : out_(out), s_(std::make_shared<Shared>())
{
	for (size_t i = 0; i < kChunks; i++) {
		s_->all.push_back(std::make_unique<Chunk>());
		s_->free.push_back(s_->all.back().get());
	}
	cur_ = s_->free.back();
	s_->free.pop_back();
	int fd = fileno(out);
	if (fd >= 0) {
		fflush(out); // whatever stdio already holds goes first
		fd_ = fd;
		writer_ = std::thread(writer_main, s_, fd_);
	}
}

OutStream::~OutStream()
{
	if (!writer_.joinable())
		return;
	finish(0);
}

bool OutStream::closed() const
{
	std::lock_guard<std::mutex> lock(s_->mu);
	return s_->closed;
}

void OutStream::write_sync(Chunk& c)
{
	if (c.len && !s_->closed) {
		size_t n = fwrite(c.data.get(), 1, c.len, out_);
		if (n != c.len || fflush(out_) != 0 || ferror(out_))
			s_->closed = true;
	}
	c.len = 0;
	c.events = 0;
}

bool OutStream::hand_over_locked()
{
	if (s_->free.empty())
		return false;
	if (s_->closed) { // nobody reads: discard
		cur_->len = 0;
		cur_->events = 0;
		return true;
	}
	s_->full.push_back(cur_);
	cur_ = s_->free.back();
	s_->free.pop_back();
	s_->cv.notify_all();
	return true;
}

bool OutStream::record_done(uint64_t events)
{
	cur_->events += events;
	if (cur_->len < kChunkBytes)
		return true;
	if (fd_ < 0) {
		write_sync(*cur_);
		return true;
	}
	std::lock_guard<std::mutex> lock(s_->mu);
	return hand_over_locked();
}

void OutStream::flush()
{
	if (fd_ < 0) {
		write_sync(*cur_);
		return;
	}
	if (!cur_->len)
		return;
	std::lock_guard<std::mutex> lock(s_->mu);
	hand_over_locked();
}

bool OutStream::append(const std::string& s)
{
	if (!ready())
		record_done(0); // hands the full chunk over if one is free
	size_t n = std::min(s.size(), kRecordMax);
	if (cur_->len + n > kCapacity)
		return false;
	std::memcpy(cursor(), s.data(), n);
	cur_->len += n;
	record_done(0);
	return true;
}

void OutStream::wait_writable(int ms)
{
	if (fd_ < 0)
		return;
	std::unique_lock<std::mutex> lock(s_->mu);
	s_->cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return !s_->free.empty() || s_->closed; });
	if (cur_->len >= kChunkBytes)
		hand_over_locked();
}

uint64_t OutStream::finish(int ms)
{
	if (fd_ < 0) {
		write_sync(*cur_);
		return 0;
	}
	if (!writer_.joinable())
		return 0;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
	std::unique_lock<std::mutex> lock(s_->mu);
	// The current chunk joins the queue as soon as a chunk is free, then the queue drains.
	bool done = s_->cv.wait_until(lock, deadline, [&] {
		if (cur_->len)
			hand_over_locked();
		return s_->closed || (!cur_->len && s_->full.empty() && !s_->writing);
	});
	uint64_t held = 0;
	if (!done && !s_->closed) {
		held = cur_->events + s_->writing_events;
		for (const Chunk* c : s_->full)
			held += c->events;
	}
	s_->stop = true;
	s_->cv.notify_all();
	lock.unlock();
	if (done)
		writer_.join();
	else
		writer_.detach(); // blocked in write(): process exit ends it
	return held;
}

void OutStream::writer_main(std::shared_ptr<Shared> s, int fd)
{
	// SIGINT and SIGTERM go to the reader thread, which decides when to stop.
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, nullptr);
	std::unique_lock<std::mutex> lock(s->mu);
	for (;;) {
		s->cv.wait(lock, [&] { return !s->full.empty() || s->stop; });
		if (s->full.empty())
			return; // stop, and nothing left
		Chunk* c = s->full.front();
		s->full.pop_front();
		s->writing = true;
		s->writing_events = c->events;
		bool closed = s->closed;
		lock.unlock();
		size_t off = 0;
		while (!closed && off < c->len) {
			ssize_t n = ::write(fd, c->data.get() + off, c->len - off);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EINTR)
				closed = true; // EPIPE: the reader went away
		}
		c->len = 0;
		c->events = 0;
		lock.lock();
		s->writing = false;
		s->writing_events = 0;
		s->closed = s->closed || closed;
		s->free.push_back(c);
		s->cv.notify_all();
	}
}

} // namespace tcpsight
