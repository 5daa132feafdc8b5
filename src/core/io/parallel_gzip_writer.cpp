#include "io/parallel_gzip_writer.hpp"

#include <algorithm>
#include <string>

#include <libdeflate.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/options.hpp"
#include "io/file_io.hpp"
#include "io/gzip_member.hpp"

namespace ifnbackup::io {
namespace {

// Blocks bigger than this are a caller's mistake.
constexpr std::size_t k_max_block_bytes = 256 * 1024 * 1024;

}  // namespace

// One block of input and, once compressed, its complete gzip member. The buffers keep their
// capacity from one use to the next, so memory stays at the figure in the header.
struct ParallelGzipWriter::Block {
  std::string input;
  std::unique_ptr<unsigned char[]> output;
  std::size_t output_capacity = 0;
  std::size_t output_size = 0;
  bool compressed = false;
  std::uint64_t number = 0;  // its place in the file
  bool high = false;         // the automatic level's higher level
  // The automatic level: the bytes per byte of SQL of the last sample counted at this block's level;
  // a block that compresses much worse is sampled too (0: none yet).
  double reference_rate = 0;
};

// One libdeflate compressor per compressing thread (two at the automatic level: its low and high
// levels). libdeflate compresses a whole buffer at once into a complete gzip member (header, deflate,
// CRC-32, length): 2 to 3 times faster than zlib's deflate at the same level and a few per cent
// smaller (docs/benchmarks.md).
struct ParallelGzipWriter::Compressor {
  libdeflate_compressor* low = nullptr;   // the level, or the automatic level's low one
  libdeflate_compressor* high = nullptr;  // the automatic level's high one

