// Where encoded output goes: a fixed set of chunks, filled by the reader and written by
// a writer thread, so a slow or stalled consumer (a pipe nobody reads, ssh, a terminal)
// never blocks the reader and never grows memory. When every chunk is waiting to be
// written the reader stops draining the ring buffer: the ring overflows in the kernel,
// where each lost event is counted. Nothing is allocated per event: chunks are reused.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tcpsight {

class OutStream {
public:
	static constexpr size_t kChunkBytes = 256 * 1024;
	static constexpr size_t kChunks = 4; // at most ~1.3 MiB of output held, whatever the consumer does
	// Room always left in the chunk being filled: no single record is larger (the
	// encoders cut any one string at kStringMax, whose JSON escaping is at most 6x).
	static constexpr size_t kRecordMax = 64 * 1024;
	static constexpr size_t kStringMax = 1024;
	// Events stop at kChunkBytes; the last kRecordMax of a chunk is kept for the small
	// records that must not be lost while stdout is blocked (loss notices, summaries).
	static constexpr size_t kCapacity = kChunkBytes + 2 * kRecordMax;

	// Through a writer thread when `out` has a file descriptor (stdout); synchronously
	// otherwise (memory streams in tests).
	explicit OutStream(FILE* out);
	~OutStream();
	OutStream(const OutStream&) = delete;
	OutStream& operator=(const OutStream&) = delete;

	// Where the next record goes: write at most kRecordMax bytes from cursor(), then
	// commit(end) and record_done().
	char* cursor() { return cur_->data.get() + cur_->len; }
	void commit(char* end) { cur_->len = (size_t)(end - cur_->data.get()); }
	// Appends text that is not an event (headers, summaries); false when it was dropped
	// because stdout stayed blocked and the chunk is full.
	bool append(const std::string& s);
	// Counts one record in the current chunk; hands the chunk over when it is full.
	// False when the chunk is full and no other is free: stop producing until `ready`.
	bool record_done(uint64_t events = 1);
	// There is room for another record.
	bool ready() const { return cur_->len < kChunkBytes; }
	// Waits up to `ms` for a chunk to be written, then hands over the current one if
	// it can (the reader's idle wait while the consumer is slow).
	void wait_writable(int ms);
	// Hands over whatever the current chunk holds if a chunk is free (never blocks).
	void flush();
	// At exit: everything written within `ms`, or the events still held are returned
	// (to be counted as lost) and the writer is abandoned where it blocks.
	uint64_t finish(int ms);
	// The consumer closed its end (EPIPE); records are discarded from then on.
	bool closed() const;

private:
	struct Chunk {
		std::unique_ptr<char[]> data{new char[kCapacity]};
		size_t len = 0;
		uint64_t events = 0;
	};
	// Shared with the writer thread, which may outlive this object if it is blocked
	// in write() when the tool exits.
	struct Shared {
		std::mutex mu;
		std::condition_variable cv;
		std::deque<Chunk*> full;  // waiting to be written, oldest first
		std::vector<Chunk*> free; // written, ready to refill
		std::vector<std::unique_ptr<Chunk>> all;
		bool stop = false;
		bool closed = false;
		bool writing = false;
		uint64_t writing_events = 0;
	};
	bool hand_over_locked();
	static void writer_main(std::shared_ptr<Shared> s, int fd);
	void write_sync(Chunk& c);

	FILE* out_;
	int fd_ = -1;
	std::shared_ptr<Shared> s_;
	Chunk* cur_ = nullptr;
	std::thread writer_;
};

} // namespace tcpsight
