#include "io/parallel_gzip_writer.hpp"

#include <algorithm>
#include <string>

#include <zlib.h>

#include "ifnbackup/error.hpp"
#include "io/file_io.hpp"

namespace ifnbackup::io {
namespace {

// Blocks bigger than this are a caller's mistake (and avail_in is 32 bits).
constexpr std::size_t k_max_block_bytes = 256 * 1024 * 1024;

// The zlib deflate return codes of this file become an Error here (same wording as GzipWriter).
void check_deflate(int rc, const z_stream& stream, std::string_view what) {
  if (rc == Z_OK || rc == Z_STREAM_END) {
    return;
  }
  const std::string detail = stream.msg != nullptr ? stream.msg : zError(rc);
  if (rc == Z_MEM_ERROR) {
    throw Error(ErrorCode::internal, "out of memory while compressing " + std::string(what));
  }
  throw Error(ErrorCode::internal, "compression of " + std::string(what) + " failed: " + detail);
}

}  // namespace

// One block of input and, once compressed, its complete gzip member. The buffers keep their
// capacity from one use to the next, so memory stays at the figure in the header.
struct ParallelGzipWriter::Block {
  std::string input;
  std::unique_ptr<unsigned char[]> output;
  std::size_t output_capacity = 0;
  std::size_t output_size = 0;
  bool compressed = false;
};

// One deflate state per compressing thread, reset for every block.
struct ParallelGzipWriter::Compressor {
  z_stream z{};
  bool initialized = false;

  ~Compressor() {
    if (initialized) {
      deflateEnd(&z);
    }
  }

  void compress(Block& block, std::string_view what) {
    check_deflate(deflateReset(&z), z, what);
    const std::size_t bound = deflateBound(&z, static_cast<uLong>(block.input.size()));
    if (block.output_capacity < bound) {
      block.output = std::make_unique_for_overwrite<unsigned char[]>(bound);
      block.output_capacity = bound;
    }
    z.next_in = reinterpret_cast<Bytef*>(block.input.data());
    z.avail_in = static_cast<uInt>(block.input.size());
    z.next_out = block.output.get();
    z.avail_out = static_cast<uInt>(block.output_capacity);
    // With deflateBound's room, Z_FINISH completes the member in one call.
    const int rc = deflate(&z, Z_FINISH);
    check_deflate(rc, z, what);
    if (rc != Z_STREAM_END) {
      throw Error(ErrorCode::internal, "compression of " + std::string(what) + " did not end a gzip member");
    }
    block.output_size = block.output_capacity - z.avail_out;
  }
};

ParallelGzipWriter::ParallelGzipWriter(int fd, int level, std::string what, unsigned threads,
                                       std::size_t block_bytes)
    : m_fd(fd), m_level(level), m_what(std::move(what)), m_block_bytes(block_bytes) {
  if (threads == 0) {
    throw Error(ErrorCode::usage, "invalid thread count 0", "use --threads 1 or more");
  }
  if (block_bytes == 0 || block_bytes > k_max_block_bytes) {
    throw Error(ErrorCode::internal, "invalid compression block size " + std::to_string(block_bytes));
  }
  if (threads == 1) {
    m_single = std::make_unique<GzipWriter>(fd, level, m_what);
    return;
  }
  if (level != Z_DEFAULT_COMPRESSION && (level < 1 || level > 9)) {
    throw Error(ErrorCode::usage, "invalid compression level " + std::to_string(level),
                "use a level from 1 (fastest) to 9 (smallest)");
  }
  for (unsigned i = 0; i < threads; ++i) {
    auto compressor = std::make_unique<Compressor>();
    // windowBits 15 + 16: each block is a complete gzip member (header, deflate, CRC-32, length).
    check_deflate(deflateInit2(&compressor->z, m_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
                  compressor->z, m_what);
    compressor->initialized = true;
    m_compressors.push_back(std::move(compressor));
  }
  for (unsigned i = 0; i < 2 * threads; ++i) {
    m_blocks.push_back(std::make_unique<Block>());
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
  if (m_single) {
    return m_single->compressed_bytes();
  }
  std::lock_guard lock(m_mutex);
  return m_compressed;
}

std::uint64_t ParallelGzipWriter::members() const noexcept {
  if (m_single) {
    return m_single->finished() ? 1 : 0;
  }
  std::lock_guard lock(m_mutex);
  return m_written;
}

void ParallelGzipWriter::write(std::string_view data) {
  if (m_single) {
    m_single->write(data);
    m_uncompressed = m_single->uncompressed_bytes();
    return;
  }
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
      std::unique_lock lock(m_mutex);
      submit_block();
    }
  }
}

void ParallelGzipWriter::finish() {
  if (m_single) {
    m_single->finish();
    m_finished = true;
    return;
  }
  if (m_finished) {
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
        m_changed.wait(lock,
                       [this] { return m_stopping || m_error || m_input_done || m_claimed < m_submitted; });
        if (m_stopping || m_error || m_claimed == m_submitted) {
          return;  // stopped, failed, or the input is done and every block taken
        }
        block = m_blocks[m_claimed % m_blocks.size()].get();
        ++m_claimed;
      }
      compressor.compress(*block, m_what);
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
      write_fully(m_fd,
                  std::string_view(reinterpret_cast<const char*>(block->output.get()), block->output_size),
                  m_what);
      {
        std::lock_guard lock(m_mutex);
        m_compressed += block->output_size;
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