  Compressor(int level, bool automatic) {
    low = libdeflate_alloc_compressor(automatic ? AutoLevel::k_low_level : level);
    high = automatic ? libdeflate_alloc_compressor(AutoLevel::k_high_level) : nullptr;
    if (low == nullptr || (automatic && high == nullptr)) {
      libdeflate_free_compressor(low);  // the destructor does not run after a throwing constructor
      libdeflate_free_compressor(high);
      throw Error(ErrorCode::internal, tx("out of memory while preparing compression"));
    }
  }
  ~Compressor() {
    libdeflate_free_compressor(low);
    libdeflate_free_compressor(high);
  }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  void compress(Block& block, std::string_view what) {
    libdeflate_compressor* c = block.high ? high : low;
    const std::size_t bound = libdeflate_gzip_compress_bound(c, block.input.size());
    if (block.output_capacity < bound) {
      block.output = std::make_unique_for_overwrite<unsigned char[]>(bound);
      block.output_capacity = bound;
    }
    // With the bound's room the call cannot run out of space; 0 would be a library fault.
    block.output_size =
        libdeflate_gzip_compress(c, block.input.data(), block.input.size(), block.output.get(), block.output_capacity);
    if (block.output_size == 0) {
      throw Error(ErrorCode::internal, tx("compression of {} failed", what));
    }
  }
};

ParallelGzipWriter::ParallelGzipWriter(int fd, int level, std::string what, unsigned threads, std::size_t block_bytes)
    : m_fd(fd), m_what(std::move(what)), m_block_bytes(block_bytes) {
  if (threads == 0) {
    throw Error(ErrorCode::usage, tx("invalid thread count 0"), tx("use --threads 1 or more"));
  }
  if (block_bytes == 0 || block_bytes > k_max_block_bytes) {
    throw Error(ErrorCode::internal, "invalid compression block size " + std::to_string(block_bytes));
  }
  if (level == -1) {
    level = k_default_compress_level;
  }
  if (level < 0 || level > 9) {
    throw Error(ErrorCode::usage, tx("invalid compression level {}", level),
                tx("use a level from 1 (fastest) to 9 (smallest), or auto"));
  }
  const bool automatic = level == k_auto_compress_level;
  // threads == 1: one compressor used by the caller's thread, no thread started.
  for (unsigned i = 0; i < threads; ++i) {
    m_compressors.push_back(std::make_unique<Compressor>(level, automatic));
  }
  const unsigned blocks = threads == 1 ? 1 : 2 * threads;
  for (unsigned i = 0; i < blocks; ++i) {
    m_blocks.push_back(std::make_unique<Block>());
  }
  if (automatic) {
    m_auto.emplace(blocks);  // block n is filled once block n - blocks is written (acquire_block)
  }
  if (threads == 1) {
    return;
  }
  start_threads(threads);
}

ParallelGzipWriter::~ParallelGzipWriter() {
  stop_and_join();
}

void ParallelGzipWriter::start_threads(unsigned threads) {
  try {
    for (unsigned i = 0; i < threads; ++i) {
      Compressor* compressor = m_compressors[i].get();
      m_threads.emplace_back([this, compressor] { compress_loop(*compressor); });
    }
    m_threads.emplace_back([this] { write_loop(); });
  } catch (...) {
    stop_and_join();  // the destructor does not run after a throwing constructor
    throw;
  }
}

void ParallelGzipWriter::stop_and_join() noexcept {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  for (std::thread& thread : m_threads) {
    if (thread.joinable()) {
      try {
        thread.join();
      } catch (...) {
        // join() only fails for a thread that is not joinable; nothing to do.
      }
    }
  }
  m_threads.clear();
}

std::uint64_t ParallelGzipWriter::compressed_bytes() const noexcept {
  std::lock_guard lock(m_mutex);
  return m_compressed;
}

std::uint64_t ParallelGzipWriter::members() const noexcept {
  std::lock_guard lock(m_mutex);
  return m_written;
}

AutoLevelReport ParallelGzipWriter::auto_level() const noexcept {
  std::lock_guard lock(m_mutex);
  return m_auto ? m_auto->report() : AutoLevelReport{};
}

void ParallelGzipWriter::decide(Block& block) {
  if (m_auto) {
    const AutoLevel::Decision decision = m_auto->decide(block.number);
    block.high = decision.high;
    block.reference_rate = decision.reference_rate;
  }
}

void ParallelGzipWriter::compress_block(Compressor& compressor, Block& block) {
  if (!m_auto) {
    compressor.compress(block, m_what);
    return;
  }
  // A sample measures level 5 and zlib's level 6, then makes the block at 6 where the level says so or
  // where 5 comes too close. The samples: those at their place, and, between them, a block that
  // compresses more than 3 % worse than the last sample counted at its level: other text (random
  // numbers after the usual dump text), which a layout whose samples all fall on easy text would
  // otherwise hide (1.013 of gzip -6, measured).
  const bool scheduled = AutoLevel::scheduled(block.number);
  const bool wanted_high = block.high;
  block.high = wanted_high && !scheduled;
  compressor.compress(block, m_what);
  const bool sample = scheduled || AutoLevel::worse_than(block.reference_rate, block.input.size(), block.output_size);
  std::uint64_t zlib = 0;
  std::size_t low_output = 0;  // unknown for a block made at 6 between the scheduled samples
  if (sample) {
    zlib = zlib_gzip_size(block.input, AutoLevel::k_yardstick_level);
    if (!block.high) {
      low_output = block.output_size;
      if (wanted_high || AutoLevel::too_close(low_output, zlib)) {
        block.high = true;
        compressor.compress(block, m_what);
      }
    }
  }
  std::lock_guard lock(m_mutex);
  m_auto->record(block.number, block.input.size(), block.output_size, zlib, low_output, block.high);
}

void ParallelGzipWriter::write(std::string_view data) {
  if (m_finished) {
    throw Error(ErrorCode::internal, "write to " + m_what + " after its gzip stream was finished");
  }
  throw_if_failed();
  m_uncompressed += data.size();
  while (!data.empty()) {
    if (!m_filling) {
      std::unique_lock lock(m_mutex);
      acquire_block(lock);
    }
    // The block being filled belongs to this thread alone: copy without the lock.
    Block& block = *m_blocks[m_submitted % m_blocks.size()];
    const std::size_t take = std::min(m_block_bytes - block.input.size(), data.size());
    block.input.append(data.data(), take);
    data.remove_prefix(take);
    if (block.input.size() == m_block_bytes) {
      if (m_threads.empty()) {
        write_inline();
      } else {
        std::unique_lock lock(m_mutex);
        submit_block();
      }
    }
  }
}

void ParallelGzipWriter::finish() {
  if (m_finished) {
    return;
  }
  if (m_threads.empty()) {
    throw_if_failed();
    // A partly filled block is the last member; an empty input still makes one (empty) member.
    if (m_filling || m_submitted == 0) {
      if (!m_filling) {
        std::unique_lock lock(m_mutex);
        acquire_block(lock);
      }
      write_inline();
    }
    m_finished = true;
    return;
  }
  {
    std::unique_lock lock(m_mutex);
    if (m_error) {
      std::rethrow_exception(m_error);
    }
    // A partly filled block is the last member; an empty input still makes one (empty) member.
    if (m_filling || m_submitted == 0) {
      if (!m_filling) {
        acquire_block(lock);
      }
      submit_block();
    }
    m_input_done = true;
    m_changed.notify_all();
    m_changed.wait(lock, [this] { return m_error || m_written == m_submitted; });
    if (m_error) {
      std::rethrow_exception(m_error);
    }
  }
  stop_and_join();
  m_finished = true;
}

void ParallelGzipWriter::acquire_block(std::unique_lock<std::mutex>& lock) {
  m_changed.wait(lock, [this] { return m_error || m_submitted - m_written < m_blocks.size(); });
  if (m_error) {
    std::rethrow_exception(m_error);
  }
  Block& block = *m_blocks[m_submitted % m_blocks.size()];
  block.input.clear();
  block.input.reserve(m_block_bytes);
  m_filling = true;
}

void ParallelGzipWriter::write_inline() {
  Block& block = *m_blocks[m_submitted % m_blocks.size()];
  try {
    {
      std::lock_guard lock(m_mutex);
      block.number = m_submitted;
      decide(block);
    }
    compress_block(*m_compressors.front(), block);
    write_fully(m_fd, std::string_view(reinterpret_cast<const char*>(block.output.get()), block.output_size), m_what);
  } catch (...) {
    record_error(std::current_exception());  // sticky: a later write() or finish() throws it again
    throw;
  }
  std::lock_guard lock(m_mutex);
  m_filling = false;
  record_member(block);
  ++m_submitted;
  ++m_written;
}

void ParallelGzipWriter::open_ranges(std::uint64_t member) {
  while (m_ranges.size() < m_range_starts.size() && m_range_starts[m_ranges.size()] <= member) {
    m_ranges.push_back(GzipRange{m_compressed, 0, 0, 0});
  }
}

void ParallelGzipWriter::record_member(const Block& block) {
  // A gzip member ends with CRC-32 and ISIZE, little-endian (RFC 1952).
  const unsigned char* end = block.output.get() + block.output_size;
  auto le32 = [](const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
  };
  open_ranges(m_written);
  GzipRange& range = m_ranges.back();
  const std::uint32_t length = le32(end - 4);
  range.crc32 = gzip_crc32_combine(range.crc32, le32(end - 8), length);
  range.compressed += block.output_size;
  range.size += length;
  m_compressed += block.output_size;
}

std::uint64_t ParallelGzipWriter::cut() {
  if (m_finished) {
    throw Error(ErrorCode::internal, "cut of " + m_what + " after its gzip stream was finished");
  }
  throw_if_failed();
  if (m_filling) {
    if (m_threads.empty()) {
      write_inline();
    } else {
      std::unique_lock lock(m_mutex);
      submit_block();
    }
  }
  std::lock_guard lock(m_mutex);
  m_range_starts.push_back(m_submitted);
  return m_range_starts.size() - 1;
}

std::vector<GzipRange> ParallelGzipWriter::wait_written() {
  if (m_filling) {
    throw Error(ErrorCode::internal, "wait_written() on " + m_what + " without cut()");
  }
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_error || m_written == m_submitted; });
  if (m_error) {
    std::rethrow_exception(m_error);
  }
  open_ranges(m_written);
  return m_ranges;
}

