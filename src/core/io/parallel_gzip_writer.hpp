#pragma once
// A gzip file written as independent members of one block each (libdeflate), compressed on
// worker threads and written strictly in input order by a writer thread. Any gzip reader
// (gzip -dc, gunzip | mariadb, our GzipReader) sees one continuous stream; the dump thread
// only copies.
//
// The automatic level (k_auto_compress_level, the default) keeps the promise "no larger than
// `gzip -6` of the same SQL" by measuring it instead of paying level 6 everywhere: blocks are
// compressed at level 5 (a fifth less CPU than 6, 0.92 of gzip -6 on the benchmark's SQL) and some
// of them also by zlib at level 6, gzip's own algorithm: the first four, each power of two, every
// 64th, and any block that compresses more than 3 % worse than the last sample counted at its level
// (other text: random numbers after the usual dump text). A sampled block that comes within 3 % of
// zlib's size is made at level 6, and while the file so far (ours exactly; zlib's measured on the
// samples and estimated between them with the ratio last measured at each level) comes within 3 % of
// zlib's, the blocks are made at level 6 (SQL of random numbers: level 5 is 1.02 of gzip -6 there,
// level 6 0.99). Which blocks count for a block's level and reference depends only on its number and
// the thread count (those at least 2 x threads blocks before it, all written by then), so the same
// input gives the same file.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "io/auto_level.hpp"

namespace ifnbackup::io {

// A run of whole gzip members of the file, between two cut()s: where it lies, its content's
// length and CRC-32 (combined from the members' own trailers, no second pass).
struct GzipRange {
  std::uint64_t offset = 0;      // compressed offset of its first byte
  std::uint64_t compressed = 0;  // its size in the file
  std::uint64_t size = 0;        // uncompressed bytes
  std::uint32_t crc32 = 0;       // of the uncompressed bytes
};

class ParallelGzipWriter {
 public:
  static constexpr std::size_t k_default_block_bytes = 1024 * 1024;

  // level: 1..9, 0 (k_auto_compress_level: above) or -1 (k_default_compress_level); `what` names the file in messages.
  // threads >= 1 compressing threads; 1 compresses and writes each block on the caller's thread, no thread started.
  // Memory: at most 2 x threads blocks (1 for threads == 1) exist at once, input + output each.
  ParallelGzipWriter(int fd, int level, std::string what, unsigned threads,
                     std::size_t block_bytes = k_default_block_bytes);
  // Stops and joins every thread, finished or not (an error is dropped here: the caller that
  // did not finish() is already unwinding). A write(2) in progress is waited for, so fd should
  // be a file, or a pipe whose reader keeps reading.
  ~ParallelGzipWriter();
  ParallelGzipWriter(const ParallelGzipWriter&) = delete;
  ParallelGzipWriter& operator=(const ParallelGzipWriter&) = delete;

  // Copies data into the current block; blocks while 2 x threads blocks are in flight.
  // Throws the first error of any thread (Error(io) "disk full while writing <what>", ...).
  void write(std::string_view data);
  // Compresses the last block and waits until every member is written; joins the threads.
  // The descriptor is neither synced nor closed. Throws as write() does.
  void finish();

  // Ends the current member here (if it holds anything) and starts a new range: the next byte
  // written starts a new member, counted in the new range. Range 0 starts with the file.
  // Returns the new range's number. Throws as write() does.
  std::uint64_t cut();
  // After cut(): waits until every member so far is in the file and returns every range so far,
  // in order (the last, just started, empty).
  std::vector<GzipRange> wait_written();
  // After finish(): appends `text` (at most 65535 bytes) as one stored (uncompressed) gzip member,
  // which a reader finds at the end of the file without decompressing anything (io/gzip_member).
  void append_stored(std::string_view text);

  bool finished() const noexcept { return m_finished; }
  std::uint64_t uncompressed_bytes() const noexcept { return m_uncompressed; }
  // Bytes handed to write(2) so far (all of the file once finish() returned).
  std::uint64_t compressed_bytes() const noexcept;
  // Gzip members written so far (all of them once finish() returned).
  std::uint64_t members() const noexcept;
  // The automatic level's account, complete once finish() returned.
  AutoLevelReport auto_level() const noexcept;

 private:
  struct Block;
  struct Compressor;

  void start_threads(unsigned threads);
  void stop_and_join() noexcept;
  // Waits until the block numbered m_submitted may be filled.
  void acquire_block(std::unique_lock<std::mutex>& lock);
  // Hands block m_submitted to the compressors; m_mutex is held.
  void submit_block();
  // threads == 1: compresses block m_submitted and writes it on the caller's thread.
  void write_inline();
  // Adds the member just written from `block` to its range; m_mutex is held.
  void record_member(const Block& block);
  // Opens the ranges that start at or before member `member`; m_mutex is held.
  void open_ranges(std::uint64_t member);
  void throw_if_failed() const;
  void record_error(std::exception_ptr error);
  // Sets block.high and block.reference_rate for block.number (automatic level); m_mutex is held.
  void decide(Block& block);
  // Compresses `block` as its level says, with the automatic level's sample (m_mutex not held).
  void compress_block(Compressor& compressor, Block& block);
  void compress_loop(Compressor& compressor);
  void write_loop();

  int m_fd;
  std::string m_what;
  std::size_t m_block_bytes;
  bool m_finished = false;
  std::uint64_t m_uncompressed = 0;

  // Everything below is shared with the threads and guarded by m_mutex. Block n lives in
  // m_blocks[n % size]; blocks [m_written, m_submitted) are in flight, m_submitted is filling.
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<std::unique_ptr<Block>> m_blocks;
  std::vector<std::unique_ptr<Compressor>> m_compressors;
  std::uint64_t m_submitted = 0;  // blocks handed to the compressors
  std::uint64_t m_claimed = 0;    // blocks a compressor has taken
  std::uint64_t m_written = 0;    // blocks written to the file
  std::uint64_t m_compressed = 0;
  std::vector<std::uint64_t> m_range_starts{0};  // first member number of each range
  std::vector<GzipRange> m_ranges;               // totals of the ranges reached by the writer
  bool m_filling = false;                        // the producer holds block m_submitted
  bool m_input_done = false;                     // finish(): no block after m_submitted - 1
  bool m_stopping = false;                       // destructor: threads leave at once
  std::exception_ptr m_error;                    // the first error of any thread
  std::optional<AutoLevel> m_auto;               // the automatic level
  std::vector<std::thread> m_threads;
};

}  // namespace ifnbackup::io