void ParallelGzipWriter::append_stored(std::string_view text) {
  if (!m_finished) {
    throw Error(ErrorCode::internal, "append_stored() on " + m_what + " before finish()");
  }
  const std::string member = stored_gzip_member(text);
  write_fully(m_fd, member, m_what);
  std::lock_guard lock(m_mutex);
  m_compressed += member.size();
  ++m_written;
  ++m_submitted;
}

void ParallelGzipWriter::submit_block() {
  m_filling = false;
  ++m_submitted;
  m_changed.notify_all();
}

void ParallelGzipWriter::throw_if_failed() const {
  std::lock_guard lock(m_mutex);
  if (m_error) {
    std::rethrow_exception(m_error);
  }
}

void ParallelGzipWriter::record_error(std::exception_ptr error) {
  {
    std::lock_guard lock(m_mutex);
    if (!m_error) {
      m_error = std::move(error);
    }
  }
  m_changed.notify_all();
}

void ParallelGzipWriter::compress_loop(Compressor& compressor) {
  try {
    for (;;) {
      Block* block = nullptr;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_stopping || m_error || m_input_done || m_claimed < m_submitted; });
        if (m_stopping || m_error || m_claimed == m_submitted) {
          return;  // stopped, failed, or the input is done and every block taken
        }
        block = m_blocks[m_claimed % m_blocks.size()].get();
        block->number = m_claimed;
        decide(*block);
        ++m_claimed;
      }
      compress_block(compressor, *block);
      {
        std::lock_guard lock(m_mutex);
        block->compressed = true;
      }
      m_changed.notify_all();
    }
  } catch (...) {
    record_error(std::current_exception());
  }
}

void ParallelGzipWriter::write_loop() {
  try {
    for (;;) {
      Block* block = nullptr;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] {
          return m_stopping || m_error || (m_input_done && m_written == m_submitted) ||
                 (m_written < m_submitted && m_blocks[m_written % m_blocks.size()]->compressed);
        });
        if (m_stopping || m_error || m_written == m_submitted) {
          return;
        }
        block = m_blocks[m_written % m_blocks.size()].get();
      }
      // The one path to the file: write_fully turns ENOSPC into "disk full while writing ...".
      write_fully(m_fd, std::string_view(reinterpret_cast<const char*>(block->output.get()), block->output_size),
                  m_what);
      {
        std::lock_guard lock(m_mutex);
        record_member(*block);
        block->compressed = false;
        ++m_written;
      }
      m_changed.notify_all();
    }
  } catch (...) {
    record_error(std::current_exception());
  }
}

}  // namespace ifnbackup::io
